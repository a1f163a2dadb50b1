/** Runs the built CLI (dist/cli/main.js, made by `npm ci` / `npm run build`) as a user would. */
import { afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI = join(ROOT, "dist", "cli", "main.js");

export interface CliRun { code: number | null; stdout: string; stderr: string }

export function cli(args: string[]): CliRun {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd: ROOT, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const made: string[] = [];
// temporary folders go when the test file is done (each test file loads this module afresh)
afterAll(() => { for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true }); });

export function tempDir(prefix = "segentropy-test-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Every entry below `dir`: relative path -> file bytes (base64) or "dir" (a folder's state, to compare before and after a run). */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? join(rel, name) : name;
      if (statSync(join(dir, r)).isDirectory()) { out.set(r, "dir"); walk(r); } else out.set(r, readFileSync(join(dir, r)).toString("base64"));
    }
  };
  walk("");
  return out;
}
