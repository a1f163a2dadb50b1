/**
 * Accuracy of the kernel against float64: at most 1e-6 bits per voxel, over adversarial rows (tiny
 * p, denormals, p = 1, exact zeros, uniform, all-zero) for many class counts, every stored type the
 * kernel decodes itself, both layouts; and over the whole benchmark input (b). The volume total is
 * the f64 sum of the map (relative error <= 1e-9).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { init, computeEntropySync } from "../src/index.js";
import type { ProbVolume } from "../src/index.js";
import { stridesFor } from "../src/layout/strides.js";
import { float16Table } from "../src/layout/dtype.js";
import { entropyBits, interleavedF32, planarF32, storedRows, syntheticRows } from "./helpers/synthetic.js";
// the benchmark's own generator, so that the test covers exactly the benchmark input
import { makePlanar } from "../bench/data.mjs";

beforeAll(async () => { await init(); });

const TOL = 1e-6;

function worstError(vol: ProbVolume, rows: ArrayLike<number>[]): { worst: number; at: number } {
  const r = computeEntropySync(vol);
  let worst = 0, at = -1;
  for (let v = 0; v < rows.length; v++) {
    const want = entropyBits(rows[v]!);
    const got = r.map[v]!;
    if (Number.isNaN(want)) { expect(got).toBeNaN(); continue; }
    const e = Math.abs(got - want);
    if (e > worst) { worst = e; at = v; }
  }
  let sum = 0;
  for (let v = 0; v < r.map.length; v++) if (!Number.isNaN(r.map[v]!)) sum += r.map[v]!;
  expect(Math.abs(r.stats.total - sum)).toBeLessThanOrEqual(1e-9 * Math.max(sum, 1e-300));
  return { worst, at };
}

describe("per-voxel error against float64 <= 1e-6 bits", () => {
  for (const C of [2, 3, 4, 5, 8, 9, 13, 26, 64, 117]) {
    it(`C=${C}: f32 planar and interleaved, adversarial rows`, () => {
      const rows = syntheticRows(C, C > 30 ? 4000 : 30_000, 100 + C);
      for (const vol of [planarF32(rows), interleavedF32(rows)]) {
        const { worst, at } = worstError(vol, storedRows(vol));
        expect(worst, `C=${C} ${vol.classAxis === 0 ? "planar" : "interleaved"}: voxel ${at}`).toBeLessThanOrEqual(TOL);
      }
    });
  }

  it("f64, f16 and u8-scaled stored values (decoded in the kernel)", () => {
    const C = 4, N = 20_000;
    const rows = syntheticRows(C, N, 7);
    const shape = [C, N];
    const base = { shape, strides: stridesFor(shape, "C"), classAxis: 0, gridAxes: [1], name: "t" } as const;
    const f64 = new Float64Array(C * N);
    rows.forEach((row, v) => row.forEach((x, c) => (f64[c * N + v] = x)));
    const f64Rows = rows.map((r) => Float64Array.from(r, (x) => x));
    expect(worstError({ ...base, data: f64, dtype: "float64" }, f64Rows.map((r) => Float32Array.from(r))).worst).toBeLessThanOrEqual(TOL);
    // float16: values rounded to half (truncation is fine for a test), reference from the halves
    const t = float16Table();
    const f16 = new Uint16Array(C * N);
    const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
    rows.forEach((row, v) => row.forEach((x, c) => {
      f32[0] = x; const b = u32[0]!; const e = ((b >>> 23) & 0xff) - 112;
      f16[c * N + v] = e <= 0 ? 0 : e >= 31 ? 0x7c00 : (e << 10) | ((b >>> 13) & 0x3ff);
    }));
    const halfRows = rows.map((_, v) => Array.from({ length: C }, (_, c) => t[f16[c * N + v]!]!));
    expect(worstError({ ...base, data: f16, dtype: "float16" }, halfRows).worst).toBeLessThanOrEqual(TOL);
    const u8 = new Uint8Array(C * N);
    rows.forEach((row, v) => row.forEach((x, c) => (u8[c * N + v] = Math.round(x * 255))));
    const u8Rows = rows.map((_, v) => Array.from({ length: C }, (_, c) => Math.fround(u8[c * N + v]! * (1 / 255))));
    expect(worstError({ ...base, data: u8, dtype: "uint8", scale: { slope: 1 / 255, inter: 0 } }, u8Rows).worst).toBeLessThanOrEqual(TOL);
  });

  it("the whole benchmark input (b): C=8, 256^3 float32", () => {
    const gen = makePlanar(8, 256, 256, 256, { shared: false });
    const C = 8, N = gen.N, d = gen.data as Float32Array;
    const shape = [C, 256, 256, 256];
    const vol: ProbVolume = { data: d, dtype: "float32", shape, strides: stridesFor(shape, "C"), classAxis: 0, gridAxes: [3, 2, 1], name: "b" };
    const r = computeEntropySync(vol);
    let worst = 0, refTotal = 0, sum = 0;
    const row = new Float64Array(C);
    for (let v = 0; v < N; v++) {
      for (let c = 0; c < C; c++) row[c] = d[c * N + v]!;
      const want = entropyBits(row);
      refTotal += want; sum += r.map[v]!;
      const e = Math.abs(r.map[v]! - want);
      if (e > worst) worst = e;
    }
    expect(worst).toBeLessThanOrEqual(TOL);
    expect(Math.abs(r.stats.total - sum) / sum).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(r.stats.total - refTotal) / refTotal).toBeLessThanOrEqual(1e-6);
  }, 120_000);
});
