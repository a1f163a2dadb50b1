#!/usr/bin/env node
/** CLI entry: exit 0 on success, 2 on bad usage or input (one-line reason), 1 on an internal error. */
import { parseArgs, USAGE } from "./args.js";
import { run } from "./run.js";
import { isSegentropyError } from "../errors.js";
import { VERSION } from "../version.js";

async function main(): Promise<number> {
  try {
    const args = parseArgs(process.argv.slice(2));
    if (args.help) { process.stdout.write(USAGE + "\n"); return 0; }
    if (args.version) { process.stdout.write(`segentropy ${VERSION}\n`); return 0; }
    const result = await run(args);
    if (!args.quiet) process.stdout.write(result.lines.join("\n") + "\n");
    return 0;
  } catch (err) {
    if (isSegentropyError(err)) {
      process.stderr.write(`segentropy: ${err.message}\n`);
      return 2;
    }
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`segentropy: internal error: ${msg}\n`);
    if (process.env.SEGENTROPY_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

main().then((code) => { process.exitCode = code; });
