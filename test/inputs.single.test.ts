/** Small input cases: an empty file, one 3-D NIfTI as a single channel, options checked at run time. */
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { cli, tempDir, ROOT } from "./helpers/cli.js";
import { init, computeEntropySync, isSegentropyError } from "../src/index.js";
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
});
