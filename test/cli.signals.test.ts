/**
 * Ctrl-C (SIGINT) and kill (SIGTERM) while the CLI writes its outputs: the run is undone as a failed
 * one is (temporary files removed, an earlier run's outputs put back, a folder it made removed),
 * it says so on one line and exits 130 / 143.
 *
 * The signal has to land while the outputs are being written, a window of some 40 ms even for a
 * 1 GB input. So the CLI runs with a preload (node --import, written below) that pauses every write
 * to a hidden temporary file and every move of an output aside to its backup name: the real CLI
 * and its real commit, only slower. The test waits until such a file is in the folder, then signals.
 * Expected folder contents are the folder as it was before the run (a snapshot), never this code's.
 */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI, ROOT, cli, tempDir, snapshot } from "./helpers/cli.js";

const s01 = join(ROOT, "samples", "nnunetv2_inia19_1mm", "probabilities.npz");
/** Pause of each slowed file operation (ms): the polling below sees the file long before the next step. */
const PAUSE_MS = 300;

/** The preload: pauses writes to *.tmp files and renames to *.bak names (fs's ESM exports updated too). */
function slowFsPreload(): string {
  const path = join(tempDir("segentropy-signals-preload-"), "slow-fs.mjs");
  writeFileSync(path, `
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
const pause = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${PAUSE_MS});
const temp = (p) => /\\.tmp$/.test(String(p));
const fds = new Set();
const { openSync, writeSync, writeFileSync, closeSync, renameSync } = fs;
fs.openSync = (p, ...rest) => { const fd = openSync(p, ...rest); if (temp(p)) fds.add(fd); return fd; };
fs.writeSync = (fd, ...rest) => { if (fds.has(fd)) pause(); return writeSync(fd, ...rest); };
fs.closeSync = (fd) => { fds.delete(fd); return closeSync(fd); };
fs.writeFileSync = (p, ...rest) => { if (temp(p)) pause(); return writeFileSync(p, ...rest); };
fs.renameSync = (from, to) => { renameSync(from, to); if (/\\.bak$/.test(String(to))) pause(); };
syncBuiltinESMExports();
`);
  return path;
}

/** A preload that, when the CLI opens an .npz input, drops a file named `reading` in `markerDir` and pauses. */
function slowReadPreload(markerDir: string): string {
  const path = join(tempDir("segentropy-signals-preload-"), "slow-read.mjs");
  writeFileSync(path, `
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
const { openSync, writeFileSync } = fs;
fs.openSync = (p, ...rest) => {
  const fd = openSync(p, ...rest);
  if (/\\.npz$/.test(String(p))) { writeFileSync(${JSON.stringify(join(markerDir, "reading"))}, ""); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${PAUSE_MS}); }
  return fd;
};
syncBuiltinESMExports();
`);
  return path;
}

interface Interrupted { code: number | null; signal: NodeJS.Signals | null; stderr: string; seen: string }

/**
 * Runs the CLI with the preload; once a file matching `when` appears in `dir`, sends `signal`.
 * Resolves when the CLI has exited, with the file that was seen.
 */
function interruptWhile(args: string[], dir: string, when: RegExp, signal: NodeJS.Signals, preload = slowFsPreload()): Promise<Interrupted> {
  const child = spawn(process.execPath, ["--import", preload, CLI, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "", seen = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
  child.stdout.resume();
  const poll = setInterval(() => {
    const hit = existsSync(dir) ? readdirSync(dir).find((f) => when.test(f)) : undefined;
    if (hit && !seen) { seen = hit; child.kill(signal); clearInterval(poll); }
  }, 5);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, sig) => { clearInterval(poll); resolve({ code, signal: sig, stderr, seen }); });
  });
}

describe("SIGINT / SIGTERM while the outputs are written", () => {
  it("SIGINT while a temporary file is written: no folder left where a fresh one was made; exit 130, one line", async () => {
    const out = join(tempDir(), "fresh", "out");
    const r = await interruptWhile([s01, "--out", out, "--no-png", "--quiet"], out, /\.tmp$/, "SIGINT");
    expect(r.seen, `no temporary file appeared (stderr: ${r.stderr})`).toMatch(/^\.entropy\.nii\.gz\.\d+\.tmp$/);
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 130, signal: null });
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^segentropy: interrupted by SIGINT: the output folder is unchanged$/);
    // both folders the run made are gone
    expect(readdirSync(join(out, "..", ".."))).toEqual([]);
  });

  it("SIGINT into an existing empty folder: the folder stays, empty", async () => {
    const out = tempDir();
    const r = await interruptWhile([s01, "--out", out, "--no-png", "--quiet"], out, /\.tmp$/, "SIGINT");
    expect(r.seen).toMatch(/\.tmp$/);
    expect(r.code, r.stderr).toBe(130);
    expect(readdirSync(out)).toEqual([]);
  });

  it("SIGTERM with --force after outputs were moved aside: the earlier run's outputs are back, byte for byte; exit 143", async () => {
    const out = tempDir();
    const first = cli([s01, "--out", out, "--quiet"]);
    expect(first.code, first.stderr).toBe(0);
    const before = snapshot(out);
    expect([...before.keys()].filter((f) => f.endsWith(".png")).length).toBeGreaterThanOrEqual(2);
    // other content (nats) and no figures: the earlier figures are stale outputs, moved aside too
    const r = await interruptWhile([s01, "--out", out, "--force", "--units", "nats", "--no-png", "--quiet"], out, /\.bak$/, "SIGTERM");
    expect(r.seen, `no backup appeared (stderr: ${r.stderr})`).toMatch(/\.bak$/);
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 143, signal: null });
    expect(r.stderr).toBe("segentropy: interrupted by SIGTERM: the output folder is unchanged\n");
    expect(snapshot(out)).toEqual(before);
  });

  it("without a signal the same slowed run completes, exits 0 and leaves no hidden files", async () => {
    const out = tempDir();
    const child = spawn(process.execPath, ["--import", slowFsPreload(), CLI, s01, "--out", out, "--no-png", "--quiet"], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(code, stderr).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual((JSON.parse(readFileSync(join(out, "stats.json"), "utf8")).outputs as string[]).concat("stats.json").sort());
  });
});

describe("SIGINT / SIGTERM before the outputs are written", () => {
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    it(`${signal} while the input is read: exit ${code}, one line, no output folder made`, async () => {
      const markers = tempDir();
      const out = join(tempDir(), "out");
      const r = await interruptWhile([s01, "--out", out, "--quiet"], markers, /^reading$/, signal, slowReadPreload(markers));
      expect(r.seen, `the input was not opened (stderr: ${r.stderr})`).toBe("reading");
      expect({ code: r.code, signal: r.signal }).toEqual({ code, signal: null });
      expect(r.stderr).toBe(`segentropy: interrupted by ${signal}: the output folder is unchanged\n`);
      expect(existsSync(out)).toBe(false);
    });
  }
});
