// Class-axis entropy kernels over linear memory.
//
// ABI: plain pointers (byte offsets into this module's memory, unsigned) and element counts.
// JavaScript owns the memory layout: it places slabs above heapBase() and reads results back.
// Every kernel handles `n` voxels of a class-planar slab: the value of class c for voxel v is the
// f32 at src + 4 * (c * classStride + v). Interleaved (voxel-major) slabs are first turned planar
// with deinterleave(). Each kernel writes one f32 per voxel to `out` and accumulates the slab
// statistics that statsWrite() stores (totals in f64).

import { log2x4, exp2x4 } from "./vecmath";

/** Kind codes, shared with src/kernel/abi.ts. */
const KIND_SOFTMAX: i32 = 0;
const KIND_LOGITS: i32 = 1;
const KIND_SIGMOID: i32 = 2;
const KIND_TISSUE: i32 = 3;

// @ts-ignore: decorator
@inline const FLT_MIN: f32 = 1.17549435e-38;
// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504088896341;

// Running statistics of the current accumulation, reset by statsReset().
let totLo: v128 = f64x2.splat(0);   // f64 sum of finite entropies, lanes 0,1
let totHi: v128 = f64x2.splat(0);   // lanes 2,3
let nZero: v128 = i32x4.splat(0);   // voxels whose class sum is 0 (softmax kind)
let nNan: v128 = i32x4.splat(0);    // voxels with a NaN anywhere
let minV: v128 = f32x4.splat(Infinity);   // smallest input value (NaN ignored)
let maxV: v128 = f32x4.splat(-Infinity);  // largest input value (NaN ignored)
let minS: v128 = f32x4.splat(Infinity);   // smallest positive class sum
let maxS: v128 = f32x4.splat(-Infinity);  // largest class sum
let maxH: v128 = f32x4.splat(0);          // largest finite entropy

/** Start of free memory: JavaScript places its slabs at or above this offset. */
export function heapBase(): usize {
  return __heap_base;
}

/** Clears the running statistics; JavaScript calls it before the first slab of a volume. */
export function statsReset(): void {
  totLo = f64x2.splat(0); totHi = f64x2.splat(0);
  nZero = i32x4.splat(0); nNan = i32x4.splat(0);
  minV = f32x4.splat(Infinity); maxV = f32x4.splat(-Infinity);
  minS = f32x4.splat(Infinity); maxS = f32x4.splat(-Infinity);
  maxH = f32x4.splat(0);
}

/** Stores the running statistics at `dst` (48 bytes):
 *  f64 total | i32 nZeroSum | i32 nNaN | f32 minValue | f32 maxValue | f32 minSum | f32 maxSum | f32 maxH. */
export function statsWrite(dst: usize): void {
  const t = f64x2.add(totLo, totHi);
  store<f64>(dst, f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1));
  store<i32>(dst, i32x4.extract_lane(nZero, 0) + i32x4.extract_lane(nZero, 1) + i32x4.extract_lane(nZero, 2) + i32x4.extract_lane(nZero, 3), 8);
  store<i32>(dst, i32x4.extract_lane(nNan, 0) + i32x4.extract_lane(nNan, 1) + i32x4.extract_lane(nNan, 2) + i32x4.extract_lane(nNan, 3), 12);
  store<f32>(dst, hmin(minV), 16);
  store<f32>(dst, hmax(maxV), 20);
  store<f32>(dst, hmin(minS), 24);
  store<f32>(dst, hmax(maxS), 28);
  store<f32>(dst, hmax(maxH), 32);
}

