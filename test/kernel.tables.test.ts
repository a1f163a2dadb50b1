/**
 * float16, uint8 and uint16 inputs go through value tables in the kernel (each stored value's x and
 * x log2 x computed once), not through a decode + log2 per element. The tables must give the same
 * map, labels and statistics, bit for bit, as float32 input holding the decoded values, for every
 * one of the 65 536 halves (NaN, ±Inf, ±0, subnormals, negatives included), every byte and every
 * uint16 value under several (slope, inter), in the written-out loop (C <= 8) and in the wide loop (C >= 9). The
 * independent check of the decoded f32 path itself is a float64 reference (accuracy.test.ts).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { init, computeEntropySync, streamEntropy } from "../src/index.js";
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

beforeAll(async () => { await init(); });

type Stored = "float16" | "uint8" | "uint16" | "float32";

function planar(rows: number[][], dtype: Stored, scale?: { slope: number; inter: number }): ProbVolume {
  const C = rows[0]!.length, N = rows.length;
  const shape = [C, N];
  const data = dtype === "float32" ? new Float32Array(C * N) : dtype === "float16" || dtype === "uint16" ? new Uint16Array(C * N) : new Uint8Array(C * N);
  rows.forEach((row, v) => { for (let c = 0; c < C; c++) data[c * N + v] = row[c]!; });
  return { data, dtype, shape, strides: stridesFor(shape, "C"), classAxis: 0, gridAxes: [1], name: `${dtype} C=${C}`, ...(scale ? { scale } : {}) };
}

/** Rows that put every stored value `0..count-1` in every class position, next to partners. */
function everyValueRows(count: number, C: number, partners: number[]): number[][] {
  const rows: number[][] = [];
  for (let pos = 0; pos < C; pos++) {
    for (let v = 0; v < count; v++) {
      const row = Array.from({ length: C }, (_, c) => partners[(v * 7 + c * 3 + pos) % partners.length]!);
      row[pos] = v;
      rows.push(row);
    }
  }
  return rows;
}

/** First voxel whose bits differ (any NaN equals any NaN: the JavaScript decode of a NaN half
 *  used for the reference does not keep its payload), or -1. */
function sameBits(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return -1;
}

function expectSame(table: ReturnType<typeof computeEntropySync>, decoded: ReturnType<typeof computeEntropySync>, what: string): void {
  const at = sameBits(table.map, decoded.map);
  if (at >= 0) expect.fail(`${what}: voxel ${at}: ${table.map[at]} != ${decoded.map[at]}`);
  expect(Array.from(table.labels!), `${what} labels`).toEqual(Array.from(decoded.labels!));
  // the f64 total may differ in its last bit: f16 and u8 slabs hold more voxels than f32 slabs,
  // so the per-slab partial totals are added in other groups
  expect({ ...table.stats, total: 0 }, `${what} stats`).toEqual({ ...decoded.stats, total: 0 });
  expect(Math.abs(table.stats.total - decoded.stats.total)).toBeLessThanOrEqual(1e-12 * Math.abs(decoded.stats.total));
}

