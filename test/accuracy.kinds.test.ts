/**
 * Logits and sigmoid maps against float64 references written here (softmax of the logits, then
 * Shannon entropy; a sum of binary entropies): at most 1e-6 bits per voxel, for class counts up to
 * 300 (logits) and 16 sigmoid channels (entropies up to 16 bits), in both layouts. Before the f64
 * class sums and the finer log2 of these kinds, C = 117 logits and C = 12 sigmoid channels missed it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { init } from "../src/kernel/wasm.js";
import { computeEntropySync } from "../src/kernel/entropy.js";
import { interleavedF32, planarF32, rng } from "./helpers/synthetic.js";

beforeAll(async () => { await init(); });

/** float64 entropy (bits) of softmax(z) for the stored f32 logits. */
function logitsEntropy(z: ArrayLike<number>): number {
  let m = -Infinity;
  for (let c = 0; c < z.length; c++) m = Math.max(m, z[c]!);
  let s = 0;
  for (let c = 0; c < z.length; c++) s += Math.exp(z[c]! - m);
  let h = 0;
  for (let c = 0; c < z.length; c++) { const p = Math.exp(z[c]! - m) / s; if (p > 0) h -= p * Math.log2(p); }
  return h;
}

/** float64 sum of binary entropies of the stored f32 channel values (clipped to [0, 1]). */
function sigmoidEntropy(q: ArrayLike<number>): number {
  let h = 0;
  for (let c = 0; c < q.length; c++) {
    const x = Math.min(Math.max(q[c]!, 0), 1);
    for (const y of [x, 1 - x]) if (y > 0) h -= y * Math.log2(y);
  }
  return h;
}

/** float64 entropy of the SPM tissue rule for the stored f32 values: clip to [0, 1], divide by
 *  the sum where it exceeds 1, add the background class max(1 - sum, 0). */
function tissueEntropy(q: ArrayLike<number>): number {
  let p = Array.from(q, (x) => Math.min(Math.max(x, 0), 1));
  const s = p.reduce((a, x) => a + x, 0);
  if (s > 1) p = p.map((x) => x / s);
  p.push(Math.max(0, 1 - Math.min(1, s)));
  return -p.reduce((a, x) => a + (x > 0 ? x * Math.log2(x) : 0), 0);
}

/** The rows as stored in f32. */
const stored = (rows: Float64Array[]): Float64Array[] => rows.map((r) => Float64Array.from(r, (x) => Math.fround(x)));

function worstError(rows: Float64Array[], kind: "logits" | "sigmoid" | "tissue", reference: (row: ArrayLike<number>) => number): number {
  const want = stored(rows).map(reference);
  let worst = 0;
  for (const vol of [planarF32(rows), interleavedF32(rows)]) {
    const map = computeEntropySync(vol, { kind }).map;
    want.forEach((w, v) => { worst = Math.max(worst, Math.abs(map[v]! - w)); });
  }
  return worst;
}

describe("logits", () => {
  for (const C of [2, 4, 8, 9, 16, 117, 300]) {
    it(`C = ${C}: within 1e-6 bits of float64, near-uniform to peaked, shifted by 1000`, () => {
      const r = rng(C * 7 + 1);
      const rows: Float64Array[] = [];
      for (const spread of [0.1, 1, 5, 30]) {
        for (let v = 0; v < 600; v++) {
          const shift = v % 3 === 0 ? 1000 : v % 3 === 1 ? -1000 : 0;   // log-sum-exp must not care
          rows.push(Float64Array.from({ length: C }, () => (r() * 2 - 1) * spread + shift + (r() < 0.01 ? 50 : 0)));
        }
      }
      expect(worstError(rows, "logits", logitsEntropy)).toBeLessThan(1e-6);
    });
  }

  it("equal logits give log2 C; one dominant logit gives (almost) 0", () => {
    for (const C of [2, 8, 117]) {
      const map = computeEntropySync(planarF32([new Float64Array(C).fill(3.5), Float64Array.from({ length: C }, (_, c) => (c === 1 ? 200 : 0))]), { kind: "logits" }).map;
      expect(Math.abs(map[0]! - Math.log2(C))).toBeLessThan(1e-6);
      expect(map[1]).toBeLessThan(1e-30);   // float64: about 1e-84
    }
  });
});

describe("sigmoid", () => {
  for (const C of [1, 3, 8, 12, 16]) {
    it(`C = ${C} channels: within 1e-6 bits of float64, with 0, 1, 1/2, tiny, denormal and near-1 values`, () => {
      const r = rng(C * 13 + 5);
      const special = [0, 1, 0.5, 1e-30, 1e-40, 1 - 2 ** -24, 2 ** -24, 0.25];
      const rows: Float64Array[] = [];
      for (let v = 0; v < 3000; v++) {
        rows.push(Float64Array.from({ length: C }, () => {
          const u = r();
          return u < 0.1 ? special[Math.floor(r() * special.length)]! : u < 0.4 ? r() : u < 0.7 ? r() * 1e-3 : 1 - r() * 1e-3;
        }));
      }
      rows.push(new Float64Array(C).fill(0.5));   // the maximum: C bits
      expect(worstError(rows, "sigmoid", sigmoidEntropy)).toBeLessThan(1e-6);
    });
  }
});

describe("tissue", () => {
  for (const C of [2, 3, 6, 8, 9, 12, 32, 117, 300]) {
    it(`C = ${C}: within 1e-6 bits of float64, sums below, near and above 1, small excursions clipped`, () => {
      const r = rng(C * 13 + 5);
      const rows: Float64Array[] = [];
      for (const total of [0.3, 0.9, 0.999, 1, 1.8]) {
        for (let v = 0; v < 500; v++) {
          const row = Float64Array.from({ length: C }, () => r() * 2 * total / C);
          if (v % 50 === 0) row[v % C] = -0.02;         // resliced SPM maps dip below 0 ...
          if (v % 50 === 1) row[(v + 1) % C] = 1.03;    // ... and above 1
          rows.push(row);
        }
      }
      expect(worstError(rows, "tissue", tissueEntropy)).toBeLessThan(1e-6);
    });
  }
});
