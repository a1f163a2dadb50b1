/**
 * An .npz naming one key twice is refused (a fresh-user pass found it read silently): two members
 * called probabilities.npy (numpy's np.load reads the last, we read the first), or "probabilities"
 * next to "probabilities.npy" (numpy's key 'probabilities' is the member without .npy, we read the
 * one with it). The archives are written by Python's zipfile, as numpy writes .npz files, and by fflate.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { encodeNpyFloat32, isSegentropyError, npzKeys, readNpz, readProbabilitiesFile } from "../src/node/index.js";
import { cli, tempDir } from "./helpers/cli.js";

function python(code: string, ...args: string[]): string {
  const py = spawnSync("/usr/bin/python3", ["-W", "ignore", "-c", code, ...args], { encoding: "utf8" });
  expect(py.status, `python3 with numpy is needed: ${py.stderr}`).toBe(0);
  return py.stdout;
}

/** Two 3-class softmax members named probabilities.npy; prints what numpy reads (the second, one-hot). */
function duplicateNpz(path: string): number[] {
  return JSON.parse(python(`
import sys, json, zipfile, numpy as np
rng = np.random.default_rng(3)
p = np.moveaxis(rng.dirichlet(np.ones(3), size=(2, 2, 2)), -1, 0).astype('<f4')
q = np.zeros_like(p); q[0] = 1
with zipfile.ZipFile(sys.argv[1], 'w', compression=zipfile.ZIP_DEFLATED) as zf:
    for a in (p, q):
        with zf.open('probabilities.npy', 'w') as f: np.lib.format.write_array(f, a)
print(json.dumps(np.load(sys.argv[1])['probabilities'].ravel().tolist()))
`, path)) as number[];
}

/** A float32 .npy of `values` (the package's own encoder, which numpy reads). */
function npyF32(values: number[], shape: number[]): Uint8Array {
  return encodeNpyFloat32(new Float32Array(values), shape);
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(isSegentropyError(err), String(err)).toBe(true);
  return err as Error;
}

describe(".npz with a member name twice", () => {
  it("is refused by the library (sync and async readers) naming the file and the member", async () => {
    const path = join(tempDir(), "dup.npz");
    const numpyReads = duplicateNpz(path);
    expect(numpyReads.slice(0, 8)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]); // numpy: the last member
    const want = `${path}: member probabilities.npy: expected each member name (and each key, with or without .npy) once in the archive, `
      + "found two members named 'probabilities.npy' (numpy reads the last, other readers the first)";
    expect((await rejection(readProbabilitiesFile(path))).message).toBe(want);
    const bytes = new Uint8Array(readFileSync(path));
    expect(() => readNpz(bytes, path)).toThrow(want);
    // listing the keys is not reading one: each key once
    expect(npzKeys(bytes, path)).toEqual(["probabilities"]);
  });

  it("the CLI prints one line and exits 2", () => {
    const dir = tempDir();
    const path = join(dir, "dup.npz");
    duplicateNpz(path);
    const r = cli([path, "--out", join(dir, "out"), "--no-png"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([`segentropy: ${path}: member probabilities.npy: expected each member name (and each key, with or without .npy) once in the archive, `
      + "found two members named 'probabilities.npy' (numpy reads the last, other readers the first)"]);
  });
});

describe(".npz with 'x' and 'x.npy'", () => {
  it("is refused: numpy's key 'x' is the member 'x', the other reading was 'x.npy'", async () => {
    const path = join(tempDir(), "twokeys.npz");
    const a = npyF32([0.25, 0.75, 0.5, 0.5], [2, 2]);
    const b = npyF32([1, 0, 0, 1], [2, 2]);
    writeFileSync(path, zipSync({ "probabilities.npy": [a, { level: 0 }], probabilities: [b, { level: 0 }] }));
    const numpyReads = JSON.parse(python("import sys, json, numpy as np; print(json.dumps(np.load(sys.argv[1])['probabilities'].ravel().tolist()))", path)) as number[];
    expect(numpyReads).toEqual([1, 0, 0, 1]);
    expect((await rejection(readProbabilitiesFile(path))).message).toBe(`${path}: member probabilities: expected each member name (and each key, with or without .npy) once in the archive, `
      + "found members 'probabilities.npy' and 'probabilities', both key 'probabilities'");
  });

  it("distinct keys still read", async () => {
    const path = join(tempDir(), "ok.npz");
    writeFileSync(path, zipSync({ "probabilities.npy": [npyF32([0.25, 0.75, 0.5, 0.5], [2, 2]), { level: 0 }], "other.npy": [npyF32([1], [1]), { level: 0 }] }));
    const input = await readProbabilitiesFile(path);
    expect(Array.from(input.volume.data as Float32Array)).toEqual([0.25, 0.75, 0.5, 0.5]);
  });
});

describe(".npz with an unrelated member twice", () => {
  it("reads the member asked for, as numpy does (zipfile mode 'a' rewrote only 'meta')", async () => {
    const path = join(tempDir(), "meta2.npz");
    const numpyReads = JSON.parse(python(`
import sys, json, zipfile, numpy as np
p = np.full((2, 2, 2, 2), 0.5, '<f4')
np.savez(sys.argv[1], probabilities=p, meta=np.arange(3))
with zipfile.ZipFile(sys.argv[1], 'a') as zf:
    with zf.open('meta.npy', 'w') as f: np.lib.format.write_array(f, np.arange(4))
print(json.dumps(np.load(sys.argv[1])['probabilities'].ravel().tolist()))
`, path)) as number[];
    const input = await readProbabilitiesFile(path);
    expect(Array.from(input.volume.data as Float32Array)).toEqual(numpyReads);
    // asking for the repeated key itself is still refused
    expect((await rejection(readProbabilitiesFile(path, { key: "meta" }))).message).toMatch(/member meta\.npy: expected each member name .* found two members named 'meta\.npy'/);
  });
});

describe("--key with the member's .npy", () => {
  it("'probabilities.npy' reads the key 'probabilities', as numpy's z['probabilities.npy'] does", async () => {
    const path = join(tempDir(), "k.npz");
    const numpyReads = JSON.parse(python(`
import sys, json, numpy as np
np.savez(sys.argv[1], probabilities=np.full((2, 2, 2, 2), 0.25, '<f4'), other=np.arange(3))
print(json.dumps(np.load(sys.argv[1])['probabilities.npy'].ravel().tolist()))
`, path)) as number[];
    const input = await readProbabilitiesFile(path, { key: "probabilities.npy" });
    expect(input.info.key).toBe("probabilities");
    expect(Array.from(input.volume.data as Float32Array)).toEqual(numpyReads);
  });
});
