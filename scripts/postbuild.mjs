// Marks the CLI entry executable after tsc (npm links bin files but some installs keep modes).
import { chmodSync } from "node:fs";
chmodSync(new URL("../dist/cli/main.js", import.meta.url), 0o755);
