/**
 * The softmax kernel has two forms of the class loop: written out for class counts 2..8 (f32) and a
 * run-time loop (f64, the value tables of f16, u8 and u16, one class). Both must give the same map, labels
 * and statistics, bit for bit: float64 input takes the loop, the same values in float32 take the
 * written-out form. Values below FLT_MIN (negative, denormal) count as 0 in every voxel whatever
 * its neighbours hold; the tiny-sum rows check the redo path for sums far from 1 against closed
 * forms.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { init, computeEntropySync } from "../src/index.js";
import type { ProbVolume } from "../src/index.js";
import { stridesFor } from "../src/layout/strides.js";
import { float16Table } from "../src/layout/dtype.js";
import { computeFromSource, volumeSource } from "../src/kernel/entropy.js";
import type { EntropyOptions, EntropyResult } from "../src/kernel/entropy.js";
import { gridDims, planKernel } from "../src/layout/volume.js";

/** The kernel alone, without the float64 range check of the entry points (layout/range64.ts), for
 *  values those refuse: the kernel's own handling of denormals is still tested. */
function kernelOnly(vol: ProbVolume, options: EntropyOptions): EntropyResult {
  const { values64: _checked, ...source } = volumeSource(vol);
  return computeFromSource(source, gridDims(vol), planKernel(vol).memoryToGrid, options);
}
import { syntheticRows } from "./helpers/synthetic.js";

beforeAll(async () => { await init(); });

function planar(rows: ArrayLike<number>[], dtype: "float32" | "float64" | "float16" | "uint8"): ProbVolume {
  const C = rows[0]!.length, N = rows.length;
  const shape = [C, N];
  const data = dtype === "float64" ? new Float64Array(C * N) : dtype === "float32" ? new Float32Array(C * N) : dtype === "float16" ? new Uint16Array(C * N) : new Uint8Array(C * N);
  rows.forEach((row, v) => { for (let c = 0; c < C; c++) data[c * N + v] = row[c]!; });
  return { data, dtype, shape, strides: stridesFor(shape, "C"), classAxis: 0, gridAxes: [1], name: `${dtype} C=${C}`, ...(dtype === "uint8" ? { scale: { slope: 1 / 255, inter: 0 } } : {}) };
}

describe("written-out class loop == run-time class loop, bit for bit", () => {
  for (let C = 2; C <= 8; C++) {
    it(`C=${C}: float32 (written out) against float64 (loop), with and without labels`, () => {
      // values rounded to f32 first, so that the float64 input decodes to the same f32 values
      const rows = syntheticRows(C, 4001, 300 + C).map((r) => Float32Array.from(r));
      for (const labels of [false, true]) {
        const a = computeEntropySync(planar(rows, "float32"), { labels });
        const b = computeEntropySync(planar(rows, "float64"), { labels });
        expect(Buffer.from(a.map.buffer).equals(Buffer.from(b.map.buffer)), `map, labels=${labels}`).toBe(true);
        if (labels) expect(Array.from(a.labels!)).toEqual(Array.from(b.labels!));
        expect(a.stats).toEqual(b.stats);
      }
    });
  }

  it("float16 and uint8 (written out) equal float32 on the decoded values", () => {
    const half = float16Table();
    for (const C of [3, 8]) {
      const rows = syntheticRows(C, 2001, 40 + C, false);
      const h = rows.map((r) => Array.from(r, (x) => {
        // nearest half below x: search the table's positive finite range (exact enough for a test)
        let lo = 0, hi = 0x7bff;
        while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (half[mid]! <= x) lo = mid; else hi = mid - 1; }
        return lo;
      }));
      const u = rows.map((r) => Array.from(r, (x) => Math.round(x * 255)));
      for (const labels of [false, true]) {
        const f16 = computeEntropySync(planar(h, "float16"), { labels });
        const f16ref = computeEntropySync(planar(h.map((r) => r.map((b) => half[b]!)), "float32"), { labels });
        expect(Buffer.from(f16.map.buffer).equals(Buffer.from(f16ref.map.buffer)), `f16 C=${C}`).toBe(true);
        const u8 = computeEntropySync(planar(u, "uint8"), { labels });
        const u8ref = computeEntropySync(planar(u.map((r) => r.map((b) => Math.fround(b / 255))), "float64"), { labels });
        expect(Buffer.from(u8.map.buffer).equals(Buffer.from(u8ref.map.buffer)), `u8 C=${C}`).toBe(true);
        if (labels) {
          expect(Array.from(f16.labels!)).toEqual(Array.from(f16ref.labels!));
          expect(Array.from(u8.labels!)).toEqual(Array.from(u8ref.labels!));
        }
      }
    }
  });
});

