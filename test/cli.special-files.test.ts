/** Paths that are not regular files (devices, FIFOs) and output folders that cannot be made: one line, exit 2, no hang. */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI, ROOT, tempDir } from "./helpers/cli.js";

const sample = join(ROOT, "samples", "nnunetv2_inia19_1mm");
const npz = join(sample, "probabilities.npz");

/** The built CLI with a short timeout: a hang shows as a killed run (signal set, code null). */
function run(args: string[], timeout = 20_000) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd: ROOT, timeout });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function expectRefused(args: string[], want: RegExp) {
  const r = run(args);
  expect(r.signal, `killed after the timeout: ${args.join(" ")}`).toBeNull();
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(want);
}

function mkfifo(path: string): void {
  const r = spawnSync("mkfifo", [path]);
  expect(r.status, String(r.stderr)).toBe(0);
}

describe("inputs that are not regular files", () => {
  it("refuses /dev/zero as the probabilities, --image, --seg and --properties up front", () => {
    const out = join(tempDir(), "out");
    const want = /\/dev\/zero: path: expected a readable regular file, found a character device/;
    expectRefused(["/dev/zero", "--out", out], want);
    expectRefused([npz, "--image", "/dev/zero", "--out", out, "--no-png"], want);
    expectRefused([npz, "--seg", "/dev/zero", "--out", out, "--no-png"], want);
    expectRefused([npz, "--properties", "/dev/zero", "--out", out, "--no-png"], want);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a FIFO (with no writer) without waiting on it, whatever its extension", () => {
    const dir = tempDir();
    const out = join(dir, "out");
    for (const name of ["pipe.npz", "pipe.npy", "pipe.nii"]) {
      const fifo = join(dir, name);
      mkfifo(fifo);
      expectRefused([fifo, "--out", out], new RegExp(`${name.replace(".", "\\.")}: path: expected a readable regular file, found a FIFO`));
    }
    const fifo = join(dir, "image.npy");
    mkfifo(fifo);
    expectRefused([npz, "--image", fifo, "--out", out, "--no-png"], /image\.npy: path: expected a readable regular file, found a FIFO/);
    const props = join(dir, "props.json");
    mkfifo(props);
    expectRefused([npz, "--properties", props, "--out", out, "--no-png"], /props\.json: path: expected a readable regular file, found a FIFO/);
    expect(existsSync(out)).toBe(false);
  });

  it("still refuses a directory and a missing file as before", () => {
    const dir = tempDir();
    expectRefused([dir, "--out", join(dir, "out")], /path: expected a readable file, found a directory/);
    expectRefused([join(dir, "nope.npy"), "--out", join(dir, "out")], /nope\.npy: path: expected a readable file, found no such file/);
  });
});

describe("output folders that cannot be made", () => {
  it("--out under /proc fails at once naming the folder (Node 20's recursive mkdir loops there)", () => {
    expectRefused([npz, "--out", "/proc/forbidden/x", "--no-png"], /^segentropy: \/proc\/forbidden: --out: expected a folder that can be created, found an error \(ENOENT\)/);
  });

  it("--out under a regular file names that file and creates nothing", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "file"), "x");
    expectRefused([npz, "--out", join(dir, "file", "a", "b"), "--no-png"], new RegExp(`${join(dir, "file")}: --out: expected a folder \\(or a path where one can be created\\), found a file`));
    expectRefused([npz, "--out", join(dir, "file"), "--no-png"], /file: --out: expected a folder .*, found a file/);
    symlinkSync(join(dir, "nowhere"), join(dir, "dangling"));
    expectRefused([npz, "--out", join(dir, "dangling", "out"), "--no-png"], /dangling: --out: expected a folder .*, found a symbolic link to nothing/);
    expect(readdirSync(dir).sort()).toEqual(["dangling", "file"]);
  });

  it("creates the missing folders of --out one by one, beside existing ones", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "a"));
    const out = join(dir, "a", "b", "c", "..", "d");
    const r = run([npz, "--out", out, "--no-png", "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(dir, "a", "b", "d")).sort()).toEqual(["entropy.nii.gz", "stats.json"]);
    expect(existsSync(join(dir, "a", "b", "c"))).toBe(false);
  });
});
