/**
 * summarize() against a plain reference loop: per-slice totals on each axis, per-label counts and
 * sums (label -1 left out, labels past the dense range, runs of equal labels across rows), NaN
 * voxels, foreground mean, min and max.
 */
import { describe, expect, it } from "vitest";
import { summarize } from "../src/measures/summary.js";
import { rng } from "./helpers/synthetic.js";

function reference(map: Float32Array, dims: number[], labels?: Int32Array) {
  const [nx, ny, nz] = dims as [number, number, number];
  const si = new Array(nx).fill(0), sj = new Array(ny).fill(0), sk = new Array(nz).fill(0);
  const per = new Map<number, { count: number; total: number }>();
  let total = 0, finite = 0, fg = 0, fgN = 0, max = -Infinity, min = Infinity;
  for (let k = 0, v = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, v++) {
    const h = map[v]!;
    if (Number.isNaN(h)) continue;
    si[i] += h; sj[j] += h; sk[k] += h; total += h; finite++;
    max = Math.max(max, h); min = Math.min(min, h);
    if (!labels) continue;
    const l = labels[v]!;
    if (l < 0) continue;
    const e = per.get(l) ?? { count: 0, total: 0 };
    e.count++; e.total += h; per.set(l, e);
    if (l > 0) { fg += h; fgN++; }
  }
  return { si, sj, sk, per, total, finite, fg: fgN ? fg / fgN : NaN, max, min };
}

describe("summarize", () => {
  it("matches a plain loop with labels (runs, -1, sparse labels) and NaN voxels", () => {
    const r = rng(5);
    const dims = [37, 11, 9];
    const n = 37 * 11 * 9;
    const map = new Float32Array(n), labels = new Int32Array(n);
    let l = 0;
    for (let v = 0; v < n; v++) {
      map[v] = r() < 0.03 ? NaN : r() * 3;
      if (r() < 0.1) l = [0, 1, 2, -1, 5000, 70000][Math.floor(r() * 6)]!; // runs cross row ends
      labels[v] = l;
    }
    for (const lab of [labels, undefined]) {
      const got = summarize(map, dims, 3, lab);
      const want = reference(map, dims, lab);
      const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
      expect(got.finiteVoxels).toBe(want.finite);
      expect(got.nanVoxels).toBe(n - want.finite);
      close(got.totalEntropy, want.total);
      expect(got.maxEntropy).toBe(want.max);
      expect(got.minEntropy).toBe(want.min);
      got.perSliceTotal.i.forEach((x, i) => close(x, want.si[i]));
      got.perSliceTotal.j.forEach((x, j) => close(x, want.sj[j]));
      got.perSliceTotal.k.forEach((x, k) => close(x, want.sk[k]));
      if (lab) {
        expect(Object.keys(got.perLabel).map(Number).sort((a, b) => a - b)).toEqual([...want.per.keys()].sort((a, b) => a - b));
        for (const [key, e] of want.per) {
          expect(got.perLabel[String(key)]!.count).toBe(e.count);
          close(got.perLabel[String(key)]!.totalEntropy, e.total);
        }
        close(got.meanEntropyForeground, want.fg);
      }
    }
  });
});
