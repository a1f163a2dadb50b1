/** Small input cases: an empty file, one 3-D NIfTI as a single channel, options checked at run time. */
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { cli, tempDir, ROOT } from "./helpers/cli.js";
import { init, computeEntropySync, isSegentropyError, streamEntropy } from "../src/index.js";
import type { ProbVolume } from "../src/index.js";
import { stridesFor } from "../src/layout/strides.js";
import { createNodePool } from "../src/node/pool.js";
import { copyFileSync, mkdirSync } from "node:fs";
import { planarF32, syntheticRows } from "./helpers/synthetic.js";

beforeAll(async () => { await init(); });
const grey = join(ROOT, "test/fixtures/research/spm12_OldSeg_grey.nii");

describe("single inputs", () => {
  it("an empty file is named as such", () => {
    const dir = tempDir();
    for (const name of ["empty.npz", "empty.nii.gz", "empty.npy"]) {
      writeFileSync(join(dir, name), new Uint8Array(0));
      const r = cli([join(dir, name), "--out", join(dir, "out")]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("an empty file");
    }
  });

  it("one 3-D NIfTI runs as a single sigmoid channel: the mean binary entropy equals nibabel's", () => {
    const out = join(tempDir(), "o");
    const r = cli([grey, "--kind", "sigmoid", "--out", out, "--no-png"]);
    expect(r.code, r.stderr).toBe(0);
    const stats = JSON.parse(spawnSync("cat", [join(out, "stats.json")], { encoding: "utf8" }).stdout);
    const py = spawnSync("/usr/bin/python3", ["-c", `
import nibabel as nib, numpy as np, sys
p = nib.load(sys.argv[1]).get_fdata(dtype=np.float64).clip(0, 1)
h = np.zeros_like(p)
for q in (p, 1 - p):
    m = q > 0
    h[m] -= q[m] * np.log2(q[m])
print(h.mean())`, grey], { encoding: "utf8" });
    expect(py.status, py.stderr).toBe(0);
    expect(Math.abs(stats.meanEntropy - Number(py.stdout)) / Number(py.stdout)).toBeLessThan(1e-5);
    // softmax needs two classes: the error says what to do
    const s = cli([grey, "--out", join(tempDir(), "o2")]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/at least 2 .*--kind sigmoid.*pass all the files/);
  });

  it("library callers without types get a clear error for an unknown kind or unit", () => {
    const vol = planarF32(syntheticRows(3, 10, 1));
    for (const opts of [{ kind: "bogus" }, { unit: "furlongs" }]) {
      let err: unknown;
      try { computeEntropySync(vol, opts as never); } catch (e) { err = e; }
      expect(isSegentropyError(err)).toBe(true);
      expect(String((err as Error).message)).toMatch(/kind|unit/);
    }
  });

  it("a volume whose data is shorter than its shape, or with an empty grid, is refused", () => {
    const shape = [3, 10, 10, 10];
    const short: ProbVolume = { data: new Float32Array(100), dtype: "float32", shape, strides: stridesFor(shape, "C"), classAxis: 0, gridAxes: [3, 2, 1], name: "short" };
    expect(() => computeEntropySync(short)).toThrow(/short: data: expected 3000 elements/);
    const planes: ProbVolume = { ...short, data: [new Float32Array(1000), new Float32Array(1000), new Float32Array(999)], shape: [10, 10, 10, 3], strides: [1, 10, 100, 0], classAxis: 3, gridAxes: [0, 1, 2] };
    expect(() => computeEntropySync(planes)).toThrow(/data of class 2: expected 1000 elements/);
    const empty: ProbVolume = { ...short, data: new Float32Array(0), shape: [3, 0, 4, 4], strides: stridesFor([3, 0, 4, 4], "C") };
    expect(() => computeEntropySync(empty)).toThrow(/at least one voxel/);
  });

  it("a stream source and a pool size are checked", async () => {
    const src = { classes: 3, voxels: 1.5, interleaved: false, fill() {} };
    expect(() => streamEntropy(src, {}, () => {})).toThrow(/voxels: expected an integer/);
    expect(() => streamEntropy({ ...src, voxels: 10, classes: 0 }, {}, () => {})).toThrow(/classes: expected an integer >= 1/);
    for (const threads of [0, -1, 1.5, 1000]) await expect(createNodePool({ threads })).rejects.toThrow(/threads: expected an integer from 1 to 64/);
  });

  it("CLI: a directory named .npy, several non-NIfTI inputs and an empty grid get one clear line", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "d.npy"));
    const npz = join(ROOT, "samples/nnunetv2_inia19_1mm/probabilities.npz");
    const py = spawnSync("/usr/bin/python3", ["-c", `import numpy as np, sys; np.save(sys.argv[1], np.zeros((4, 0, 4, 4), np.float32))`, join(dir, "zero.npy")]);
    expect(py.status).toBe(0);
    // two different files (the same file twice is refused earlier, as a repeated class file)
    copyFileSync(npz, join(dir, "copy.npz"));
    const cases: [string[], RegExp][] = [
      [[join(dir, "d.npy")], /d\.npy: path: expected a readable file, found a directory/],
      [[npz, join(dir, "copy.npz")], /format: expected a 3-D NIfTI \(several inputs are read as one NIfTI file per class\), found an \.npz file/],
      [[join(dir, "zero.npy")], /zero\.npy: shape: expected at least one voxel/],
    ];
    for (const [inputs, want] of cases) {
      const r = cli([...inputs, "--out", join(dir, "out")]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(want);
    }
  });
});