describe("value tables == decoded float32, bit for bit", () => {
  const half = float16Table();
  // halves: 1, 0, 0.5, smallest subnormal, largest subnormal, -0, Inf, NaN, 0.9995, 6e-5, -2
  const halfPartners = [0x3c00, 0x0000, 0x3800, 0x0001, 0x03ff, 0x8000, 0x0400, 0x3bff, 0x1000, 0xc000, 0x2e66];
  for (const C of [2, 5, 8, 12]) {
    it(`every float16 value in every class position, C=${C}`, () => {
      // Inf and NaN partners only in a few rows: they swamp everything they touch
      const rows = everyValueRows(65536, C, halfPartners);
      rows.push(everyValueRows(1, C, [0x7c00, 0x3c00])[0]!, everyValueRows(1, C, [0x7e00, 0x3800])[0]!);
      const table = computeEntropySync(planar(rows, "float16"), { labels: true });
      const decoded = computeEntropySync(planar(rows.map((r) => r.map((h) => half[h]!)), "float32"), { labels: true });
      expectSame(table, decoded, `f16 C=${C}`);
    });
  }

  const scales = [
    { slope: 1 / 255, inter: 0 },
    { slope: 1, inter: 0 },
    { slope: 1e-40, inter: 0 },          // denormal values: flushed to 0 in both paths
    { slope: 1 / 100, inter: -0.5 },     // negatives
  ];
  for (const scale of scales) {
    for (const C of [3, 8, 10]) {
      it(`every uint8 value in every class position, C=${C}, slope ${scale.slope}, inter ${scale.inter}`, () => {
        const rows = everyValueRows(256, C, [255, 0, 128, 1, 254, 17]);
        // slope 1e-40 makes values below FLT_MIN: the entry points refuse them (range64.test.ts)
        const denormal = scale.slope < 1e-30;
        if (denormal) expect(() => computeEntropySync(planar(rows, "uint8", scale))).toThrow(/class values below FLT_MIN hold more than that share/);
        const table = (denormal ? kernelOnly : computeEntropySync)(planar(rows, "uint8", scale), { labels: true });
        const decoded = computeEntropySync(planar(rows.map((r) => r.map((b) => Math.fround(b * scale.slope + scale.inter))), "float32"), { labels: true });
        expectSame(table, decoded, `u8 C=${C}`);
      });
    }
  }

  for (const scale of [{ slope: 1 / 65535, inter: 0 }, { slope: 1 / 3000, inter: -0.25 }]) {
    for (const C of [3, 10]) {
      it(`every uint16 value in every class position, C=${C}, slope ${scale.slope}, inter ${scale.inter}`, () => {
        const rows = everyValueRows(65536, C, [65535, 0, 32768, 1, 3000, 700]);
        const table = computeEntropySync(planar(rows, "uint16", scale), { labels: true });
        const decoded = computeEntropySync(planar(rows.map((r) => r.map((b) => Math.fround(b * scale.slope + scale.inter))), "float32"), { labels: true });
        expectSame(table, decoded, `u16 C=${C}`);
      });
    }
  }

  it("float16 and uint16 share one table: each call refills it for its own type (no stale table)", () => {
    const half = float16Table();
    const rows = everyValueRows(65536, 3, [0x3c00, 0x0000, 0x3800]);
    for (const dtype of ["float16", "uint16", "float16", "uint16"] as const) {
      const scale = dtype === "uint16" ? { slope: 1 / 65535, inter: 0 } : undefined;
      const table = computeEntropySync(planar(rows, dtype, scale), { labels: true });
      const value = (b: number): number => (dtype === "float16" ? half[b]! : Math.fround(b / 65535));
      const decoded = computeEntropySync(planar(rows.map((r) => r.map(value)), "float32"), { labels: true });
      expectSame(table, decoded, dtype);
    }
  });

  it("the uint8 table follows a change of slope between calls (no stale table)", () => {
    const rows = everyValueRows(256, 4, [255, 0, 3]);
    for (const slope of [1 / 255, 1 / 10, 1 / 255]) {
      const table = computeEntropySync(planar(rows, "uint8", { slope, inter: 0 }), { labels: true });
      const decoded = computeEntropySync(planar(rows.map((r) => r.map((b) => Math.fround(b * slope))), "float32"), { labels: true });
      expectSame(table, decoded, `u8 slope ${slope}`);
    }
  });
});

describe("table keys and raw slabs", () => {
  it("a (slope, inter) that differs only in the sign of zero gets its own table", () => {
    const rows = everyValueRows(256, 3, [255, 0, 7]);
    for (const dtype of ["uint8", "uint16"] as const) {
      // (a zero slope is refused since a volume's scaling is checked; the inter's sign still counts)
      const seq = [{ slope: -1 / 255, inter: 0 }, { slope: -1 / 255, inter: -0 }, { slope: -1 / 255, inter: 0 }];
      for (const scale of seq) {
        const r = computeEntropySync(planar(rows, dtype, scale), { labels: true });
        const d = computeEntropySync(planar(rows.map((row) => row.map((b) => Math.fround(b * scale.slope + scale.inter))), "float32"), { labels: true });
        // the sign of zero shows in the value range: -0 * 0 + -0 is -0, 0 * 0 + 0 is +0
        expect(Object.is(r.stats.maxValue, d.stats.maxValue), `${dtype} ${scale.slope}, ${scale.inter}: maxValue ${r.stats.maxValue} vs ${d.stats.maxValue}`).toBe(true);
        expect(Object.is(r.stats.minValue, d.stats.minValue), `${dtype} ${scale.slope}, ${scale.inter}: minValue`).toBe(true);
      }
    }
  });

  it("streamEntropy refuses a scale on float raw slabs (it would run unscaled)", () => {
    const data = new Uint16Array(8).fill(0x3800);
    const source = {
      classes: 2, voxels: 4, interleaved: false,
      fill() { throw new Error("not used"); },
      raw: { dtype: "float16" as const, slope: 2, inter: 0, fill(dst: Uint8Array) { dst.set(new Uint8Array(data.buffer)); } },
    };
    expect(() => streamEntropy(source, {}, () => {})).toThrow(/raw slope\/inter of float16: expected 1 and 0/);
  });
});

