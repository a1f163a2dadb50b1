/**
 * --seg label maps that used to be read silently wrong (found by a fresh-user pass):
 * - labels outside the 32-bit range (uint32 3000000000, float32 1e12, 3e9, +-Inf) wrapped into
 *   other labels or were left out, and those voxels vanished from perLabel (exit 0);
 * - a 4-D --seg with several volumes had volume 0 used without a word.
 * Both are refused; NaN labels stay left out, as the README documents. Counts come from numpy.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempDir } from "./helpers/cli.js";
import { FIXTURES } from "./helpers/cases.js";

const PROBS = join(FIXTURES, "s03_nifti4d_float32_anatomical", "probabilities.nii.gz");

function python(code: string, ...args: string[]): string {
  const py = spawnSync("/usr/bin/python3", ["-c", code, ...args], { encoding: "utf8" });
  expect(py.status, `python3 with numpy and nibabel is needed: ${py.stderr}`).toBe(0);
  return py.stdout;
}

/**
 * Writes label maps on the grid of `PROBS` (its header, so the geometry agrees) into `dir`:
 * <name>.nii.gz of dtype and values given as JSON [[name, dtype, [values for the x-slabs 5:7], extra dims]].
 * The other voxels are 1 (x < 5) and 0. Prints numpy's counts of the non-negative finite labels of
 * each map's volume 0.
 */
const MAKE = `
import sys, json, numpy as np, nibabel as nib
p = nib.load(sys.argv[1]); dir = sys.argv[2]; specs = json.loads(sys.argv[3])
counts = {}
for name, dtype, value, extra in specs:
    shape = p.shape[:3] + tuple(extra)
    s = np.zeros(shape, dtype)
    s[:5] = 1
    s[5:7] = float(value) if isinstance(value, str) else value
    if extra: s[..., 1:] = 2   # the other volumes differ from volume 0
    h = p.header.copy(); h.set_data_dtype(dtype); h.set_data_shape(shape); h.set_intent(0)
    img = nib.Nifti1Image(s, p.affine, h)
    img.header.set_slope_inter(1, 0)
    nib.save(img, f"{dir}/{name}.nii.gz")
    back = np.asarray(nib.load(f"{dir}/{name}.nii.gz").dataobj)
    v0 = back.reshape(back.shape[:3] + (-1,))[..., 0]
    u, c = np.unique(v0[np.isfinite(v0)] if v0.dtype.kind == "f" else v0, return_counts=True)
    counts[name] = {str(int(k)): int(n) for k, n in zip(u, c) if k >= 0}
print(json.dumps(counts))
`;

/** Exit 2 and one line on stderr, no output folder; returns the line. */
function refused(seg: string): string {
  const out = join(tempDir(), "out");
  const r = cli([PROBS, "--seg", seg, "--out", out, "--no-png", "--quiet"]);
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(existsSync(out)).toBe(false);
  return lines[0]!;
}

function labelCounts(seg: string): Record<string, number> {
  const out = join(tempDir(), "out");
  const r = cli([PROBS, "--seg", seg, "--out", out, "--no-png", "--quiet"]);
  expect(r.code, r.stderr).toBe(0);
  const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
  expect(stats.perLabel.source).toBe("segmentation");
  return Object.fromEntries(Object.entries(stats.perLabel.labels as Record<string, { count: number }>).map(([l, e]) => [l, e.count]));
}

describe("--seg labels outside the 32-bit range", () => {
  it("are refused naming the file, the first such value and its voxel; NaN is still left out, the range's ends are kept", () => {
    const dir = tempDir();
    const counts = JSON.parse(python(MAKE, PROBS, dir, JSON.stringify([
      ["u32", "uint32", 3000000000, []], ["f_1e12", "float32", 1e12, []], ["f_3e9", "float32", 3e9, []],
      ["f_inf", "float32", "inf", []], ["f_ninf", "float32", "-inf", []], ["f_nan", "float32", "nan", []],
      ["i32_max", "int32", 2147483647, []], ["f64_min", "float64", -2147483648, []],
    ]))) as Record<string, Record<string, number>>;
    const want = "labels: expected integer labels from -2147483648 to 2147483647, found";
    // float32 holds 1e12 as 999999995904 (numpy: float(np.float32(1e12)))
    for (const [name, found] of [["u32", "3000000000"], ["f_1e12", "999999995904"], ["f_3e9", "3000000000"], ["f_inf", "Infinity"], ["f_ninf", "-Infinity"]]) {
      const seg = join(dir, `${name}.nii.gz`);
      expect(refused(seg), name).toBe(`segentropy: ${seg}: ${want} ${found} at voxel (5, 0, 0)`);
    }
    expect(labelCounts(join(dir, "f_nan.nii.gz"))).toEqual(counts.f_nan);
    expect(labelCounts(join(dir, "i32_max.nii.gz"))).toEqual(counts.i32_max);
    expect(counts.i32_max!["2147483647"]).toBe(2 * 41 * 25);
    expect(labelCounts(join(dir, "f64_min.nii.gz"))).toEqual(counts.f64_min); // negative: left out
  });
});

describe("a --seg with several volumes", () => {
  it("is refused (dims named); a 4-D --seg with one volume is read as 3-D", () => {
    const dir = tempDir();
    const counts = JSON.parse(python(MAKE, PROBS, dir, JSON.stringify([["two", "uint8", 0, [2]], ["one", "uint8", 0, [1]]]))) as Record<string, Record<string, number>>;
    const seg = join(dir, "two.nii.gz");
    expect(refused(seg)).toBe(`segentropy: ${seg}: dim: expected a 3-D label map, found dims [33, 41, 25, 2] (--seg takes one label volume; save the one you mean on its own)`);
    expect(labelCounts(join(dir, "one.nii.gz"))).toEqual(counts.one);
  });
});
