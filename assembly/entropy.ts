// Class-axis entropy kernels over linear memory.
//
// ABI: plain pointers (byte offsets into this module's memory, unsigned) and element counts.
// JavaScript owns the memory layout: it places slabs above heapBase() and reads results back.
//
// Planar kernels handle `n` voxels of a class-planar slab: the stored element of class c for voxel
// v is at src + size * (c * classStride + v), `size` the element size of `dtype`. The slab must be
// readable up to n rounded up to 4 in every plane (classStride >= that): the kernel pads the last
// group in place with copies of voxel n-1, so that every loop runs on whole vectors. `out` (f32)
// and `labels` (i32, or 0 for none) receive one value per voxel and need room for n rounded up to 4.
// Each call accumulates the statistics that statsWrite() stores (totals in f64, lane order fixed by
// the voxel index, so results do not depend on how a volume is cut into calls of 4k voxels).
//
// Stored element types decoded inside the module (no upcast of the volume in JavaScript):
// f32, f64, f16 (IEEE binary16) and u8/u16 with value = raw * slope + inter computed in f64, as
// the NIfTI standard (and the JavaScript decoder) does. Other kinds than softmax take f32.

import { CONSTS, K_FLTMIN, K_OFF, K_HI, K_ONE, K_C, K_H7FFF, K_P112, K_INFT, K_EXPF, K_SIGN, log2v, log2x4, exp2x4, half4, mad } from "./vecmath";

/** Kind codes, shared with src/kernel/abi.ts. */
// @ts-ignore: decorator
@inline const KIND_SOFTMAX: i32 = 0;
// @ts-ignore: decorator
@inline const KIND_LOGITS: i32 = 1;
// @ts-ignore: decorator
@inline const KIND_SIGMOID: i32 = 2;
// @ts-ignore: decorator
@inline const KIND_TISSUE: i32 = 3;

/** Element type codes, shared with src/kernel/abi.ts. */
// @ts-ignore: decorator
@inline const DT_F32: i32 = 0;
// @ts-ignore: decorator
@inline const DT_F64: i32 = 1;
// @ts-ignore: decorator
@inline const DT_F16: i32 = 2;
// @ts-ignore: decorator
@inline const DT_U8: i32 = 3;
// @ts-ignore: decorator
@inline const DT_U16: i32 = 4;

/** Softmax inputs with at least this many classes run class-major over blocks of BV voxels,
 *  accumulating the class sum of x*log2(x) in f64 (many planes at once defeat the prefetchers,
 *  and f32 sums of 100+ terms would miss the 1e-6 bit accuracy target). */
// @ts-ignore: decorator
@inline const BLOCK_MIN_C: i32 = 9;
// @ts-ignore: decorator
@inline const BV: i32 = 1024;

// @ts-ignore: decorator
@inline const FLT_MIN: f32 = 1.17549435e-38;
// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504088896341;

// Scratch of the blocked path: class sums (f32), sums of x log2 x (f64), best value, label.
const SCR_S: usize = memory.data(BV * 4, 16);
const SCR_T: usize = memory.data(BV * 8, 16);
const SCR_B: usize = memory.data(BV * 4, 16);
const SCR_L: usize = memory.data(BV * 4, 16);

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