// @ts-ignore: decorator
@inline function hmin(v: v128): f32 {
  return min(min(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), min(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}
// @ts-ignore: decorator
@inline function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/** Loads `cnt` (1..4) consecutive f32 into the low lanes; the rest are 0. */
// @ts-ignore: decorator
@inline function ld(p: usize, cnt: i32): v128 {
  if (cnt == 4) return v128.load(p);
  let r = f32x4.splat(0);
  r = f32x4.replace_lane(r, 0, load<f32>(p));
  if (cnt > 1) r = f32x4.replace_lane(r, 1, load<f32>(p, 4));
  if (cnt > 2) r = f32x4.replace_lane(r, 2, load<f32>(p, 8));
  return r;
}

// @ts-ignore: decorator
@inline function st(p: usize, v: v128, cnt: i32): void {
  if (cnt == 4) { v128.store(p, v); return; }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (cnt > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (cnt > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

// @ts-ignore: decorator
@inline function laneMask(cnt: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(cnt));
}

/** x * log2(x) with 0 * log2(0) = 0; lanes below FLT_MIN (0, denormals, negatives) count as 0. */
// @ts-ignore: decorator
@inline function flush(x: v128): v128 {
  return v128.andnot(x, f32x4.lt(x, f32x4.splat(FLT_MIN)));
}

// @ts-ignore: decorator
@inline function trackValues(x: v128, valid: v128): void {
  minV = f32x4.pmin(minV, v128.bitselect(x, f32x4.splat(Infinity), valid));
  maxV = f32x4.pmax(maxV, v128.bitselect(x, f32x4.splat(-Infinity), valid));
}

/** Entropy in bits of 4 voxels starting at voxel v (cnt of them valid). */
// @ts-ignore: decorator
@inline function group(kind: i32, src: usize, classes: i32, classStride: usize, v: usize, cnt: i32, valid: v128): v128 {
  const base = src + (v << 2);
  const cs = classStride << 2;
  let h: v128;
  if (kind == KIND_SOFTMAX) {
    let s = f32x4.splat(0), t = f32x4.splat(0);
    let p = base;
    for (let c = 0; c < classes; c++, p += cs) {
      const raw = ld(p, cnt);
      trackValues(raw, valid);
      const x = flush(raw);
      s = f32x4.add(s, x);
      t = f32x4.add(t, f32x4.mul(x, log2x4(x)));
    }
    // H = log2 s - (sum x log2 x) / s: the renormalised entropy without a division per class
    h = f32x4.sub(log2x4(s), f32x4.div(t, s));
    h = f32x4.max(h, f32x4.splat(0));          // rounding can dip below 0; NaN stays NaN
    const zero = v128.and(f32x4.eq(s, f32x4.splat(0)), valid);
    h = v128.andnot(h, zero);                  // all-zero vector: entropy 0, counted
    nZero = i32x4.sub(nZero, zero);
    const pos = v128.and(f32x4.gt(s, f32x4.splat(0)), valid);
    minS = f32x4.pmin(minS, v128.bitselect(s, f32x4.splat(Infinity), pos));
    maxS = f32x4.pmax(maxS, v128.bitselect(s, f32x4.splat(-Infinity), pos));
  } else if (kind == KIND_LOGITS) {
    let m = f32x4.splat(-Infinity);
    let p = base;
    for (let c = 0; c < classes; c++, p += cs) {
      const z = ld(p, cnt);
      trackValues(z, valid);
      m = f32x4.max(m, z);
    }
    let sE = f32x4.splat(0), tE = f32x4.splat(0);
    p = base;
    for (let c = 0; c < classes; c++, p += cs) {
      // d = log2 of the unnormalised probability, clamped so that exp2 never underflows to 0*inf
      const d = f32x4.max(f32x4.mul(f32x4.sub(ld(p, cnt), m), f32x4.splat(LOG2E)), f32x4.splat(-126));
      const e = exp2x4(d);
      sE = f32x4.add(sE, e);
      tE = f32x4.add(tE, f32x4.mul(e, d));
    }
    h = f32x4.max(f32x4.sub(log2x4(sE), f32x4.div(tE, sE)), f32x4.splat(0));
  } else if (kind == KIND_SIGMOID) {
    h = f32x4.splat(0);
    let p = base;
    for (let c = 0; c < classes; c++, p += cs) {
      const raw = ld(p, cnt);
      trackValues(raw, valid);
      const q = f32x4.min(raw, f32x4.splat(1));
      const q0 = flush(q);
      const q1 = flush(f32x4.sub(f32x4.splat(1), q));
      h = f32x4.sub(h, f32x4.add(f32x4.mul(q0, log2x4(q0)), f32x4.mul(q1, log2x4(q1))));
    }
    h = f32x4.max(h, f32x4.splat(0));
  } else {
    // KIND_TISSUE, the SPM rule: clip to [0,1], divide by the sum where it exceeds 1,
    // and add the background class b = max(1 - s, 0).
    let s = f32x4.splat(0), t = f32x4.splat(0);
    let p = base;
    for (let c = 0; c < classes; c++, p += cs) {
      const raw = ld(p, cnt);
      trackValues(raw, valid);
      const x = flush(f32x4.min(raw, f32x4.splat(1)));
      s = f32x4.add(s, x);
      t = f32x4.add(t, f32x4.mul(x, log2x4(x)));
    }
    const k = f32x4.max(s, f32x4.splat(1));
    const b = flush(f32x4.sub(f32x4.splat(1), s));
    h = f32x4.sub(f32x4.sub(log2x4(k), f32x4.div(t, k)), f32x4.mul(b, log2x4(b)));
    h = f32x4.max(h, f32x4.splat(0));
  }
  return h;
}

// @ts-ignore: decorator
@inline function account(h: v128, valid: v128): void {
  const nan = v128.and(f32x4.ne(h, h), valid);
  nNan = i32x4.sub(nNan, nan);
  const hf = v128.and(v128.andnot(h, nan), valid);
  totLo = f64x2.add(totLo, f64x2.promote_low_f32x4(hf));
  totHi = f64x2.add(totHi, f64x2.promote_low_f32x4(i32x4.shuffle(hf, hf, 2, 3, 0, 1)));
  maxH = f32x4.pmax(maxH, hf);
}

/** Entropy of `n` voxels of a class-planar slab into `out` (f32, one per voxel), scaled by
 *  `unitScale` (1 for bits). Accumulates into the running statistics (in the scaled unit). */
export function entropyPlanar(kind: i32, src: usize, classes: i32, n: i32, classStride: i32, out: usize, unitScale: f32): void {
  const cs = <usize>classStride;
  const all = i32x4.splat(-1);
  const scale = f32x4.splat(unitScale);
  const n4 = n & ~3;
  let v = 0;
  for (; v < n4; v += 4) {
    const h = f32x4.mul(group(kind, src, classes, cs, <usize>v, 4, all), scale);
    account(h, all);
    v128.store(out + (<usize>v << 2), h);
  }
  const rest = n - n4;
  if (rest > 0) {
    const valid = laneMask(rest);
    const h = f32x4.mul(group(kind, src, classes, cs, <usize>v, rest, valid), scale);
    account(h, valid);
    st(out + (<usize>v << 2), h, rest);
  }
}

/** Copies an interleaved slab (n voxels x classes, class fastest) into planar order at `dst`. */
export function deinterleave(src: usize, classes: i32, n: i32, dst: usize): void {
  const C = <usize>classes;
  const N = <usize>n;
  for (let c: usize = 0; c < C; c++) {
    const d = dst + ((c * N) << 2);
    let s = src + (c << 2);
    for (let v: usize = 0; v < N; v++, s += C << 2) {
      store<f32>(d + (v << 2), load<f32>(s));
    }
  }
}

/** Per-voxel label of a class-planar slab into `out` (i32). Softmax/logits: first maximum
 *  (-1 for NaN). Tissue: argmax over the clipped, renormalised classes plus background (= classes).
 *  Sigmoid: the nnU-Net region rule with labels read from `regionLabels` (i32 per channel):
 *  label 0, then each channel above 0.5 paints its label, later channels winning. */
export function labelsPlanar(kind: i32, src: usize, classes: i32, n: i32, classStride: i32, out: usize, regionLabels: usize): void {
  const cs = <usize>classStride << 2;
  for (let v: usize = 0; v < <usize>n; v++) {
    let p = src + (v << 2);
    let label: i32 = 0;
    if (kind == KIND_SIGMOID) {
      for (let c = 0; c < classes; c++, p += cs) {
        const q = load<f32>(p);
        if (q != q) { label = -1; break; }
        if (q > 0.5) label = load<i32>(regionLabels + (<usize>c << 2));
      }
    } else {
      let best: f32 = -Infinity;
      let sum: f32 = 0;
      for (let c = 0; c < classes; c++, p += cs) {
        let x = load<f32>(p);
        if (x != x) { label = -1; break; }
        if (kind == KIND_TISSUE) { x = min(max(x, 0), 1); sum += x; }
        if (x > best) { best = x; label = c; }
      }
      if (kind == KIND_TISSUE && label >= 0) {
        const k = max(sum, <f32>1);
        const b = max(<f32>1 - sum, <f32>0);
        if (b > best / k) label = classes;
      }
    }
    store<i32>(out + (v << 2), label);
  }
}

/** Sum of `n` f32 at `src` (f64 total of f32x4 partial sums): the streaming-read floor of the benchmarks. */
export function sumF32(src: usize, n: i32): f64 {
  let a = f32x4.splat(0), b = f32x4.splat(0), c = f32x4.splat(0), d = f32x4.splat(0);
  const N = <usize>n;
  const n16 = N & ~15;
  let i: usize = 0;
  for (; i < n16; i += 16) {
    const p = src + (i << 2);
    a = f32x4.add(a, v128.load(p));
    b = f32x4.add(b, v128.load(p, 16));
    c = f32x4.add(c, v128.load(p, 32));
    d = f32x4.add(d, v128.load(p, 48));
  }
  const t = f32x4.add(f32x4.add(a, b), f32x4.add(c, d));
  let s: f64 = <f64>f32x4.extract_lane(t, 0) + <f64>f32x4.extract_lane(t, 1) + <f64>f32x4.extract_lane(t, 2) + <f64>f32x4.extract_lane(t, 3);
  for (; i < N; i++) s += <f64>load<f32>(src + (i << 2));
  return s;
}
