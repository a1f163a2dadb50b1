/**
 * Volume statistics of an entropy map: totals and means over finite voxels (f64), per-slice totals
 * along each grid axis, and per-label counts and entropies.
 */
import { product } from "../layout/strides.js";

export interface LabelStats {
  count: number;
  meanEntropy: number;
  totalEntropy: number;
}

export interface Summary {
  voxels: number;
  finiteVoxels: number;
  nanVoxels: number;
  totalEntropy: number;
  meanEntropy: number;
  maxEntropy: number;
  minEntropy: number;
  /** Mean of H / (the largest possible H), in [0, 1]. */
  meanNormalizedEntropy: number;
  /** Mean over voxels whose label is > 0 (the predicted foreground). */
  meanEntropyForeground: number;
  /** Per-slice totals of finite entropies along each grid axis (i, j, k). */
  perSliceTotal: { i: number[]; j: number[]; k: number[] };
  /** Per label: voxel count, mean and total entropy (NaN voxels and label -1 left out). */
  perLabel: Record<string, LabelStats>;
}

/** `map` is F order over `dims` (up to 3 axes); `labels` (same order) may be omitted. */
export function summarize(map: Float32Array, dims: readonly number[], maxPossible: number, labels?: ArrayLike<number>): Summary {
  const [nx = 1, ny = 1, nz = 1] = dims;
  const n = product(dims);
  const si = new Float64Array(nx), sj = new Float64Array(ny), sk = new Float64Array(nz);
  // per-label sums in flat arrays for the usual small label values, a Map for any others
  const DENSE = 4096;
  const denseCount = new Float64Array(DENSE), denseTotal = new Float64Array(DENSE);
  const sparse = new Map<number, { count: number; total: number }>();
  let total = 0, finite = 0, max = -Infinity, min = Infinity, fgTotal = 0, fgCount = 0;
  let v = 0;
  for (let k = 0; k < nz; k++) {
    let slice = 0;
    for (let j = 0; j < ny; j++) {
      let row = 0;
      for (let i = 0; i < nx; i++, v++) {
        const h = map[v]!;
        if (h !== h) continue;
        row += h; finite++;
        if (h > max) max = h;
        if (h < min) min = h;
        si[i] += h;
        if (labels) {
          const l = labels[v]!;
          if (l < 0) continue;
          if (l < DENSE && l === (l | 0)) { denseCount[l]++; denseTotal[l] += h; }
          else {
            let e = sparse.get(l);
            if (!e) sparse.set(l, (e = { count: 0, total: 0 }));
            e.count++; e.total += h;
          }
          if (l > 0) { fgTotal += h; fgCount++; }
        }
      }
      sj[j] += row; slice += row;
    }
    sk[k] += slice; total += slice;
  }
  const counts = new Map<number, { count: number; total: number }>(sparse);
  for (let l = 0; l < DENSE; l++) if (denseCount[l]! > 0) counts.set(l, { count: denseCount[l]!, total: denseTotal[l]! });
  const perLabel: Record<string, LabelStats> = {};
  for (const l of [...counts.keys()].sort((a, b) => a - b)) {
    const e = counts.get(l)!;
    perLabel[String(l)] = { count: e.count, meanEntropy: e.total / e.count, totalEntropy: e.total };
  }
  const mean = finite ? total / finite : NaN;
  return {
    voxels: n, finiteVoxels: finite, nanVoxels: n - finite, totalEntropy: total, meanEntropy: mean,
    maxEntropy: finite ? max : NaN, minEntropy: finite ? min : NaN,
    meanNormalizedEntropy: maxPossible > 0 ? mean / maxPossible : NaN,
    meanEntropyForeground: fgCount ? fgTotal / fgCount : NaN,
    perSliceTotal: { i: Array.from(si), j: Array.from(sj), k: Array.from(sk) },
    perLabel,
  };
}

/** Index of the largest value (first on ties). */
export function argmaxIndex(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