/** 1 when this build uses relaxed-SIMD fused multiply-add. */
export function relaxed(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

/** Clears the running statistics; JavaScript calls it before each slab. */
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

// @ts-ignore: decorator
@inline function shiftOf(dt: i32): usize {
  if (dt == DT_F64) return 3;
  if (dt == DT_F16 || dt == DT_U16) return 1;
  if (dt == DT_U8) return 0;
  return 2;
}

/** Pads every plane from n up to n rounded to 4 with copies of voxel n-1. */
function padPlanes(src: usize, classes: i32, n: i32, classStride: i32, sh: usize): void {
  const n4 = (n + 3) & ~3;
  if (n4 == n || n <= 0) return;
  const size = <usize>1 << sh;
  const cs = <usize>classStride << sh;
  for (let c = 0; c < classes; c++) {
    const plane = src + <usize>c * cs;
    const last = plane + (<usize>(n - 1) << sh);
    for (let v = n; v < n4; v++) memory.copy(plane + (<usize>v << sh), last, size);
  }
}

/** Four stored elements at p as f32. */
// @ts-ignore: decorator
@inline function ld4(dt: i32, p: usize, m7fff: v128, p112: v128, inft: v128, expf: v128, sign: v128, slope: v128, inter: v128): v128 {
  if (dt == DT_F32) return v128.load(p);
  if (dt == DT_F64) {
    return i32x4.shuffle(f32x4.demote_f64x2_zero(v128.load(p)), f32x4.demote_f64x2_zero(v128.load(p, 16)), 0, 1, 4, 5);
  }
  if (dt == DT_F16) return half4(i32x4.extend_low_i16x8_u(v128.load64_zero(p)), m7fff, p112, inft, expf, sign);
  let w: v128;
  if (dt == DT_U8) w = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
  else w = i32x4.extend_low_i16x8_u(v128.load64_zero(p));
  const lo = f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_u(w), slope), inter);
  const hi = f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_u(i32x4.shuffle(w, w, 2, 3, 0, 1)), slope), inter);
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** One stored element as f32 (labels of the other kinds, tails). */
// @ts-ignore: decorator
@inline function ld1(dt: i32, p: usize, slope: f64, inter: f64): f32 {
  if (dt == DT_F32) return load<f32>(p);
  if (dt == DT_F64) return <f32>load<f64>(p);
  if (dt == DT_F16) {
    return f32x4.extract_lane(half4(i32x4.splat(<i32>load<u16>(p)), v128.load(CONSTS + K_H7FFF), v128.load(CONSTS + K_P112),
      v128.load(CONSTS + K_INFT), v128.load(CONSTS + K_EXPF), v128.load(CONSTS + K_SIGN)), 0);
  }
  if (dt == DT_U8) return <f32>(<f64>load<u8>(p) * slope + inter);
  return <f32>(<f64>load<u16>(p) * slope + inter);
}

