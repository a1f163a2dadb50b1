/**
 * Inputs that used to be accepted silently: --regions that do not fit the kind or the channel count,
 * an intensity image given as --seg, and a channel-last array read with the default class axis (whose
 * hint must point at --class-axis, not only at --kind sigmoid).
 */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { cli, tempDir, ROOT, CLI } from "./helpers/cli.js";
import { FIXTURES, manifest } from "./helpers/cases.js";
import { checkRegions, checkSemantics } from "../src/measures/semantics.js";
import type { KernelStats } from "../src/kernel/entropy.js";

const sample = join(ROOT, "samples", "nnunetv2_inia19_1mm");
const s09 = join(FIXTURES, "s09_sigmoid_regions_inia19_2mm");

/** Exit 2, one line on stderr matching `mention`, no output folder. Returns that line. */
function rejected(args: string[], mention: RegExp): string {
  const out = join(tempDir(), "out");
  const r = cli([...args, "--out", out, "--no-png"]);
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(mention);
  expect(existsSync(out)).toBe(false);
  return lines[0]!;
}

function python(code: string, ...args: string[]): void {
  const py = spawnSync("/usr/bin/python3", ["-c", code, ...args], { encoding: "utf8" });
  expect(py.status, `python3 with numpy and nibabel is needed: ${py.stderr}`).toBe(0);
}

describe("--regions", () => {
  // s09 has 3 sigmoid channels (manifest: regions_class_order [1, 2, 3])
  const probs = join(s09, "probabilities.npz");
  const channels = manifest("s09_sigmoid_regions_inia19_2mm").semantics.regions_class_order!.length;

  it("is refused with a kind other than sigmoid, given or by default", () => {
    rejected([probs, "--kind", "softmax", "--regions", "1,2,3"], /command line: --regions: expected .*--kind sigmoid.*found --kind softmax/);
    rejected([probs, "--kind", "tissue", "--regions", "1,2,3"], /--regions: .*found --kind tissue/);
    rejected([probs, "--regions", "1,2,3"], /--regions: .*found the default --kind softmax/);
    rejected([probs, "--kind", "sigmoid", "--regions", "1,,3"], /--regions: expected comma-separated integer labels/);
  });

  it("checkRegions: the count must equal the channel count", () => {
    expect(() => checkRegions("sigmoid", channels, [1, 2])).toThrow(/command line: --regions: expected 3 labels, one per channel, found 2 \(1,2\)/);
    expect(() => checkRegions("sigmoid", channels, [1, 2, 3, 4, 5, 6])).toThrow(/--regions: expected 3 labels, one per channel, found 6/);
    expect(() => checkRegions("sigmoid", channels, [1, 2, 3])).not.toThrow();
    expect(() => checkRegions("softmax", channels, [1, 2, 3])).toThrow(/--regions: .*--kind sigmoid/);
    // a properties file: checked (naming the file) when the kind is sigmoid, otherwise unused
    expect(() => checkRegions("sigmoid", channels, undefined, "p.json", [1, 2])).toThrow(/p\.json: regions_class_order: expected 3 labels, one per channel, found 2/);
    expect(() => checkRegions("sigmoid", channels, undefined, "p.json", "1,2,3")).toThrow(/p\.json: regions_class_order: expected a list of integer labels/);
    expect(() => checkRegions("softmax", channels, undefined, "p.json", [1, 2])).not.toThrow();
    expect(() => checkRegions("sigmoid", channels, undefined, "p.json", [3, 2, 1])).not.toThrow();
  });

  // The count is known once the input is read, in src/cli/run.ts: these run once run.ts calls checkRegions.
  const wired = readFileSync(join(CLI, "..", "run.js"), "utf8").includes("checkRegions(");
  it.skipIf(!wired)("the CLI refuses a --regions count other than the channel count", () => {
    rejected([probs, "--kind", "sigmoid", "--regions", "1,2"], /command line: --regions: expected 3 labels, one per channel, found 2/);
    rejected([probs, "--kind", "sigmoid", "--regions", "1,2,3,4,5,6"], /command line: --regions: expected 3 labels, one per channel, found 6/);
    const out = join(tempDir(), "out");
    expect(cli([probs, "--kind", "sigmoid", "--regions", "1,2,3", "--out", out, "--no-png", "-q"]).code).toBe(0);
  });
});

