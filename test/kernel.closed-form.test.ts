import { describe, expect, it, beforeAll } from "vitest";
import { init } from "../src/kernel/wasm.js";
import { computeEntropySync } from "../src/kernel/entropy.js";
import type { ProbVolume } from "../src/layout/volume.js";
import { stridesFor } from "../src/layout/strides.js";

/** Voxel-major rows -> an interleaved (N, C) volume in C order. */
function interleaved(rows: number[][]): ProbVolume {
  const C = rows[0]!.length;
  const data = new Float32Array(rows.flat());
  const shape = [rows.length, C];
  return { data, dtype: "float32", shape, strides: stridesFor(shape, "C"), classAxis: 1, gridAxes: [0], name: "test" };
}
/** The same rows as a class-planar (C, N) volume. */
function planar(rows: number[][]): ProbVolume {
  const C = rows[0]!.length;
  const N = rows.length;
  const data = new Float32Array(C * N);
  rows.forEach((r, v) => r.forEach((x, c) => (data[c * N + v] = x)));
  const shape = [C, N];
  return { data, dtype: "float32", shape, strides: stridesFor(shape, "C"), classAxis: 0, gridAxes: [1], name: "test" };
}

beforeAll(async () => { await init(); });

describe("closed-form entropies", () => {
  const rows = [
    [0, 0.5, 0.5],        // 1 bit
    [1, 0, 0],            // exactly 0
    [1 / 3, 1 / 3, 1 / 3],// log2 3
    [0, 0, 0],            // zero-sum: 0, counted
    [2, 2, 0],            // renormalised: 1 bit
    [0.7, 0.2, 0.1],      // 1.1567796494470395 bits (scipy)
    [NaN, 0.5, 0.5],      // NaN
  ];
  const want = [1, 0, Math.log2(3), 0, 1, 1.1567796494470395, NaN];
  for (const [name, make] of [["planar", planar], ["interleaved", interleaved]] as const) {
    it(`${name}: matches the closed forms`, () => {
      const r = computeEntropySync(make(rows));
      for (let v = 0; v < want.length; v++) {
        if (Number.isNaN(want[v])) expect(r.map[v]).toBeNaN();
        else expect(Math.abs(r.map[v]! - want[v]!)).toBeLessThan(1e-6);
      }
      expect(r.map[1]).toBe(0);
      expect(Object.is(r.map[1], -0)).toBe(false);
      expect(r.stats.nZeroSum).toBe(1);
      expect(r.stats.nNaN).toBe(1);
      const finite = want.filter((x) => !Number.isNaN(x)).reduce((a, b) => a + b, 0);
      expect(r.stats.total).toBeCloseTo(finite, 6);
    });
  }
  it("uniform over C gives log2 C, one-hot gives exactly 0, for many C", () => {
    for (const C of [2, 3, 4, 5, 8, 13, 16, 117]) {
      const r = computeEntropySync(planar([Array(C).fill(1 / C), Array.from({ length: C }, (_, c) => (c === C - 1 ? 1 : 0))]));
      expect(Math.abs(r.map[0]! - Math.log2(C))).toBeLessThan(2e-6);
      expect(r.map[1]).toBe(0);
    }
    const pow2 = computeEntropySync(planar([[0.25, 0.25, 0.25, 0.25]]));
    expect(pow2.map[0]).toBe(2);
  });
});
