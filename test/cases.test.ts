/**
 * Every shared case, driven by its manifest: the per-voxel map and the aggregates match the
 * float64 reference (per-voxel atol 1e-5 bits, aggregates rtol 1e-5).
 */
import { describe, expect, it, beforeAll } from "vitest";
import { init } from "../src/node/index.js";
import { analyzeCase, caseNames, expectedMap, expectedOnGrid, manifest } from "./helpers/cases.js";

const ATOL = 1e-5;
const RTOL = 1e-5;

function close(got: number, want: number, what: string): void {
  expect(Math.abs(got - want), `${what}: got ${got}, want ${want}`).toBeLessThanOrEqual(RTOL * Math.max(1, Math.abs(want)));
}

beforeAll(async () => { await init(); });

describe.each(caseNames())("%s", (name) => {
  const m = manifest(name);
  const exp = expectedOnGrid(m);

  it("per-voxel map matches the float64 reference", async () => {
    const a = await analyzeCase(name, false);
    const want = await expectedMap(name);
    expect(a.map.length).toBe(want.length);
    let worst = 0, nanMismatch = 0;
    for (let v = 0; v < want.length; v++) {
      const g = a.map[v]!, w = want[v]!;
      if (Number.isNaN(w) || Number.isNaN(g)) { if (Number.isNaN(w) !== Number.isNaN(g)) nanMismatch++; continue; }
      worst = Math.max(worst, Math.abs(g - w));
    }
    expect(nanMismatch).toBe(0);
    expect(worst).toBeLessThanOrEqual(ATOL);
  });

  it("aggregates, per-slice and per-label statistics match", async () => {
    const a = await analyzeCase(name, false);
    const s = a.summary;
    close(s.totalEntropy, exp.total_entropy, "total");
    close(s.meanEntropy, exp.mean_entropy, "mean");
    close(s.maxEntropy, exp.max_entropy, "max");
    close(s.meanNormalizedEntropy, exp.mean_normalized_entropy, "mean normalised");
    expect(s.nanVoxels).toBe(exp.n_nan_voxels);
    expect(a.kernel.nZeroSum).toBe(exp.n_zero_sum_voxels);
    const perSlice = exp.per_slice_total_entropy_k ?? exp.per_row_total_entropy!;
    const got = exp.per_slice_total_entropy_k ? s.perSliceTotal.k : s.perSliceTotal.j;
    expect(got.length).toBe(perSlice.length);
    perSlice.forEach((w, i) => close(got[i]!, w, `slice ${i}`));
    for (const [label, e] of Object.entries(exp.per_argmax_label)) {
      const g = s.perLabel[label];
      expect(g, `label ${label}`).toBeDefined();
      expect(g!.count, `label ${label} count`).toBe(e.count);
      close(g!.meanEntropy, e.mean_entropy, `label ${label} mean`);
    }
    expect(Object.keys(s.perLabel).length).toBe(Object.keys(exp.per_argmax_label).length);
  });

  if (m.files.segmentation) it("per-label statistics from --seg match the argmax ones", async () => {
    const a = await analyzeCase(name, true);
    expect(a.labelSource).toBe("segmentation");
    for (const [label, e] of Object.entries(exp.per_argmax_label)) {
      expect(a.summary.perLabel[label]?.count, `label ${label}`).toBe(e.count);
      close(a.summary.perLabel[label]!.meanEntropy, e.mean_entropy, `label ${label} mean`);
    }
  });

  it("nats and normalised units are the bits map rescaled", async () => {
    const bits = await analyzeCase(name, false);
    const nats = await analyzeCase(name, false, { unit: "nats" });
    const norm = await analyzeCase(name, false, { unit: "normalized" });
    close(nats.summary.totalEntropy, exp.total_entropy * Math.LN2, "total nats");
    close(norm.summary.meanEntropy, exp.mean_normalized_entropy, "mean normalised");
    expect(norm.maxPossibleEntropy).toBeCloseTo(1, 12);
    expect(bits.maxPossibleEntropy).toBeGreaterThan(0);
  });
});