/** Per-voxel finish shared by the softmax paths: zero sums, clamping, unit, statistics. */
// @ts-ignore: decorator
@inline function finishSoftmax(h0: v128, s: v128, valid: v128, scale: v128): v128 {
  let h = f32x4.max(h0, f32x4.splat(0));            // rounding can dip below 0; NaN stays NaN
  const zero = f32x4.eq(s, f32x4.splat(0));
  h = v128.andnot(h, zero);                         // all-zero vector: entropy 0, counted
  h = f32x4.mul(h, scale);
  nZero = i32x4.sub(nZero, v128.and(zero, valid));
  const pos = v128.and(f32x4.gt(s, f32x4.splat(0)), valid);
  minS = f32x4.pmin(minS, v128.bitselect(s, f32x4.splat(Infinity), pos));
  maxS = f32x4.pmax(maxS, v128.bitselect(s, f32x4.splat(-Infinity), pos));
  account(h, valid);
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

// @ts-ignore: decorator
@inline function validMask(v: i32, n: i32): v128 {
  return i32x4.lt_s(i32x4.add(i32x4(0, 1, 2, 3), i32x4.splat(v)), i32x4.splat(n));
}

/**
 * Softmax over few classes: four voxels at a time, all classes in registers, f32 accumulation.
 * H = log2 s - (sum x log2 x) / s: the renormalised entropy with one division per voxel.
 */
// @ts-ignore: decorator
@inline function softmaxReg(dt: i32, withLabels: bool, src: usize, classes: i32, n: i32, classStride: i32, out: usize, labels: usize, unitScale: f32, slope: f64, inter: f64): void {
  const sh = shiftOf(dt);
  const cs = <usize>classStride << sh;
  const fltmin = v128.load(CONSTS + K_FLTMIN), off = v128.load(CONSTS + K_OFF), hi = v128.load(CONSTS + K_HI), one = v128.load(CONSTS + K_ONE);
  const c8 = v128.load(CONSTS + K_C), c7 = v128.load(CONSTS + K_C + 16), c6 = v128.load(CONSTS + K_C + 32), c5 = v128.load(CONSTS + K_C + 48);
  const c4 = v128.load(CONSTS + K_C + 64), c3 = v128.load(CONSTS + K_C + 80), c2 = v128.load(CONSTS + K_C + 96), c1 = v128.load(CONSTS + K_C + 112);
  const c0 = v128.load(CONSTS + K_C + 128);
  const m7fff = v128.load(CONSTS + K_H7FFF), p112 = v128.load(CONSTS + K_P112), inft = v128.load(CONSTS + K_INFT), expf = v128.load(CONSTS + K_EXPF), sign = v128.load(CONSTS + K_SIGN);
  const sl = f64x2.splat(slope), it = f64x2.splat(inter);
  const scale = f32x4.splat(unitScale);
  let mn = f32x4.splat(Infinity), mx = f32x4.splat(-Infinity);
  for (let v = 0; v < n; v += 4) {
    let s = f32x4.splat(0), t = f32x4.splat(0);
    let best = f32x4.splat(-Infinity), lab = i32x4.splat(0), cv = i32x4.splat(0);
    let p = src + (<usize>v << sh);
    for (let c = 0; c < classes; c++, p += cs) {
      const raw = ld4(dt, p, m7fff, p112, inft, expf, sign, sl, it);
      mn = f32x4.pmin(mn, raw);
      mx = f32x4.pmax(mx, raw);
      const x = v128.andnot(raw, f32x4.lt(raw, fltmin));
      s = f32x4.add(s, x);
      t = mad(x, log2v(x, off, hi, one, c8, c7, c6, c5, c4, c3, c2, c1, c0), t);
      if (withLabels) {
        const gt = f32x4.gt(raw, best);
        best = v128.bitselect(raw, best, gt);
        lab = v128.bitselect(cv, lab, gt);
        cv = i32x4.add(cv, i32x4.splat(1));
      }
    }
    const ls = log2v(s, off, hi, one, c8, c7, c6, c5, c4, c3, c2, c1, c0);
    const valid = validMask(v, n);
    const h = finishSoftmax(f32x4.sub(ls, f32x4.div(t, s)), s, valid, scale);
    v128.store(out + (<usize>v << 2), h);
    if (withLabels) v128.store(labels + (<usize>v << 2), v128.or(lab, f32x4.ne(s, s)));
  }
  minV = f32x4.pmin(minV, mn);
  maxV = f32x4.pmax(maxV, mx);
}

/**
 * Softmax over many classes: blocks of BV voxels, class-major (one plane streamed at a time),
 * class sums in f32 and sums of x log2 x in f64 in scratch memory, the entropy in f64.
 */
// @ts-ignore: decorator
@inline function softmaxBlocked(dt: i32, withLabels: bool, src: usize, classes: i32, n: i32, classStride: i32, out: usize, labels: usize, unitScale: f32, slope: f64, inter: f64): void {
  const sh = shiftOf(dt);
  const cs = <usize>classStride << sh;
  const fltmin = v128.load(CONSTS + K_FLTMIN), off = v128.load(CONSTS + K_OFF), hi = v128.load(CONSTS + K_HI), one = v128.load(CONSTS + K_ONE);
  const c8 = v128.load(CONSTS + K_C), c7 = v128.load(CONSTS + K_C + 16), c6 = v128.load(CONSTS + K_C + 32), c5 = v128.load(CONSTS + K_C + 48);
  const c4 = v128.load(CONSTS + K_C + 64), c3 = v128.load(CONSTS + K_C + 80), c2 = v128.load(CONSTS + K_C + 96), c1 = v128.load(CONSTS + K_C + 112);
  const c0 = v128.load(CONSTS + K_C + 128);
  const m7fff = v128.load(CONSTS + K_H7FFF), p112 = v128.load(CONSTS + K_P112), inft = v128.load(CONSTS + K_INFT), expf = v128.load(CONSTS + K_EXPF), sign = v128.load(CONSTS + K_SIGN);
  const sl = f64x2.splat(slope), it = f64x2.splat(inter);
  const scale = f32x4.splat(unitScale);
  let mn = f32x4.splat(Infinity), mx = f32x4.splat(-Infinity);
  const n4 = (n + 3) & ~3;
  for (let b0 = 0; b0 < n4; b0 += BV) {
    const nb = min(BV, n4 - b0);
    memory.fill(SCR_S, 0, <usize>nb << 2);
    memory.fill(SCR_T, 0, <usize>nb << 3);
    if (withLabels) {
      for (let v = 0; v < nb; v += 4) {
        v128.store(SCR_B + (<usize>v << 2), f32x4.splat(-Infinity));
        v128.store(SCR_L + (<usize>v << 2), i32x4.splat(0));
      }
    }
    let plane = src + (<usize>b0 << sh);
    for (let c = 0; c < classes; c++, plane += cs) {
      const cv = i32x4.splat(c);
      for (let v = 0; v < nb; v += 4) {
        const raw = ld4(dt, plane + (<usize>v << sh), m7fff, p112, inft, expf, sign, sl, it);
        mn = f32x4.pmin(mn, raw);
        mx = f32x4.pmax(mx, raw);
        const x = v128.andnot(raw, f32x4.lt(raw, fltmin));
        const ps = SCR_S + (<usize>v << 2);
        v128.store(ps, f32x4.add(v128.load(ps), x));
        const l = f32x4.mul(x, log2v(x, off, hi, one, c8, c7, c6, c5, c4, c3, c2, c1, c0));
        const pt = SCR_T + (<usize>v << 3);
        v128.store(pt, f64x2.add(v128.load(pt), f64x2.promote_low_f32x4(l)));
        v128.store(pt, f64x2.add(v128.load(pt, 16), f64x2.promote_low_f32x4(i32x4.shuffle(l, l, 2, 3, 0, 1))), 16);
        if (withLabels) {
          const pb = SCR_B + (<usize>v << 2);
          const best = v128.load(pb);
          const gt = f32x4.gt(raw, best);
          v128.store(pb, v128.bitselect(raw, best, gt));
          const pl = SCR_L + (<usize>v << 2);
          v128.store(pl, v128.bitselect(cv, v128.load(pl), gt));
        }
      }
    }
    for (let v = 0; v < nb; v += 4) {
      const s = v128.load(SCR_S + (<usize>v << 2));
      const ls = log2v(s, off, hi, one, c8, c7, c6, c5, c4, c3, c2, c1, c0);
      const pt = SCR_T + (<usize>v << 3);
      const hlo = f64x2.sub(f64x2.promote_low_f32x4(ls), f64x2.div(v128.load(pt), f64x2.promote_low_f32x4(s)));
      const hhi = f64x2.sub(f64x2.promote_low_f32x4(i32x4.shuffle(ls, ls, 2, 3, 0, 1)),
        f64x2.div(v128.load(pt, 16), f64x2.promote_low_f32x4(i32x4.shuffle(s, s, 2, 3, 0, 1))));
      const h0 = i32x4.shuffle(f32x4.demote_f64x2_zero(hlo), f32x4.demote_f64x2_zero(hhi), 0, 1, 4, 5);
      const g = b0 + v;
      const h = finishSoftmax(h0, s, validMask(g, n), scale);
      v128.store(out + (<usize>g << 2), h);
      if (withLabels) v128.store(labels + (<usize>g << 2), v128.or(v128.load(SCR_L + (<usize>v << 2)), f32x4.ne(s, s)));
    }
  }
  minV = f32x4.pmin(minV, mn);
  maxV = f32x4.pmax(maxV, mx);
}

// @ts-ignore: decorator
@inline function softmaxAny(dt: i32, src: usize, classes: i32, n: i32, classStride: i32, out: usize, labels: usize, unitScale: f32, slope: f64, inter: f64): void {
  if (classes >= BLOCK_MIN_C) {
    if (labels != 0) softmaxBlocked(dt, true, src, classes, n, classStride, out, labels, unitScale, slope, inter);
    else softmaxBlocked(dt, false, src, classes, n, classStride, out, labels, unitScale, slope, inter);
  } else {
    if (labels != 0) softmaxReg(dt, true, src, classes, n, classStride, out, labels, unitScale, slope, inter);
    else softmaxReg(dt, false, src, classes, n, classStride, out, labels, unitScale, slope, inter);
  }
}

function planarImpl(kind: i32, dtype: i32, src: usize, classes: i32, n: i32, classStride: i32, out: usize, labels: usize, unitScale: f32, slope: f64, inter: f64): void {
  if (n <= 0) return;
  padPlanes(src, classes, n, classStride, kind == KIND_SOFTMAX ? shiftOf(dtype) : 2);
  if (kind == KIND_SOFTMAX) {
    if (dtype == DT_F32) softmaxAny(DT_F32, src, classes, n, classStride, out, labels, unitScale, slope, inter);
    else if (dtype == DT_F64) softmaxAny(DT_F64, src, classes, n, classStride, out, labels, unitScale, slope, inter);
    else if (dtype == DT_F16) softmaxAny(DT_F16, src, classes, n, classStride, out, labels, unitScale, slope, inter);
    else if (dtype == DT_U8) softmaxAny(DT_U8, src, classes, n, classStride, out, labels, unitScale, slope, inter);
    else softmaxAny(DT_U16, src, classes, n, classStride, out, labels, unitScale, slope, inter);
  } else if (kind == KIND_LOGITS) otherKind(KIND_LOGITS, src, classes, n, classStride, out, unitScale);
  else if (kind == KIND_SIGMOID) otherKind(KIND_SIGMOID, src, classes, n, classStride, out, unitScale);
  else otherKind(KIND_TISSUE, src, classes, n, classStride, out, unitScale);
}

/**
 * Entropy of `n` voxels of a class-planar slab into `out` (f32, one per voxel), scaled by
 * `unitScale` (1 for bits), and for softmax optionally the first-maximum label into `labels`
 * (-1 for NaN; 0 for none). Softmax reads any `dtype`; the other kinds read f32.
 */
export function entropyPlanar(kind: i32, dtype: i32, src: usize, classes: i32, n: i32, classStride: i32, out: usize, labels: usize, unitScale: f32, slope: f64, inter: f64): void {
  planarImpl(kind, dtype, src, classes, n, classStride, out, labels, unitScale, slope, inter);
}

/**
 * Entropy of an interleaved slab (n voxels x classes, class fastest, any dtype for softmax):
 * each block of `block` voxels (a multiple of 4) is turned planar in `scratch` (block * classes
 * elements, cache-resident) and run through the planar kernel. Same results as planar input.
 */
export function entropyInterleaved(kind: i32, dtype: i32, src: usize, classes: i32, n: i32, out: usize, labels: usize, unitScale: f32, slope: f64, inter: f64, scratch: usize, block: i32): void {
  const sh = kind == KIND_SOFTMAX ? shiftOf(dtype) : 2;
  for (let b0 = 0; b0 < n; b0 += block) {
    const nb = min(block, n - b0);
    deinterleaveImpl(src + ((<usize>b0 * <usize>classes) << sh), classes, nb, scratch, block, sh);
    planarImpl(kind, dtype, scratch, classes, nb, block, out + (<usize>b0 << 2), labels != 0 ? labels + (<usize>b0 << 2) : 0, unitScale, slope, inter);
  }
}

// @ts-ignore: decorator
@inline function deinterleaveImpl(src: usize, classes: i32, n: i32, dst: usize, stride: i32, sh: usize): void {
  const C = <usize>classes;
  const N = <usize>n;
  const S = <usize>stride << sh;
  if (sh == 2 && C == 4) {
    // 4x4 transposes: four voxels of four classes per step
    const n4 = N & ~3;
    let v: usize = 0;
    for (; v < n4; v += 4) {
      const p = src + (v << 4);
      const a = v128.load(p), b = v128.load(p, 16), c = v128.load(p, 32), d = v128.load(p, 48);
      const ab0 = i32x4.shuffle(a, b, 0, 4, 1, 5), cd0 = i32x4.shuffle(c, d, 0, 4, 1, 5);
      const ab1 = i32x4.shuffle(a, b, 2, 6, 3, 7), cd1 = i32x4.shuffle(c, d, 2, 6, 3, 7);
      const q = dst + (v << 2);
      v128.store(q, i64x2.shuffle(ab0, cd0, 0, 2));
      v128.store(q + S, i64x2.shuffle(ab0, cd0, 1, 3));
      v128.store(q + 2 * S, i64x2.shuffle(ab1, cd1, 0, 2));
      v128.store(q + 3 * S, i64x2.shuffle(ab1, cd1, 1, 3));
    }
    for (; v < N; v++) for (let c: usize = 0; c < 4; c++) store<f32>(dst + c * S + (v << 2), load<f32>(src + ((v * 4 + c) << 2)));
    return;
  }
  if (sh == 2 && C == 2) {
    const n4 = N & ~3;
    let v: usize = 0;
    for (; v < n4; v += 4) {
      const p = src + (v << 3);
      const a = v128.load(p), b = v128.load(p, 16);
      v128.store(dst + (v << 2), i32x4.shuffle(a, b, 0, 2, 4, 6));
      v128.store(dst + S + (v << 2), i32x4.shuffle(a, b, 1, 3, 5, 7));
    }
    for (; v < N; v++) for (let c: usize = 0; c < 2; c++) store<f32>(dst + c * S + (v << 2), load<f32>(src + ((v * 2 + c) << 2)));
    return;
  }
  for (let c: usize = 0; c < C; c++) {
    const d = dst + c * S;
    let s = src + (c << sh);
    const step = C << sh;
    if (sh == 2) for (let v: usize = 0; v < N; v++, s += step) store<u32>(d + (v << 2), load<u32>(s));
    else if (sh == 1) for (let v: usize = 0; v < N; v++, s += step) store<u16>(d + (v << 1), load<u16>(s));
    else if (sh == 3) for (let v: usize = 0; v < N; v++, s += step) store<u64>(d + (v << 3), load<u64>(s));
    else for (let v: usize = 0; v < N; v++, s += step) store<u8>(d + v, load<u8>(s));
  }
}

/** Copies an interleaved slab (n voxels x classes, class fastest, f32) into planar order at `dst`
 *  with planes `stride` elements apart. */
export function deinterleave(src: usize, classes: i32, n: i32, dst: usize, stride: i32): void {
  deinterleaveImpl(src, classes, n, dst, stride, 2);
}

// ---------------------------------------------------------------------------------------------
// Logits, sigmoid and tissue kinds (f32 input): four voxels at a time.

// @ts-ignore: decorator
@inline function flush(x: v128): v128 {
  return v128.andnot(x, f32x4.lt(x, f32x4.splat(FLT_MIN)));
}

// @ts-ignore: decorator
@inline function otherKind(kind: i32, src: usize, classes: i32, n: i32, classStride: i32, out: usize, unitScale: f32): void {
  const cs = <usize>classStride << 2;
  const scale = f32x4.splat(unitScale);
  let mn = f32x4.splat(Infinity), mx = f32x4.splat(-Infinity);
  for (let v = 0; v < n; v += 4) {
    const base = src + (<usize>v << 2);
    let h: v128;
    if (kind == KIND_LOGITS) {
      let m = f32x4.splat(-Infinity);
      let p = base;
      for (let c = 0; c < classes; c++, p += cs) {
        const z = v128.load(p);
        mn = f32x4.pmin(mn, z); mx = f32x4.pmax(mx, z);
        m = f32x4.max(m, z);
      }
      let sE = f32x4.splat(0), tE = f32x4.splat(0);
      p = base;
      for (let c = 0; c < classes; c++, p += cs) {
        // d = log2 of the unnormalised probability, clamped so that exp2 never underflows to 0*inf
        const d = f32x4.max(f32x4.mul(f32x4.sub(v128.load(p), m), f32x4.splat(LOG2E)), f32x4.splat(-126));
        const e = exp2x4(d);
        sE = f32x4.add(sE, e);
        tE = mad(e, d, tE);
      }
      h = f32x4.max(f32x4.sub(log2x4(sE), f32x4.div(tE, sE)), f32x4.splat(0));
    } else if (kind == KIND_SIGMOID) {
      h = f32x4.splat(0);
      let p = base;
      for (let c = 0; c < classes; c++, p += cs) {
        const raw = v128.load(p);
        mn = f32x4.pmin(mn, raw); mx = f32x4.pmax(mx, raw);
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
        const raw = v128.load(p);
        mn = f32x4.pmin(mn, raw); mx = f32x4.pmax(mx, raw);
        const x = flush(f32x4.min(raw, f32x4.splat(1)));
        s = f32x4.add(s, x);
        t = f32x4.add(t, f32x4.mul(x, log2x4(x)));
      }
      const k = f32x4.max(s, f32x4.splat(1));
      const b = flush(f32x4.sub(f32x4.splat(1), s));
      h = f32x4.sub(f32x4.sub(log2x4(k), f32x4.div(t, k)), f32x4.mul(b, log2x4(b)));
      h = f32x4.max(h, f32x4.splat(0));
    }
    h = f32x4.mul(h, scale);
    account(h, validMask(v, n));
    v128.store(out + (<usize>v << 2), h);
  }
  minV = f32x4.pmin(minV, mn);
  maxV = f32x4.pmax(maxV, mx);
}

/** Per-voxel label of a class-planar slab into `out` (i32), for the kinds whose labels the
 *  entropy kernels do not produce. Softmax/logits: first maximum (-1 for NaN). Tissue: argmax over
 *  the clipped, renormalised classes plus background (= classes). Sigmoid: the nnU-Net region rule
 *  with labels read from `regionLabels` (i32 per channel): label 0, then each channel above 0.5
 *  paints its label, later channels winning. Reads f32. */
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

/** Decodes n stored elements at src into f32 at dst (tests and the label paths). */
export function decodeF32(dtype: i32, src: usize, n: i32, dst: usize, slope: f64, inter: f64): void {
  const sh = shiftOf(dtype);
  for (let i: usize = 0; i < <usize>n; i++) {
    const p = src + (i << sh);
    let x: f32;
    if (dtype == DT_F32) x = ld1(DT_F32, p, slope, inter);
    else if (dtype == DT_F64) x = ld1(DT_F64, p, slope, inter);
    else if (dtype == DT_F16) x = ld1(DT_F16, p, slope, inter);
    else if (dtype == DT_U8) x = ld1(DT_U8, p, slope, inter);
    else x = ld1(DT_U16, p, slope, inter);
    store<f32>(dst + (i << 2), x);
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
