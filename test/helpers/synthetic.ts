/**
 * Deterministic synthetic probability volumes for kernel, pool and accuracy tests: Dirichlet-like
 * mixtures, near one-hot voxels with tiny leaks, and adversarial values (denormals, exact zeros,
 * p = 1, NaN, all-zero vectors). Values are generated in float64 and rounded once to the stored type.
 */
import type { ProbVolume } from "../../src/layout/volume.js";
import { stridesFor } from "../../src/layout/strides.js";

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

/** Rows of class probabilities (voxel-major), in float64. */
export function syntheticRows(C: number, N: number, seed = 1, adversarial = true): Float64Array[] {
  const r = rng(seed);
  const rows: Float64Array[] = [];
  for (let v = 0; v < N; v++) {
    const row = new Float64Array(C);
    const u = r();
    const special = adversarial ? v % 97 : -1;
    if (special === 0) { row[v % C] = 1; }                                     // one-hot
    else if (special === 1) { row.fill(1 / C); }                               // uniform
    else if (special === 2) { /* all zero */ }
    else if (special === 3) { row.fill(1e-39); row[0] = 1; }                   // denormal leaks
    else if (special === 4) { row.fill(1e-30); row[C - 1] = 1 - (C - 1) * 1e-30; } // tiny p
    else if (special === 5) { row[0] = 0.5; row[1 % C] += 0.5; }              // exact zeros elsewhere
    else if (u < 0.7) {
      const l = Math.floor(r() * C);
      let leak = 0;
      for (let c = 0; c < C; c++) if (c !== l) { row[c] = 10 ** (-8 + 5 * r()); leak += row[c]!; }
      row[l] = 1 - leak;
    } else {
      let s = 0;
      for (let c = 0; c < C; c++) { row[c] = -Math.log(1 - r()) * (r() < 0.3 ? 1 : 0.05); s += row[c]!; }
      for (let c = 0; c < C; c++) row[c] = row[c]! / s;
    }
    rows.push(row);
  }
  return rows;
}

/** float64 Shannon entropy in bits of the row as stored (after rounding), renormalised. */
export function entropyBits(row: ArrayLike<number>): number {
  let s = 0;
  for (let c = 0; c < row.length; c++) { const x = row[c]!; if (Number.isNaN(x)) return NaN; if (x > 0) s += x; }
  if (s === 0) return 0;
  let h = 0;
  for (let c = 0; c < row.length; c++) { const p = row[c]! / s; if (p > 0) h -= p * Math.log2(p); }
  return h;
}

/** A class-planar (C, N) float32 volume, in a SharedArrayBuffer when `shared`. */
export function planarF32(rows: Float64Array[], shared = false): ProbVolume {
  const C = rows[0]!.length, N = rows.length;
  const data = shared ? new Float32Array(new SharedArrayBuffer(C * N * 4)) : new Float32Array(C * N);
  rows.forEach((row, v) => row.forEach((x, c) => (data[c * N + v] = x)));
  const shape = [C, N];
  return { data, dtype: "float32", shape, strides: stridesFor(shape, "C"), classAxis: 0, gridAxes: [1], name: "synthetic" };
}

/** An interleaved (N, C) float32 volume. */
export function interleavedF32(rows: Float64Array[], shared = false): ProbVolume {
  const C = rows[0]!.length, N = rows.length;
  const data = shared ? new Float32Array(new SharedArrayBuffer(C * N * 4)) : new Float32Array(C * N);
  rows.forEach((row, v) => row.forEach((x, c) => (data[v * C + c] = x)));
  const shape = [N, C];
  return { data, dtype: "float32", shape, strides: stridesFor(shape, "C"), classAxis: 1, gridAxes: [0], name: "synthetic" };
}

/** The rows as stored in f32 (what the kernel sees). */
export function storedRows(vol: ProbVolume): Float64Array[] {
  const C = vol.shape[vol.classAxis]!;
  const N = vol.shape[vol.classAxis === 0 ? 1 : 0]!;
  const d = vol.data as Float32Array;
  const rows: Float64Array[] = [];
  for (let v = 0; v < N; v++) {
    const row = new Float64Array(C);
    for (let c = 0; c < C; c++) row[c] = vol.classAxis === 0 ? d[c * N + v]! : d[v * C + c]!;
    rows.push(row);
  }
  return rows;
}