describe("class sums near the float32 floor (exact redo path)", () => {
  it("rows of values around 1e-37 have their closed-form entropies; zero rows are zero sums", () => {
    const rows = [
      [1e-37, 0, 0, 0],            // one-hot: 0
      [1e-37, 1e-37, 0, 0],        // two equal classes: 1 bit
      [3e-38, 3e-38, 3e-38, 3e-38],// uniform: 2 bits
      [2e-38, 0, 0, 0],            // just above FLT_MIN: one-hot
      [0, 0, 0, 0],                // zero sum
      [1, 0, 0, 0],                // one-hot at 1: exactly 0
      [0.5, 0.5, 0, 0],            // exactly 1 bit
    ].map((r) => Float32Array.from(r));
    const want = [0, 1, 2, 0, 0, 0, 1];
    for (const dtype of ["float32", "float64"] as const) {
      const r = computeEntropySync(planar(rows, dtype));
      want.forEach((w, v) => expect(r.map[v], `${dtype} row ${v}`).toBeCloseTo(w, 6));
      expect(r.map[0]).toBe(0);
      expect(r.map[5]).toBe(0);
      expect(r.map[6]).toBe(1);
      expect(r.stats.nZeroSum).toBe(1);
      expect(r.stats.minSum).toBe(Math.fround(2e-38));
    }
  });
});

describe("values below FLT_MIN do not depend on the neighbours", () => {
  it("a negative or denormal value in one voxel changes no other voxel", () => {
    for (const C of [2, 4, 8, 13]) {
      const rows = syntheticRows(C, 3000, 900 + C, false).map((r) => Float32Array.from(r));
      const clean = computeEntropySync(planar(rows, "float32"), { labels: true });
      for (const bad of [-0.25, 1e-40, -0, -1e-39]) {
        const dirty = rows.map((r) => Float32Array.from(r));
        // voxels 0, 700 and 2999: one class replaced by the bad value, in three different blocks
        for (const v of [0, 700, 2999]) dirty[v]![C - 1] = bad;
        const r = computeEntropySync(planar(dirty, "float32"), { labels: true });
        for (let v = 0; v < rows.length; v++) {
          if (v === 0 || v === 700 || v === 2999) continue;
          if (!Object.is(r.map[v], clean.map[v])) expect.fail(`C=${C} bad=${bad}: voxel ${v} ${r.map[v]} != ${clean.map[v]}`);
          if (r.labels![v] !== clean.labels![v]) expect.fail(`C=${C} bad=${bad}: label of voxel ${v}`);
        }
        // the bad voxel itself: the value counts as 0 (values below FLT_MIN are flushed)
        const fixed = Float64Array.from(dirty[700]!, (x) => (x < 1.1754943508222875e-38 ? 0 : x));
        let s = 0, h = 0;
        for (const x of fixed) s += x;
        for (const x of fixed) if (x > 0) h -= (x / s) * Math.log2(x / s);
        expect(Math.abs(r.map[700]! - h)).toBeLessThanOrEqual(1e-6);
        expect(r.stats.minValue === Math.min(Math.fround(bad), clean.stats.minValue), `minValue ${r.stats.minValue}`).toBe(true); // +0 == -0
      }
    }
  });
});

describe("denormals next to zeros (found by a fresh-user pass)", () => {
  // A zero in the same SIMD lane (voxel index mod 4) once hid a denormal from a block-level check:
  // a zero-sum voxel came out NaN and a one-hot voxel 1.3e-38 instead of 0.
  it("[0, 1e-40] is a zero sum (entropy 0, counted) and [1, 1e-40] is exactly 0, next to [1, 0]", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const rows: Float32Array[] = [];
      for (let v = 0; v < 64; v++) rows.push(Float32Array.from([0.25, 0.75]));
      rows[0] = Float32Array.from([0, 1e-40]);
      rows[4] = Float32Array.from([1, 0]);     // same lane as voxels 0 and 8
      rows[8] = Float32Array.from([1, 1e-40]);
      rows[12] = Float32Array.from([-0, 1e-45]);
      // float64 [0, 1e-40] has all its mass in a value below FLT_MIN: the entry points refuse it (range64.test.ts)
      if (dtype === "float64") expect(() => computeEntropySync(planar(rows, dtype))).toThrow(/2 of 64 voxels where class values below FLT_MIN hold more than that share/);
      const r = (dtype === "float64" ? kernelOnly : computeEntropySync)(planar(rows, dtype), { labels: true });
      expect(r.map[0], dtype).toBe(0);
      expect(r.map[8], dtype).toBe(0);
      expect(r.map[12], dtype).toBe(0);
      expect(r.stats.nZeroSum).toBe(2);
      expect(r.stats.nNaN).toBe(0);
    }
  });
});
