/** percentileWindow (quickselect) against numpy's "linear" percentile computed from a full sort. */
import { describe, expect, it } from "vitest";
import { percentileWindow } from "../../src/render/figure.js";
import { rng } from "../helpers/synthetic.js";

function bySort(data: number[], lo: number, hi: number): [number, number] {
  const v = data.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return [0, 1];
  const q = (p: number) => { const pos = (p / 100) * (v.length - 1); const i = Math.floor(pos), f = pos - i; return i + 1 < v.length ? v[i]! + f * (v[i + 1]! - v[i]!) : v[i]!; };
  const a = q(lo), b = q(hi);
  return b > a ? [a, b] : [v[0]!, v[v.length - 1]!];
}

describe("percentileWindow", () => {
  it("equals the sorted-array percentiles on random, tied, sorted, reversed and NaN-holding data", () => {
    const r = rng(11);
    const sets: number[][] = [];
    for (const n of [1, 2, 3, 10, 101, 5000]) {
      sets.push(Array.from({ length: n }, () => r() * 100));
      sets.push(Array.from({ length: n }, () => Math.floor(r() * 4)));              // many ties
      sets.push(Array.from({ length: n }, (_, i) => i));                            // sorted
      sets.push(Array.from({ length: n }, (_, i) => n - i));                        // reversed
      sets.push(Array.from({ length: n }, () => (r() < 0.2 ? NaN : r() < 0.1 ? Infinity : r())));
      sets.push(Array.from({ length: n }, (_, i) => (i % 2 ? 1e9 : -1e9)));          // organ pipe
    }
    for (const data of sets) for (const [lo, hi] of [[1, 99], [0, 100], [50, 50], [2.5, 97.5]] as const) {
      expect(percentileWindow(data, lo, hi)).toEqual(bySort(data, lo, hi));
    }
  });
});