describe("--seg", () => {
  it("refuses an intensity image (non-integer values), naming the file", () => {
    const line = rejected([join(sample, "probabilities.npz"), "--seg", join(sample, "image.nii.gz")],
      /image\.nii\.gz: values: expected integer labels, found non-integer values such as (-?[0-9.]+(?:e[-+]?\d+)?)/);
    const value = Number(/such as (\S+)/.exec(line)![1]);
    expect(Number.isFinite(value)).toBe(true);
    expect(Math.abs(value - Math.round(value))).toBeGreaterThan(1e-3);
  });

  it("accepts a float label map within 1e-3 of integers, with the labels' voxel counts", () => {
    const dir = tempDir();
    // float32 copy of seg.nii.gz with +-4e-4 added; the counts per label are numpy's
    python(`
import sys, json, numpy as np, nibabel as nib
s = nib.load(sys.argv[1]); d = np.asarray(s.dataobj)
noise = np.where(np.indices(d.shape).sum(0) % 2 == 0, 4e-4, -4e-4).astype(np.float32)
f = d.astype(np.float32) + noise
f[d == 0] = np.abs(f[d == 0])
img = nib.Nifti1Image(f, s.affine); img.set_data_dtype(np.float32); nib.save(img, sys.argv[2])
u, c = np.unique(d, return_counts=True)
json.dump({str(int(k)): int(v) for k, v in zip(u, c)}, open(sys.argv[3], 'w'))
`, join(sample, "seg.nii.gz"), join(dir, "seg_float.nii.gz"), join(dir, "counts.json"));
    const out = join(dir, "out");
    const r = cli([join(sample, "probabilities.npz"), "--seg", join(dir, "seg_float.nii.gz"), "--out", out, "--no-png", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    const counts = JSON.parse(readFileSync(join(dir, "counts.json"), "utf8")) as Record<string, number>;
    expect(stats.perLabel.source).toBe("segmentation");
    expect(Object.fromEntries(Object.entries(stats.perLabel.labels as Record<string, { count: number }>).map(([l, e]) => [l, e.count]))).toEqual(counts);
  });
});

describe("class sums far above 1", () => {
  it("a channel-last (z, y, x, C) .npy read with the default class axis: the hint asks about --class-axis first", () => {
    const dir = tempDir();
    const npy = join(dir, "channel_last.npy");
    python(`
import sys, numpy as np
p = np.load(sys.argv[1])['probabilities']
np.save(sys.argv[2], np.ascontiguousarray(np.moveaxis(p, 0, -1)))
`, join(sample, "probabilities.npz"), npy);
    const line = rejected([npy], /channel_last\.npy: class sums: expected sums near 1 .*found sums up to \d+.*is the class axis right\? nnU-Net arrays are \(C, z, y, x\).*--class-axis/);
    expect(line.indexOf("--class-axis")).toBeLessThan(line.indexOf("--kind sigmoid"));
    // and the axis it asks about is the fix: the manifest's total entropy
    const out = join(dir, "out");
    const r = cli([npy, "--class-axis", "3", "--out", out, "--no-png", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const want = manifest("s01_nnunetv2_inia19_1mm").expected.total_entropy;
    expect(Math.abs(JSON.parse(readFileSync(join(out, "stats.json"), "utf8")).totalEntropy - want)).toBeLessThan(1e-5 * want);
  });

  it("sums a little above 1 still point at --kind sigmoid only", () => {
    const stats = (maxSum: number): KernelStats => ({ total: 0, nZeroSum: 0, nNaN: 0, minValue: 0, maxValue: 1, minSum: 1, maxSum, maxEntropy: 1 });
    const message = (f: () => void): string => { try { f(); } catch (e) { return (e as Error).message; } return "no error"; };
    const small = message(() => checkSemantics("softmax", stats(1.6), "float32", "a.npy"));
    expect(small).toMatch(/class sums: .*--kind sigmoid/);
    expect(small).not.toMatch(/class axis|--class-axis/);
    expect(message(() => checkSemantics("softmax", stats(64), "float32", "a.npy"))).toMatch(/is the class axis right\?.*--class-axis N.*--kind sigmoid/);
    // given the shape, the axis is named: (z, y, x, C) = (64, 103, 84, 4) read with axis 0
    expect(message(() => checkSemantics("softmax", stats(64), "float32", "a.npy", { shape: [64, 103, 84, 4], classAxis: 0 }))).toMatch(/pass --class-axis 3 if its 4 entries are the classes/);
    // and a class axis that is already the shortest is not questioned (3 overlapping regions)
    const regions = message(() => checkSemantics("softmax", stats(3), "float32", "a.npz", { shape: [3, 29, 39, 32], classAxis: 0 }));
    expect(regions).toMatch(/class sums: .*--kind sigmoid/);
    expect(regions).not.toMatch(/class axis|--class-axis/);
  });
});

describe("a .npy --image (2-D inputs)", () => {
  const s06 = join(FIXTURES, "s06_2d_npy_t1slice");
  it("of another shape than the 2-D grid is refused instead of being left out of the figures", () => {
    const dir = tempDir();
    python("import sys, numpy as np; a = np.load(sys.argv[1]); np.save(sys.argv[2], a[:128]); np.save(sys.argv[3], a[None])",
      join(s06, "image.npy"), join(dir, "half.npy"), join(dir, "stack.npy"));
    rejected([join(s06, "probabilities.npy"), "--image", join(dir, "half.npy")], /half\.npy: --image shape: expected \(256, 256\) \(row, col\), the probabilities' 2-D grid, found \(128, 256\)/);
    rejected([join(s06, "probabilities.npy"), "--image", join(dir, "stack.npy")], /stack\.npy: --image shape: .*found \(1, 256, 256\)/);
    const out = join(dir, "ok");
    expect(cli([join(s06, "probabilities.npy"), "--image", join(s06, "image.npy"), "--out", out, "--quiet"]).code).toBe(0);
    expect(existsSync(join(out, "slice.png"))).toBe(true);
  });
});