describe("values near the float32 maximum (found by a breaker pass)", () => {
  // x log2 x of 1e38 is 1.3e40 and a sum of 9 x 1e38 is 9e38: both overflow float32; the redo of
  // far sums works on x * 2^-e (e the exponent of the sum), so the entropy comes out right
  it("uniform and mixed voxels of huge values have their closed-form entropies (f32, u8 with a huge slope; few and many classes)", () => {
    for (const C of [2, 3, 8, 9, 13]) {
      for (const big of [1e38, 3.4e38, 2.7e36, 5e31, 1e30, 3e29]) {
        const rows = [Array.from({ length: C }, () => big), Array.from({ length: C }, (_, c) => (c === 0 ? big : big / 4)), Array.from({ length: C }, (_, c) => (c === 0 ? big : 1e-30))];
        const want = (row: number[]): number => {
          const f = row.map((x) => Math.fround(x));
          const s = f.reduce((a, b) => a + b, 0);
          return -f.reduce((a, x) => a + (x > 0 ? (x / s) * Math.log2(x / s) : 0), 0);
        };
        const r = computeEntropySync(planar(rows, "float32"));
        rows.forEach((row, v) => {
          if (!(Math.abs(r.map[v]! - want(row)) <= 1e-6)) expect.fail(`C=${C} big=${big} row ${v}: ${r.map[v]} vs ${want(row)}`);
        });
        expect(r.stats.nNaN).toBe(0);
        expect(Number.isFinite(r.stats.total)).toBe(true);
      }
      const u = computeEntropySync(planar([Array.from({ length: C }, () => 255)], "uint8", { slope: 1e36, inter: 0 }));
      expect(Math.abs(u.map[0]! - Math.log2(C))).toBeLessThanOrEqual(1e-6);
    }
    // an Inf input value is still NaN, and counted
    const r = computeEntropySync(planar([[1, 0, 0], [Infinity, 1, 0], [Infinity, 1e38, 1e38]], "float32"));
    expect(r.stats.nNaN).toBe(2);
    expect(r.map[0]).toBe(0);
  });
});

describe("channel-last input with very many classes (found by a breaker pass)", () => {
  it("runs in the memory budget like class-planar input, with the same map", () => {
    const C = 100000, N = 6;
    const planarData = new Float32Array(C * N), lastData = new Float32Array(C * N);
    for (let v = 0; v < N; v++) for (let c = 0; c < C; c++) {
      const x = c < (v + 1) * 1000 ? 1 : 0; // voxel v: uniform over (v+1)*1000 classes
      planarData[c * N + v] = x; lastData[v * C + c] = x;
    }
    const planarVol: ProbVolume = { data: planarData, dtype: "float32", shape: [C, N], strides: stridesFor([C, N], "C"), classAxis: 0, gridAxes: [1], name: "planar" };
    const lastVol: ProbVolume = { data: lastData, dtype: "float32", shape: [N, C], strides: stridesFor([N, C], "C"), classAxis: 1, gridAxes: [0], name: "channel-last" };
    const a = computeEntropySync(planarVol), b = computeEntropySync(lastVol);
    for (let v = 0; v < N; v++) expect(Math.abs(b.map[v]! - Math.log2((v + 1) * 1000)), `voxel ${v}`).toBeLessThanOrEqual(1e-6);
    expect(Array.from(b.map)).toEqual(Array.from(a.map));
  });
});

describe("streamEntropy raw slab checks (found by a breaker pass)", () => {
  const base = { classes: 2, voxels: 4, interleaved: false, fill() { throw new Error("not used"); } };
  it("refuses an unknown raw dtype and non-numeric slope/inter with one-line errors", () => {
    const bad = (raw: Record<string, unknown>) => () => streamEntropy({ ...base, raw: { fill() {}, ...raw } } as unknown as Parameters<typeof streamEntropy>[0], {}, () => {});
    expect(bad({ dtype: "int16", slope: 1, inter: 0 })).toThrow(/raw dtype: expected float32 \| float64 \| float16 \| uint8 \| uint16, found 'int16'/);
    expect(bad({ dtype: "uint8", slope: "1", inter: 0 })).toThrow(/raw slope\/inter: expected numbers, found string and number/);
    // omitted slope/inter mean 1 and 0, for floats as for integers
    const r = streamEntropy({ ...base, raw: { dtype: "float16", fill(dst: Uint8Array) { dst.set(new Uint8Array(new Uint16Array(8).fill(0x3800).buffer)); } } } as unknown as Parameters<typeof streamEntropy>[0], {}, () => {});
    expect(r.total).toBe(4);
  });
});
