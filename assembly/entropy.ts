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
//
// Structure (measurements and the things that did not work: bench/README.md): one wasm function
// per (dtype, labels, few/many classes) reached through a function table, two passes per block of
// voxels (class loop into scratch, then an out-of-line per-voxel finish), constants loaded from
// memory once per call. f16, u8 and u16 read x and x log2 x of each element from a table of all
// their stored values (U8TAB, W16TAB) instead of decoding and taking log2.

import { CONSTS, K_FLTMIN, K_OFF, K_HI, K_ONE, K_P0, K_P1, K_P2, K_B112, K_M14, K_INFT, K_SIGN, K_INF, K_FOUR, K_IOTA, log2v, log2vOff, log2x4, log2x4Fine, exp2x4, half4, mad } from "./vecmath";

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

/** Softmax inputs with at least this many classes take the wide kernel (f64 class sums). */
// @ts-ignore: decorator
@inline const WIDE_MIN_C: i32 = 9;

// @ts-ignore: decorator
@inline const FLT_MIN: f32 = 1.17549435e-38;
// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504088896341;

// Scratch of the two-pass softmax kernel: class sums and sums of x log2 x of a block of voxels.
// @ts-ignore: decorator
@inline const BV: i32 = 512;
const SCR_S: usize = memory.data(BV * 4, 16);
const SCR_T: usize = memory.data(BV * 4, 16);

// Running statistics of the current accumulation, reset by statsReset().
let totLo: v128 = f64x2.splat(0);   // f64 sum of finite entropies, lanes 0,1
let totHi: v128 = f64x2.splat(0);   // lanes 2,3
let nZero: v128 = i32x4.splat(0);   // voxels whose class sum is 0 (softmax kind)
let nNan: v128 = i32x4.splat(0);    // voxels with a NaN anywhere
let minV: v128 = f32x4.splat(Infinity);   // smallest input value (NaN ignored)
let maxV: v128 = f32x4.splat(-Infinity);  // largest input value (NaN ignored)
let minS: v128 = i32x4.splat(-1);         // smallest positive class sum, as (f32 bits - 1) unsigned:
                                          // zero sums wrap to 0xffffffff and lose every i32x4.min_u
let maxS: v128 = f32x4.splat(-Infinity);  // largest class sum
let maxH: v128 = f32x4.splat(0);          // largest finite entropy
let blockFar: bool = false;               // the last pass A saw class sums that pass B must redo

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
  minS = i32x4.splat(-1); maxS = f32x4.splat(-Infinity);
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
  store<f32>(dst, min(min(minSum(i32x4.extract_lane(minS, 0)), minSum(i32x4.extract_lane(minS, 1))),
    min(minSum(i32x4.extract_lane(minS, 2)), minSum(i32x4.extract_lane(minS, 3)))), 24);
  const ms = hmax(maxS);
  store<f32>(dst, ms == 0 ? -Infinity : ms, 28);          // only zero sums seen (kernels track max(s) over all sums)
  store<f32>(dst, hmax(maxH), 32);
}

/** One lane of minS back to f32: no positive sum (or only NaN sums) -> +Inf. */
// @ts-ignore: decorator
@inline function minSum(b: i32): f32 {
  const u = <u32>b + 1;
  return u == 0 || u > 0x7f800000 ? Infinity : reinterpret<f32>(u);
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
  if (dt == DT_F16 || dt == DT_U16 || dt == DT_U16F) return 1;
  if (dt == DT_U8 || dt == DT_U8F) return 0;
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

/** Decoder constants of one kernel call (loaded once, kept in locals). */
// Internal dtype codes of the fast integer decoders. U8F: lookup in a 256-entry table of the exact
// values. U16F: value = f32(raw) / D + I in f32, used when that gives exactly the f64 result
// raw * slope + inter rounded to f32 for every raw value (checked once per (slope, inter); true
// for the usual slope = 1/65535, 1).
// @ts-ignore: decorator
@inline const DT_U8F: i32 = 5;
// @ts-ignore: decorator
@inline const DT_U16F: i32 = 6;

/** Four stored elements at p as f32. `k0`..`k4` are the f16 constants (b112, inft, fltmin, m14,
 *  sign), `sl`/`it` the f64 slope and intercept (u8/u16), `dq`/`iq` the f32 divisor and intercept
 *  of the fast integer decoders, `z` a zero vector. */
// @ts-ignore: decorator
@inline function ld4(dt: i32, p: usize, z: v128, k0: v128, k1: v128, k2: v128, k3: v128, k4: v128, sl: v128, it: v128, dq: v128, iq: v128): v128 {
  if (dt == DT_F32) return v128.load(p);
  if (dt == DT_F64) {
    return i32x4.shuffle(f32x4.demote_f64x2_zero(v128.load(p)), f32x4.demote_f64x2_zero(v128.load(p, 16)), 0, 1, 4, 5);
  }
  if (dt == DT_F16) return half4(i8x16.shuffle(z, v128.load64_zero(p), 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), k0, k1, k2, k3, k4);
  if (dt == DT_U8F) {
    // 256-entry table of the exact f32 values (first f32 of each pair), four lane loads
    let v = v128.load32_zero(U8TAB + (<usize>load<u8>(p) << 3));
    v = v128.load32_lane(U8TAB + (<usize>load<u8>(p, 1) << 3), v, 1);
    v = v128.load32_lane(U8TAB + (<usize>load<u8>(p, 2) << 3), v, 2);
    return v128.load32_lane(U8TAB + (<usize>load<u8>(p, 3) << 3), v, 3);
  }
  let w: v128;
  if (dt == DT_U8) w = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
  else w = i32x4.extend_low_i16x8_u(v128.load64_zero(p));
  if (dt == DT_U16F) return f32x4.add(f32x4.div(f32x4.convert_i32x4_s(w), dq), iq);
  const lo = f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_u(w), sl), it);
  const hi = f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_u(i32x4.shuffle(w, w, 2, 3, 0, 1)), sl), it);
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** One stored element as f32 (decodeF32). */
// @ts-ignore: decorator
@inline function ld1(dt: i32, p: usize, slope: f64, inter: f64): f32 {
  if (dt == DT_F32) return load<f32>(p);
  if (dt == DT_F64) return <f32>load<f64>(p);
  if (dt == DT_F16) {
    return f32x4.extract_lane(half4(i32x4.splat(<i32>load<u16>(p) << 16), v128.load(CONSTS + K_B112),
      v128.load(CONSTS + K_INFT), v128.load(CONSTS + K_FLTMIN), v128.load(CONSTS + K_M14), v128.load(CONSTS + K_SIGN)), 0);
  }
  if (dt == DT_U8) return <f32>(<f64>load<u8>(p) * slope + inter);
  return <f32>(<f64>load<u16>(p) * slope + inter);
}

// Value tables of the narrow types. Entry i is a pair of f32: the value x of stored element i and
// flush(x) * log2(x), computed by the same vector code as the f32 class step. Pass A then reads
// both with two table loads per element instead of decoding it and evaluating log2, and its sums
// are bit-identical to decoding and running the f32 step (kernel only, C = 8: f16 2.2x and u8
// 1.8x faster; bench/README.md). The relaxed-SIMD build uses the tables too: there the f32 step
// fuses x * log2 x into the sum and f16/u8 maps may differ from f32 maps in the last bit.
//
// u8: the 256 values raw * slope + inter (f64, rounded to f32) for the (slope, inter) of the last call.
const U8TAB: usize = memory.data(256 * 8, 16);
let tabReady: bool = false;
let tabSlope: f64 = 0;
let tabInter: f64 = 0;
// f16 and u16: all 65536 stored values (512 KiB) of the last 16-bit type (and for u16 the last
// slope, inter) used; refilled (about 0.2 ms) when that changes.
const W16TAB: usize = memory.data(65536 * 8, 16);
let w16Dt: i32 = -1;
let w16Slope: f64 = 0;
let w16Inter: f64 = 0;

/** Table keys compare by bits: -0 and +0 give different tables (the sign of a zero value shows in
 *  the min/max statistics), and a NaN key matches itself. */
// @ts-ignore: decorator
@inline function sameBits(a: f64, b: f64): bool {
  return reinterpret<u64>(a) == reinterpret<u64>(b);
}

/** Stores the pairs (x, flush(x) * log2 x) of four values at q (32 bytes). */
function storePairs(q: usize, raw: v128): void {
  const fltmin = v128.load(CONSTS + K_FLTMIN), off = v128.load(CONSTS + K_OFF), hi = v128.load(CONSTS + K_HI), one = v128.load(CONSTS + K_ONE);
  const xl = f32x4.mul(flushTiny(raw, fltmin), log2v(raw, off, hi, one, v128.load(CONSTS + K_P0), v128.load(CONSTS + K_P1), v128.load(CONSTS + K_P2)));
  v128.store(q, i32x4.shuffle(raw, xl, 0, 4, 1, 5));
  v128.store(q, i32x4.shuffle(raw, xl, 2, 6, 3, 7), 16);
}

/** Fills U8TAB for (slope, inter) unless it already holds them. */
function u8Table(slope: f64, inter: f64): void {
  if (tabReady && sameBits(slope, tabSlope) && sameBits(inter, tabInter)) return;
  for (let r = 0; r < 256; r += 4) {
    let raw = f32x4.splat(<f32>(<f64>r * slope + inter));
    raw = f32x4.replace_lane(raw, 1, <f32>(<f64>(r + 1) * slope + inter));
    raw = f32x4.replace_lane(raw, 2, <f32>(<f64>(r + 2) * slope + inter));
    raw = f32x4.replace_lane(raw, 3, <f32>(<f64>(r + 3) * slope + inter));
    storePairs(U8TAB + (<usize>r << 3), raw);
  }
  tabSlope = slope; tabInter = inter; tabReady = true;
}

/** Fills W16TAB for f16, or for u16 with (slope, inter), unless it already holds them. */
function w16Table(dt: i32, slope: f64, inter: f64): void {
  if (dt == DT_F16) {
    if (w16Dt == DT_F16) return;
    const k0 = v128.load(CONSTS + K_B112), k1 = v128.load(CONSTS + K_INFT), k2 = v128.load(CONSTS + K_FLTMIN), k3 = v128.load(CONSTS + K_M14), k4 = v128.load(CONSTS + K_SIGN);
    for (let h = 0; h < 65536; h += 4) {
      storePairs(W16TAB + (<usize>h << 3), half4(i32x4.shl(i32x4.add(i32x4.splat(h), v128.load(CONSTS + K_IOTA)), 16), k0, k1, k2, k3, k4));
    }
  } else {
    if (w16Dt == DT_U16 && sameBits(slope, w16Slope) && sameBits(inter, w16Inter)) return;
    // the exact values raw * slope + inter in f64, rounded to f32 (as ld4 and the JavaScript decoder)
    for (let r = 0; r < 65536; r += 4) {
      let raw = f32x4.splat(<f32>(<f64>r * slope + inter));
      raw = f32x4.replace_lane(raw, 1, <f32>(<f64>(r + 1) * slope + inter));
      raw = f32x4.replace_lane(raw, 2, <f32>(<f64>(r + 2) * slope + inter));
      raw = f32x4.replace_lane(raw, 3, <f32>(<f64>(r + 3) * slope + inter));
      storePairs(W16TAB + (<usize>r << 3), raw);
    }
    w16Slope = slope; w16Inter = inter;
  }
  w16Dt = dt;
}

/** Whether pass A of `dt` reads the value tables. */
// @ts-ignore: decorator
@inline function tabulated(dt: i32): bool {
  return dt == DT_F16 || dt == DT_U8F || dt == DT_U16 || dt == DT_U16F;
}

/** Table pairs of stored elements i and i + 1 at p: [x_i, xlog_i, x_i+1, xlog_i+1]. */
// @ts-ignore: decorator
@inline function tabPair(dt: i32, p: usize, i: usize): v128 {
  if (dt == DT_F16 || dt == DT_U16 || dt == DT_U16F) {
    return v128.load64_lane(W16TAB + (<usize>load<u16>(p + 2 * i + 2) << 3), v128.load64_zero(W16TAB + (<usize>load<u16>(p + 2 * i) << 3)), 1);
  }
  return v128.load64_lane(U8TAB + (<usize>load<u8>(p + i + 1) << 3), v128.load64_zero(U8TAB + (<usize>load<u8>(p + i) << 3)), 1);
}

/** The flushed value of a table entry for the class sum. f16 values are never in (0, FLT_MIN)
 *  (the smallest half is 6e-8), so max(x, 0) is the flush there: one instruction, same sums. */
// @ts-ignore: decorator
@inline function tabFlush(dt: i32, raw: v128, fltmin: v128, zv: v128): v128 {
  return dt == DT_F16 ? f32x4.pmax(raw, zv) : flushTiny(raw, fltmin);
}

// The last (dtype, slope, inter) checked for the fast integer decoder, and the outcome.
let fastDt: i32 = -1;
let fastSlope: f64 = 0;
let fastInter: f64 = 0;
let fastOk: bool = false;

/** Whether f32(raw) / f32(1 / slope) + f32(inter) equals f32(raw * slope + inter) for every raw. */
function fastIntOk(dtype: i32, slope: f64, inter: f64): bool {
  if (dtype == fastDt && slope == fastSlope && inter == fastInter) return fastOk;
  const d: f64 = 1 / slope;
  let ok = slope != 0 && isFinite(slope) && isFinite(inter) && <f64><f32>d == d;
  const D = <f32>d, I = <f32>inter;
  const top: i32 = dtype == DT_U8 ? 255 : 65535;
  for (let r = 0; ok && r <= top; r++) {
    const want = <f32>(<f64>r * slope + inter);
    const got = <f32>r / D + I;
    if (reinterpret<i32>(want) != reinterpret<i32>(got)) ok = false;
  }
  fastDt = dtype; fastSlope = slope; fastInter = inter; fastOk = ok;
  return ok;
}

// @ts-ignore: decorator
@inline function validMask(v: i32, n: i32): v128 {
  return i32x4.lt_s(i32x4.add(i32x4(0, 1, 2, 3), i32x4.splat(v)), i32x4.splat(n));
}

/** Adds a finished vector of entropies to the global statistics (the other kinds). */
// @ts-ignore: decorator
@inline function account(h: v128, valid: v128): void {
  const nan = v128.and(f32x4.ne(h, h), valid);
  nNan = i32x4.sub(nNan, nan);
  const hf = v128.and(v128.andnot(h, nan), valid);
  totLo = f64x2.add(totLo, f64x2.promote_low_f32x4(hf));
  totHi = f64x2.add(totHi, f64x2.promote_low_f32x4(i32x4.shuffle(hf, hf, 2, 3, 0, 1)));
  maxH = f32x4.pmax(maxH, hf);
}

/** Statistics of one kernel call, kept in locals by the kernels and added to the globals once. */
// @ts-ignore: decorator
@inline function mergeStats(tlo: v128, thi: v128, nz: v128, nn: v128, mnv: v128, mxv: v128, mns: v128, mxs: v128, mh: v128): void {
  totLo = f64x2.add(totLo, tlo); totHi = f64x2.add(totHi, thi);
  nZero = i32x4.add(nZero, nz); nNan = i32x4.add(nNan, nn);
  minV = f32x4.pmin(minV, mnv); maxV = f32x4.pmax(maxV, mxv);
  minS = i32x4.min_u(minS, mns); maxS = f32x4.pmax(maxS, mxs);
  maxH = f32x4.pmax(maxH, mh);
}

// The kernel bodies below are macros (inlined with constant dt/withLabels into one function per
// specialisation). Their per-voxel finish, for four voxels with class sum s and h0 = log2 s - t/s:
//   h = pmax(h0, 0) (rounding can dip below 0; pmax keeps NaN), 0 where s == 0 (counted), * unit;
//   min/max of the class sums over s > 0 (zero sums replaced by +-Inf; padding lanes repeat voxel
//   n-1, so they change no min/max); NaN count, f64 totals and max of the finite valid entropies.

/** First-maximum label update for class c: lanes where raw beats the best so far take c. */
// @ts-ignore: decorator
@inline function labelStep(lab: v128, raw: v128, best: v128, c: i32): v128 {
  return i32x4.max_s(lab, v128.and(f32x4.gt(raw, best), i32x4.splat(c)));
}

/** Class values below FLT_MIN (zero, negative, denormal) count as 0: they never reach the
 *  arithmetic (a denormal operand costs a microcode assist), and 0 * (finite log2 of the raw bits)
 *  adds exactly 0. NaN stays NaN. */
// @ts-ignore: decorator
@inline function flushTiny(raw: v128, fltmin: v128): v128 {
  return v128.andnot(raw, f32x4.lt(raw, fltmin));
}

/**
 * Pass A of the softmax kernel over voxels [b0, b1) of the slab: class sums s and sums of
 * x log2 x into SCR_S / SCR_T, labels (first maximum) into `labels`. `CC` > 0 is a class count
 * fixed at compile time: the class loop is written out (no loop overhead, and the register
 * allocator sees the whole group: about 11% faster for C = 8, see bench/README.md; neither V8 nor
 * Binaryen unrolls a loop with a constant bound). Adds the block's value range to the globals.
 */
// @ts-ignore: decorator
@inline function passA(dt: i32, withLabels: bool, CC: i32, src: usize, classes: i32, b0: i32, b1: i32, cs: usize, labels: usize, slope: f64, inter: f64): void {
  const sh = shiftOf(dt);
  const fltmin = v128.load(CONSTS + K_FLTMIN), off = v128.load(CONSTS + K_OFF), hi = v128.load(CONSTS + K_HI), one = v128.load(CONSTS + K_ONE);
  const p0 = v128.load(CONSTS + K_P0), p1 = v128.load(CONSTS + K_P1), p2 = v128.load(CONSTS + K_P2);
  const zv = f32x4.splat(0);
  let k0 = zv, k1 = zv, k3 = zv, k4 = zv;
  if (dt == DT_F16) { k0 = v128.load(CONSTS + K_B112); k1 = v128.load(CONSTS + K_INFT); k3 = v128.load(CONSTS + K_M14); k4 = v128.load(CONSTS + K_SIGN); }
  const sl = f64x2.splat(slope), it = f64x2.splat(inter);
  const dq = f32x4.splat(<f32>(1 / slope)), iq = f32x4.splat(<f32>inter);
  let mn = f32x4.splat(Infinity), mx = f32x4.splat(-Infinity);
  let far = zv;
  for (let v = b0; v < b1; v += 4) {
    let s = zv, t = zv;
    let best = hi, lab = zv;
    let p = src + (<usize>v << sh);
    if (CC == 0) {
      for (let c = 0; c < classes; c++, p += cs) {
        const raw = ld4(dt, p, zv, k0, k1, fltmin, k3, k4, sl, it, dq, iq);
        mn = f32x4.pmin(mn, raw); mx = f32x4.pmax(mx, raw);
        const x = flushTiny(raw, fltmin);
        s = f32x4.add(s, x); t = mad(x, log2v(raw, off, hi, one, p0, p1, p2), t);
        if (withLabels) { lab = labelStep(lab, raw, best, c); best = f32x4.pmax(best, raw); }
      }
    } else {
      let r: v128, x: v128;
      r = ld4(dt, p, zv, k0, k1, fltmin, k3, k4, sl, it, dq, iq); mn = f32x4.pmin(mn, r); mx = f32x4.pmax(mx, r);
      x = flushTiny(r, fltmin); s = f32x4.add(s, x); t = mad(x, log2v(r, off, hi, one, p0, p1, p2), t);
      if (withLabels) best = f32x4.pmax(best, r);
      if (CC > 1) {
        r = ld4(dt, p + 1 * cs, zv, k0, k1, fltmin, k3, k4, sl, it, dq, iq); mn = f32x4.pmin(mn, r); mx = f32x4.pmax(mx, r);
        x = flushTiny(r, fltmin); s = f32x4.add(s, x); t = mad(x, log2v(r, off, hi, one, p0, p1, p2), t);
        if (withLabels) { lab = labelStep(lab, r, best, 1); best = f32x4.pmax(best, r); }
      }
      if (CC > 2) {
        r = ld4(dt, p + 2 * cs, zv, k0, k1, fltmin, k3, k4, sl, it, dq, iq); mn = f32x4.pmin(mn, r); mx = f32x4.pmax(mx, r);
        x = flushTiny(r, fltmin); s = f32x4.add(s, x); t = mad(x, log2v(r, off, hi, one, p0, p1, p2), t);
        if (withLabels) { lab = labelStep(lab, r, best, 2); best = f32x4.pmax(best, r); }
      }
      if (CC > 3) {
        r = ld4(dt, p + 3 * cs, zv, k0, k1, fltmin, k3, k4, sl, it, dq, iq); mn = f32x4.pmin(mn, r); mx = f32x4.pmax(mx, r);
        x = flushTiny(r, fltmin); s = f32x4.add(s, x); t = mad(x, log2v(r, off, hi, one, p0, p1, p2), t);
        if (withLabels) { lab = labelStep(lab, r, best, 3); best = f32x4.pmax(best, r); }
      }
      if (CC > 4) {
        r = ld4(dt, p + 4 * cs, zv, k0, k1, fltmin, k3, k4, sl, it, dq, iq); mn = f32x4.pmin(mn, r); mx = f32x4.pmax(mx, r);
        x = flushTiny(r, fltmin); s = f32x4.add(s, x); t = mad(x, log2v(r, off, hi, one, p0, p1, p2), t);
        if (withLabels) { lab = labelStep(lab, r, best, 4); best = f32x4.pmax(best, r); }
      }
      if (CC > 5) {
        r = ld4(dt, p + 5 * cs, zv, k0, k1, fltmin, k3, k4, sl, it, dq, iq); mn = f32x4.pmin(mn, r); mx = f32x4.pmax(mx, r);
        x = flushTiny(r, fltmin); s = f32x4.add(s, x); t = mad(x, log2v(r, off, hi, one, p0, p1, p2), t);
        if (withLabels) { lab = labelStep(lab, r, best, 5); best = f32x4.pmax(best, r); }
      }
      if (CC > 6) {
        r = ld4(dt, p + 6 * cs, zv, k0, k1, fltmin, k3, k4, sl, it, dq, iq); mn = f32x4.pmin(mn, r); mx = f32x4.pmax(mx, r);
        x = flushTiny(r, fltmin); s = f32x4.add(s, x); t = mad(x, log2v(r, off, hi, one, p0, p1, p2), t);
        if (withLabels) { lab = labelStep(lab, r, best, 6); best = f32x4.pmax(best, r); }
      }
      if (CC > 7) {
        r = ld4(dt, p + 7 * cs, zv, k0, k1, fltmin, k3, k4, sl, it, dq, iq); mn = f32x4.pmin(mn, r); mx = f32x4.pmax(mx, r);
        x = flushTiny(r, fltmin); s = f32x4.add(s, x); t = mad(x, log2v(r, off, hi, one, p0, p1, p2), t);
        if (withLabels) { lab = labelStep(lab, r, best, 7); best = f32x4.pmax(best, r); }
      }
    }
    const q = <usize>(v - b0) << 2;
    v128.store(SCR_S + q, s);
    v128.store(SCR_T + q, t);
    if (withLabels) v128.store(labels + (<usize>v << 2), lab);
    // class sums outside [sqrt(1/2), sqrt(2)) (exponent != 0) other than 0: pass B redoes them
    far = v128.or(far, v128.andnot(i32x4.shr_s(i32x4.sub(s, off), 23), f32x4.eq(s, zv)));
  }
  blockFar = v128.any_true(far);
  minV = f32x4.pmin(minV, mn); maxV = f32x4.pmax(maxV, mx);
}

/** Pass A through the value tables (f16, u8, u16; see U8TAB): per element two table loads instead of
 *  decode + log2, the same sums bit for bit. Otherwise as passA, but always a class loop: written
 *  out for a fixed class count it was no faster (C = 8: 72 against 65 ms per 256^3). */
// @ts-ignore: decorator
@inline function passATab(dt: i32, withLabels: bool, src: usize, classes: i32, b0: i32, b1: i32, cs: usize, labels: usize): void {
  const sh = shiftOf(dt);
  const fltmin = v128.load(CONSTS + K_FLTMIN), off = v128.load(CONSTS + K_OFF), hi = v128.load(CONSTS + K_HI);
  const zv = f32x4.splat(0);
  let mn = f32x4.splat(Infinity), mx = f32x4.splat(-Infinity);
  let far = zv;
  for (let v = b0; v < b1; v += 4) {
    let s = zv, t = zv;
    let best = hi, lab = zv;
    let p = src + (<usize>v << sh);
    let a: v128, b: v128, r: v128;
    for (let c = 0; c < classes; c++, p += cs) {
      a = tabPair(dt, p, 0); b = tabPair(dt, p, 2);
      r = i32x4.shuffle(a, b, 0, 2, 4, 6); mn = f32x4.pmin(mn, r); mx = f32x4.pmax(mx, r);
      s = f32x4.add(s, tabFlush(dt, r, fltmin, zv)); t = f32x4.add(i32x4.shuffle(a, b, 1, 3, 5, 7), t);
      if (withLabels) { lab = labelStep(lab, r, best, c); best = f32x4.pmax(best, r); }
    }
    const o = <usize>(v - b0) << 2;
    v128.store(SCR_S + o, s);
    v128.store(SCR_T + o, t);
    if (withLabels) v128.store(labels + (<usize>v << 2), lab);
    far = v128.or(far, v128.andnot(i32x4.shr_s(i32x4.sub(s, off), 23), f32x4.eq(s, zv)));
  }
  blockFar = v128.any_true(far);
  minV = f32x4.pmin(minV, mn); maxV = f32x4.pmax(maxV, mx);
}

/**
 * Softmax over few classes (C <= 8): four voxels at a time, all classes in registers, f32
 * accumulation. H = log2 s - (sum x log2 x) / s: the renormalised entropy with one division per
 * voxel.
 */
// @ts-ignore: decorator
@inline function softmaxReg(dt: i32, withLabels: bool, CC: i32, src: usize, classes: i32, n: i32, classStride: i32, out: usize, labels: usize, unitScale: f32, slope: f64, inter: f64): void {
  const sh = shiftOf(dt);
  const cs = <usize>classStride << sh;
  for (let b0 = 0; b0 < n; b0 += BV) {
    const b1 = min(b0 + BV, n);
    if (tabulated(dt)) passATab(dt, withLabels, src, classes, b0, b1, cs, labels);
    else passA(dt, withLabels, CC, src, classes, b0, b1, cs, labels, slope, inter);
    // pass B: per-voxel finish, out of line (its own registers)
    finishBlock(dt, src, b0, b1, n, classes, cs, out, labels, unitScale, slope, inter, sh);
  }
}

/**
 * Softmax over many classes (C >= 9): four voxels at a time, classes in chunks of four whose f32
 * partial sums are added to f64 accumulators (f32 sums of 100+ terms would miss the 1e-6 bit
 * accuracy target); the entropy itself in f64.
 */
// @ts-ignore: decorator
@inline function softmaxWide(dt: i32, withLabels: bool, src: usize, classes: i32, n: i32, classStride: i32, out: usize, labels: usize, unitScale: f32, slope: f64, inter: f64): void {
  const sh = shiftOf(dt);
  const cs = <usize>classStride << sh;
  const fltmin = v128.load(CONSTS + K_FLTMIN), off = v128.load(CONSTS + K_OFF), hi = v128.load(CONSTS + K_HI), one = v128.load(CONSTS + K_ONE);
  const p0 = v128.load(CONSTS + K_P0), p1 = v128.load(CONSTS + K_P1), p2 = v128.load(CONSTS + K_P2);
  const pinf = v128.load(CONSTS + K_INF);
  const zv = f32x4.splat(0);
  let k0 = zv, k1 = zv, k3 = zv, k4 = zv;
  if (dt == DT_F16) { k0 = v128.load(CONSTS + K_B112); k1 = v128.load(CONSTS + K_INFT); k3 = v128.load(CONSTS + K_M14); k4 = v128.load(CONSTS + K_SIGN); }
  const sl = f64x2.splat(slope), it = f64x2.splat(inter);
  const dq = f32x4.splat(<f32>(1 / slope)), iq = f32x4.splat(<f32>inter);
  const scale = f32x4.splat(unitScale);
  const nv = i32x4.splat(n);
  let vi = i32x4(0, 1, 2, 3);
  let mn = f32x4.splat(Infinity), mx = f32x4.splat(-Infinity);
  let tlo = f64x2.splat(0), thi = f64x2.splat(0), nz = i32x4.splat(0), nn = i32x4.splat(0);
  let mns = i32x4.splat(-1), mxs = hi, mh = zv;
  for (let v = 0; v < n; v += 4) {
    let sLo = f64x2.splat(0), sHi = f64x2.splat(0), tLo = f64x2.splat(0), tHi = f64x2.splat(0);
    let best = hi, lab = zv;
    let p = src + (<usize>v << sh);
    for (let c0 = 0; c0 < classes; c0 += 4) {
      let s = zv, t = zv;
      const ce = min(c0 + 4, classes);
      for (let c = c0; c < ce; c++, p += cs) {
        let raw: v128;
        if (tabulated(dt)) {
          const a = tabPair(dt, p, 0), b = tabPair(dt, p, 2);
          raw = i32x4.shuffle(a, b, 0, 2, 4, 6);
          s = f32x4.add(s, tabFlush(dt, raw, fltmin, zv));
          t = f32x4.add(i32x4.shuffle(a, b, 1, 3, 5, 7), t);
        } else {
          raw = ld4(dt, p, zv, k0, k1, fltmin, k3, k4, sl, it, dq, iq);
          const x = flushTiny(raw, fltmin);
          s = f32x4.add(s, x);
          t = mad(x, log2v(raw, off, hi, one, p0, p1, p2), t);   // log of the raw bits: finite for any input, off the flush path
        }
        mn = f32x4.pmin(mn, raw);
        mx = f32x4.pmax(mx, raw);
        if (withLabels) {
          lab = i32x4.max_s(lab, v128.and(f32x4.gt(raw, best), i32x4.splat(c)));
          best = f32x4.pmax(best, raw);
        }
      }
      sLo = f64x2.add(sLo, f64x2.promote_low_f32x4(s));
      sHi = f64x2.add(sHi, f64x2.promote_low_f32x4(i32x4.shuffle(s, s, 2, 3, 0, 1)));
      tLo = f64x2.add(tLo, f64x2.promote_low_f32x4(t));
      tHi = f64x2.add(tHi, f64x2.promote_low_f32x4(i32x4.shuffle(t, t, 2, 3, 0, 1)));
    }
    const s = i32x4.shuffle(f32x4.demote_f64x2_zero(sLo), f32x4.demote_f64x2_zero(sHi), 0, 1, 4, 5);
    let ls = log2v(s, off, hi, one, p0, p1, p2);
    // class sums outside [sqrt(1/2), sqrt(2)): redo relative to the exponent of s (rare in softmax output)
    const es = i32x4.shr_s(i32x4.sub(s, off), 23);
    const zero = f32x4.eq(s, zv);
    if (!i32x4.all_true(v128.or(i32x4.eq(es, zv), zero)) && !v128.any_true(i32x4.gt_s(es, i32x4.splat(HUGE_ES)))) {
      tLo = f64x2.splat(0); tHi = f64x2.splat(0);
      p = src + (<usize>v << sh);
      for (let c0 = 0; c0 < classes; c0 += 4) {
        let t = zv;
        const ce = min(c0 + 4, classes);
        for (let c = c0; c < ce; c++, p += cs) {
          const raw = ld4(dt, p, zv, k0, k1, fltmin, k3, k4, sl, it, dq, iq);
          const x = flushTiny(raw, fltmin);
          t = mad(x, log2vOff(x, es, off, hi, one, p0, p1, p2), t);
        }
        tLo = f64x2.add(tLo, f64x2.promote_low_f32x4(t));
        tHi = f64x2.add(tHi, f64x2.promote_low_f32x4(i32x4.shuffle(t, t, 2, 3, 0, 1)));
      }
      ls = log2vOff(s, es, off, hi, one, p0, p1, p2);
    } else if (!i32x4.all_true(v128.or(i32x4.eq(es, zv), zero))) {
      // as redoBody for sums of 2^100 and more: on x * 2^-es, so that neither the sums nor x log2 x can overflow
      tLo = f64x2.splat(0); tHi = f64x2.splat(0); sLo = f64x2.splat(0); sHi = f64x2.splat(0);
      p = src + (<usize>v << sh);
      for (let c0 = 0; c0 < classes; c0 += 4) {
        let t = zv, sp = zv;
        const ce = min(c0 + 4, classes);
        for (let c = c0; c < ce; c++, p += cs) {
          const raw = ld4(dt, p, zv, k0, k1, fltmin, k3, k4, sl, it, dq, iq);
          const x = flushTiny(raw, fltmin);
          const xs = scaleExp(x, es, fltmin, pinf);
          sp = f32x4.add(sp, xs);
          t = mad(xs, log2vOff(x, es, off, hi, one, p0, p1, p2), t);
        }
        sLo = f64x2.add(sLo, f64x2.promote_low_f32x4(sp));
        sHi = f64x2.add(sHi, f64x2.promote_low_f32x4(i32x4.shuffle(sp, sp, 2, 3, 0, 1)));
        tLo = f64x2.add(tLo, f64x2.promote_low_f32x4(t));
        tHi = f64x2.add(tHi, f64x2.promote_low_f32x4(i32x4.shuffle(t, t, 2, 3, 0, 1)));
      }
      ls = log2v(i32x4.shuffle(f32x4.demote_f64x2_zero(sLo), f32x4.demote_f64x2_zero(sHi), 0, 1, 4, 5), off, hi, one, p0, p1, p2);
    }
    const hlo = f64x2.sub(f64x2.promote_low_f32x4(ls), f64x2.div(tLo, sLo));
    const hhi = f64x2.sub(f64x2.promote_low_f32x4(i32x4.shuffle(ls, ls, 2, 3, 0, 1)), f64x2.div(tHi, sHi));
    const valid = i32x4.gt_s(nv, vi);
    vi = i32x4.add(vi, v128.load(CONSTS + K_FOUR));
    let h = f32x4.pmax(i32x4.shuffle(f32x4.demote_f64x2_zero(hlo), f32x4.demote_f64x2_zero(hhi), 0, 1, 4, 5), zv);
    h = f32x4.mul(v128.andnot(h, zero), scale);
    v128.store(out + (<usize>v << 2), h);
    if (withLabels) v128.store(labels + (<usize>v << 2), v128.or(lab, f32x4.ne(s, s)));
    nz = i32x4.sub(nz, v128.and(zero, valid));
    mns = i32x4.min_u(mns, i32x4.sub(s, i32x4.splat(1)));     // zero sums wrap to 0xffffffff
    mxs = f32x4.pmax(mxs, s);                                // 0 if only zero sums: -Inf at the end
    const nan = f32x4.ne(h, h);
    nn = i32x4.sub(nn, v128.and(nan, valid));
    const hf = v128.and(v128.andnot(h, nan), valid);
    tlo = f64x2.add(tlo, f64x2.promote_low_f32x4(hf));
    thi = f64x2.add(thi, f64x2.promote_low_f32x4(i32x4.shuffle(hf, hf, 2, 3, 0, 1)));
    mh = f32x4.pmax(mh, hf);
  }
  mergeStats(tlo, thi, nz, nn, mn, mx, mns, mxs, mh);
}

/** h0 = log2 s - t/s of four voxels recomputed relative to the exponent es of their class sums
 *  (log2vOff), for sums far from 1 where the plain form loses ~1e-5 bits to cancellation. */
// @ts-ignore: decorator
@inline function redoBody(dt: i32, p: usize, classes: i32, cs: usize, es: v128, slope: f64, inter: f64): v128 {
  const fltmin = v128.load(CONSTS + K_FLTMIN), off = v128.load(CONSTS + K_OFF), hi = v128.load(CONSTS + K_HI), one = v128.load(CONSTS + K_ONE);
  const p0 = v128.load(CONSTS + K_P0), p1 = v128.load(CONSTS + K_P1), p2 = v128.load(CONSTS + K_P2);
  const zv = f32x4.splat(0);
  let k0 = zv, k1 = zv, k3 = zv, k4 = zv;
  if (dt == DT_F16) { k0 = v128.load(CONSTS + K_B112); k1 = v128.load(CONSTS + K_INFT); k3 = v128.load(CONSTS + K_M14); k4 = v128.load(CONSTS + K_SIGN); }
  const sl = f64x2.splat(slope), it = f64x2.splat(inter);
  const dq = f32x4.splat(<f32>(1 / slope)), iq = f32x4.splat(<f32>inter);
  // sums of 2^100 and more (or Inf/NaN): on x * 2^-es, so that neither s nor x log2 x overflows
  const scaled = v128.any_true(i32x4.gt_s(es, i32x4.splat(HUGE_ES)));
  const inf = v128.load(CONSTS + K_INF);
  let t = zv, s = zv;
  for (let c = 0; c < classes; c++, p += cs) {
    const raw = ld4(dt, p, zv, k0, k1, fltmin, k3, k4, sl, it, dq, iq);
    const x = flushTiny(raw, fltmin);
    const xs = scaled ? scaleExp(x, es, fltmin, inf) : x;
    s = f32x4.add(s, xs);
    t = mad(xs, log2vOff(x, es, off, hi, one, p0, p1, p2), t);
  }
  return f32x4.sub(log2vOff(s, scaled ? zv : es, off, hi, one, p0, p1, p2), f32x4.div(t, s));
}

/** Sum exponents above this take the scaled redo: below it, t = sum x (log2 x - es) stays under
 *  s * 2^8 < 2^108 (and a wide kernel's partial of four classes under 2^110): far from FLT_MAX. */
// @ts-ignore: decorator
@inline const HUGE_ES: i32 = 100;

/** x * 2^-es for flushed lanes x (0, >= FLT_MIN, Inf or NaN), by moving the exponent: exact, and
 *  0 where the result would fall below FLT_MIN (such a class is below 2^-125 of the voxel's sum:
 *  it changes the entropy by less than 1e-35 bits). Inf and NaN stay as they are. The redo works
 *  on x * 2^-es, whose sum is near 1: x log2 x of values near FLT_MAX would overflow float32. */
// @ts-ignore: decorator
@inline function scaleExp(x: v128, es: v128, fltmin: v128, inf: v128): v128 {
  const y = i32x4.sub(x, i32x4.shl(es, 23));
  const zero = v128.or(i32x4.lt_s(x, fltmin), i32x4.lt_s(y, fltmin));   // x == 0, or underflow
  return v128.bitselect(x, v128.andnot(y, zero), i32x4.ge_u(x, inf));
}
function redoF32(p: usize, C: i32, cs: usize, es: v128, a: f64, b: f64): v128 { return redoBody(DT_F32, p, C, cs, es, a, b); }
function redoF64(p: usize, C: i32, cs: usize, es: v128, a: f64, b: f64): v128 { return redoBody(DT_F64, p, C, cs, es, a, b); }
function redoF16(p: usize, C: i32, cs: usize, es: v128, a: f64, b: f64): v128 { return redoBody(DT_F16, p, C, cs, es, a, b); }
function redoU8(p: usize, C: i32, cs: usize, es: v128, a: f64, b: f64): v128 { return redoBody(DT_U8, p, C, cs, es, a, b); }
function redoU16(p: usize, C: i32, cs: usize, es: v128, a: f64, b: f64): v128 { return redoBody(DT_U16, p, C, cs, es, a, b); }
function redoU8F(p: usize, C: i32, cs: usize, es: v128, a: f64, b: f64): v128 { return redoBody(DT_U8F, p, C, cs, es, a, b); }
function redoU16F(p: usize, C: i32, cs: usize, es: v128, a: f64, b: f64): v128 { return redoBody(DT_U16F, p, C, cs, es, a, b); }

type Redo = (p: usize, C: i32, cs: usize, es: v128, a: f64, b: f64) => v128;
const REDO: StaticArray<Redo> = [redoF32, redoF64, redoF16, redoU8, redoU16, redoU8F, redoU16F];

/**
 * Pass B of the softmax kernel for voxels [v0, v1) of the slab (class sums and sums of x log2 x
 * in SCR_S / SCR_T): entropy, zero sums, unit, statistics (added to the globals), label NaN marks.
 * Out of line, so that its loop keeps its values in registers; `masked` only for the last group of
 * a slab (lanes at or beyond n are padding and stay out of the counts and totals).
 */
// @ts-ignore: decorator
@inline function finishBody(masked: bool, withRedo: bool, dt: i32, src: usize, v0: i32, v1: i32, n: i32, classes: i32, cs: usize, out: usize, labels: usize, unitScale: f32, slope: f64, inter: f64, sh: usize, sb: usize, tb: usize): void {
  const off = v128.load(CONSTS + K_OFF), hi = v128.load(CONSTS + K_HI), one = v128.load(CONSTS + K_ONE);
  const p0 = v128.load(CONSTS + K_P0), p1 = v128.load(CONSTS + K_P1), p2 = v128.load(CONSTS + K_P2);
  const zv = f32x4.splat(0);
  const scale = f32x4.splat(unitScale);
  let tlo = totLo, thi = totHi, nz = nZero, nn = nNan, mns = minS, mxs = maxS, mh = maxH;
  for (let v = v0; v < v1; v += 4) {
    const q = <usize>(v - v0) << 2;
    const s = v128.load(sb + q);
    const t = v128.load(tb + q);
    const zero = f32x4.eq(s, zv);
    // class sums outside [sqrt(1/2), sqrt(2)) (exponent es != 0): redo relative to the exponent
    // of s (rare in softmax output; out of line)
    const es = i32x4.shr_s(i32x4.sub(s, off), 23);
    let h0: v128;
    if (!withRedo || !v128.any_true(v128.andnot(es, zero))) {
      // s in [sqrt(1/2), sqrt(2)): log2 s = u P(u^2) has no exponent part
      const u = f32x4.div(f32x4.sub(s, one), f32x4.add(s, one));
      const z = f32x4.mul(u, u);
      h0 = f32x4.sub(f32x4.mul(u, mad(mad(p2, z, p1), z, p0)), f32x4.div(t, s));
    } else h0 = unchecked(REDO[dt - DT_F32])(src + (<usize>v << sh), classes, cs, es, slope, inter);
    let h = f32x4.pmax(h0, zv);                               // rounding can dip below 0; pmax keeps NaN
    h = f32x4.mul(v128.andnot(h, zero), scale);              // all-zero vector: entropy 0, counted
    v128.store(out + (<usize>v << 2), h);
    if (labels != 0) { const pl = labels + (<usize>v << 2); v128.store(pl, v128.or(v128.load(pl), f32x4.ne(s, s))); }
    mns = i32x4.min_u(mns, i32x4.sub(s, i32x4.splat(1)));     // zero sums wrap to 0xffffffff
    mxs = f32x4.pmax(mxs, s);                                 // 0 if only zero sums: -Inf in statsWrite
    const nan = f32x4.ne(h, h);
    let hf = v128.andnot(h, nan);
    if (masked) {
      const valid = i32x4.gt_s(i32x4.splat(n - v), v128.load(CONSTS + K_IOTA));
      nz = i32x4.sub(nz, v128.and(zero, valid));
      nn = i32x4.sub(nn, v128.and(nan, valid));
      hf = v128.and(hf, valid);
    } else {
      nz = i32x4.sub(nz, zero);
      nn = i32x4.sub(nn, nan);
    }
    tlo = f64x2.add(tlo, f64x2.promote_low_f32x4(hf));
    thi = f64x2.add(thi, f64x2.promote_low_f32x4(i32x4.shuffle(hf, hf, 2, 3, 0, 1)));
    mh = f32x4.pmax(mh, hf);
  }
  totLo = tlo; totHi = thi; nZero = nz; nNan = nn; minS = mns; maxS = mxs; maxH = mh;
}
// Whole groups of a block without far sums: no redo call in the loop, so V8 keeps the running
// statistics in registers (a call inside the loop spilled them on every group: pass B ~20% faster).
function finishFull(dt: i32, src: usize, v0: i32, v1: i32, n: i32, classes: i32, cs: usize, out: usize, labels: usize, unitScale: f32, slope: f64, inter: f64, sh: usize, sb: usize, tb: usize): void {
  finishBody(false, false, dt, src, v0, v1, n, classes, cs, out, labels, unitScale, slope, inter, sh, sb, tb);
}
function finishFullRedo(dt: i32, src: usize, v0: i32, v1: i32, n: i32, classes: i32, cs: usize, out: usize, labels: usize, unitScale: f32, slope: f64, inter: f64, sh: usize, sb: usize, tb: usize): void {
  finishBody(false, true, dt, src, v0, v1, n, classes, cs, out, labels, unitScale, slope, inter, sh, sb, tb);
}
function finishTail(dt: i32, src: usize, v0: i32, v1: i32, n: i32, classes: i32, cs: usize, out: usize, labels: usize, unitScale: f32, slope: f64, inter: f64, sh: usize, sb: usize, tb: usize): void {
  finishBody(true, true, dt, src, v0, v1, n, classes, cs, out, labels, unitScale, slope, inter, sh, sb, tb);
}

/** Pass B for [v0, v1): whole groups unmasked, a last partial group (v1 == n, n % 4 != 0) masked. */
// @ts-ignore: decorator
@inline function finishBlock(dt: i32, src: usize, v0: i32, v1: i32, n: i32, classes: i32, cs: usize, out: usize, labels: usize, unitScale: f32, slope: f64, inter: f64, sh: usize): void {
  const vf = v0 + ((v1 - v0) & ~3);
  if (vf > v0) {
    if (blockFar) finishFullRedo(dt, src, v0, vf, n, classes, cs, out, labels, unitScale, slope, inter, sh, SCR_S, SCR_T);
    else finishFull(dt, src, v0, vf, n, classes, cs, out, labels, unitScale, slope, inter, sh, SCR_S, SCR_T);
  }
  if (vf < v1) {
    const q = <usize>(vf - v0) << 2;
    finishTail(dt, src, vf, v1, n, classes, cs, out, labels, unitScale, slope, inter, sh, SCR_S + q, SCR_T + q);
  }
}

// One function per specialisation. They are reached through a function table (call_indirect with
// a run-time index), so that Binaryen neither inlines them into one giant dispatcher nor folds the
// specialisations back into run-time dtype tests inside the hot loop (which it did when they were
// all inlined into one function).
type Kern = (src: usize, classes: i32, n: i32, classStride: i32, out: usize, labels: usize, unitScale: f32, slope: f64, inter: f64) => void;

function regF32(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F32, false, 0, s, C, n, cs, o, l, u, a, b); }
function regF32L(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F32, true, 0, s, C, n, cs, o, l, u, a, b); }
function regF64(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F64, false, 0, s, C, n, cs, o, l, u, a, b); }
function regF64L(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F64, true, 0, s, C, n, cs, o, l, u, a, b); }
function regF16(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F16, false, 0, s, C, n, cs, o, l, u, a, b); }
function regF16L(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F16, true, 0, s, C, n, cs, o, l, u, a, b); }
function regU8(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_U8, false, 0, s, C, n, cs, o, l, u, a, b); }
function regU8L(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_U8, true, 0, s, C, n, cs, o, l, u, a, b); }
function regU16(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_U16, false, 0, s, C, n, cs, o, l, u, a, b); }
function regU16L(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_U16, true, 0, s, C, n, cs, o, l, u, a, b); }
function regU8F(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_U8F, false, 0, s, C, n, cs, o, l, u, a, b); }
function regU8FL(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_U8F, true, 0, s, C, n, cs, o, l, u, a, b); }
function regU16F(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_U16F, false, 0, s, C, n, cs, o, l, u, a, b); }
function regU16FL(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_U16F, true, 0, s, C, n, cs, o, l, u, a, b); }
function wideU8F(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxWide(DT_U8F, false, s, C, n, cs, o, l, u, a, b); }
function wideU8FL(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxWide(DT_U8F, true, s, C, n, cs, o, l, u, a, b); }
function wideU16F(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxWide(DT_U16F, false, s, C, n, cs, o, l, u, a, b); }
function wideU16FL(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxWide(DT_U16F, true, s, C, n, cs, o, l, u, a, b); }
function wideF32(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxWide(DT_F32, false, s, C, n, cs, o, l, u, a, b); }
function wideF32L(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxWide(DT_F32, true, s, C, n, cs, o, l, u, a, b); }
function wideF64(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxWide(DT_F64, false, s, C, n, cs, o, l, u, a, b); }
function wideF64L(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxWide(DT_F64, true, s, C, n, cs, o, l, u, a, b); }
function wideF16(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxWide(DT_F16, false, s, C, n, cs, o, l, u, a, b); }
function wideF16L(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxWide(DT_F16, true, s, C, n, cs, o, l, u, a, b); }
function wideU8(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxWide(DT_U8, false, s, C, n, cs, o, l, u, a, b); }
function wideU8L(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxWide(DT_U8, true, s, C, n, cs, o, l, u, a, b); }
function wideU16(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxWide(DT_U16, false, s, C, n, cs, o, l, u, a, b); }
function wideU16L(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxWide(DT_U16, true, s, C, n, cs, o, l, u, a, b); }
function logitsK(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { otherKind(KIND_LOGITS, s, C, n, cs, o, u); }
function sigmoidK(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { otherKind(KIND_SIGMOID, s, C, n, cs, o, u); }
function tissueK(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { otherKind(KIND_TISSUE, s, C, n, cs, o, u); }

// Fixed class counts 2..8 for f32 (nnU-Net v2), with and without labels: the class loop written out
// (softmaxReg with CC > 0). f16, u8 and u16 read tables in a class loop (passATab), as fast.
function fixF32C2(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F32, false, 2, s, C, n, cs, o, l, u, a, b); }
function fixF32C3(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F32, false, 3, s, C, n, cs, o, l, u, a, b); }
function fixF32C4(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F32, false, 4, s, C, n, cs, o, l, u, a, b); }
function fixF32C5(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F32, false, 5, s, C, n, cs, o, l, u, a, b); }
function fixF32C6(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F32, false, 6, s, C, n, cs, o, l, u, a, b); }
function fixF32C7(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F32, false, 7, s, C, n, cs, o, l, u, a, b); }
function fixF32C8(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F32, false, 8, s, C, n, cs, o, l, u, a, b); }
function fixF32LC2(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F32, true, 2, s, C, n, cs, o, l, u, a, b); }
function fixF32LC3(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F32, true, 3, s, C, n, cs, o, l, u, a, b); }
function fixF32LC4(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F32, true, 4, s, C, n, cs, o, l, u, a, b); }
function fixF32LC5(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F32, true, 5, s, C, n, cs, o, l, u, a, b); }
function fixF32LC6(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F32, true, 6, s, C, n, cs, o, l, u, a, b); }
function fixF32LC7(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F32, true, 7, s, C, n, cs, o, l, u, a, b); }
function fixF32LC8(s: usize, C: i32, n: i32, cs: i32, o: usize, l: usize, u: f32, a: f64, b: f64): void { softmaxReg(DT_F32, true, 8, s, C, n, cs, o, l, u, a, b); }

const KERNELS: StaticArray<Kern> = [
  regF32, regF32L, regF64, regF64L, regF16, regF16L, regU8, regU8L, regU16, regU16L, regU8F, regU8FL, regU16F, regU16FL,
  wideF32, wideF32L, wideF64, wideF64L, wideF16, wideF16L, wideU8, wideU8L, wideU16, wideU16L, wideU8F, wideU8FL, wideU16F, wideU16FL,
  logitsK, sigmoidK, tissueK,
  fixF32C2, fixF32C3, fixF32C4, fixF32C5, fixF32C6, fixF32C7, fixF32C8,
  fixF32LC2, fixF32LC3, fixF32LC4, fixF32LC5, fixF32LC6, fixF32LC7, fixF32LC8,
];

/** Index in KERNELS of the first fixed-class-count specialisation. */
// @ts-ignore: decorator
@inline const FIXED_BASE: i32 = 31;

/** The kernel for (kind, dtype, classes, labels). */
function kernelFor(kind: i32, dtype: i32, classes: i32, labels: usize, slope: f64, inter: f64): Kern {
  if (kind != KIND_SOFTMAX) return unchecked(KERNELS[28 + min(max(kind, 1), 3) - 1]);
  let d = dtype >= DT_F32 && dtype <= DT_U16 ? dtype : DT_F32;
  if (d == DT_U8) { u8Table(slope, inter); d = DT_U8F; }
  else if (d == DT_F16) w16Table(DT_F16, 1, 0);
  else if (d == DT_U16) {
    w16Table(DT_U16, slope, inter);
    if (fastIntOk(d, slope, inter)) d = DT_U16F;   // the faster decoder of the rare redo path
  }
  if (classes >= 2 && classes <= 8 && d == DT_F32) {
    return unchecked(KERNELS[FIXED_BASE + (labels != 0 ? 7 : 0) + classes - 2]);
  }
  return unchecked(KERNELS[(classes >= WIDE_MIN_C ? 14 : 0) + 2 * d + (labels != 0 ? 1 : 0)]);
}

function planarImpl(kind: i32, dtype: i32, src: usize, classes: i32, n: i32, classStride: i32, out: usize, labels: usize, unitScale: f32, slope: f64, inter: f64): void {
  if (n <= 0) return;
  padPlanes(src, classes, n, classStride, kind == KIND_SOFTMAX ? shiftOf(dtype) : 2);
  kernelFor(kind, dtype, classes, labels, slope, inter)(src, classes, n, classStride, out, labels, unitScale, slope, inter);
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
  const k = kernelFor(kind, dtype, classes, labels, slope, inter);
  for (let b0 = 0; b0 < n; b0 += block) {
    const nb = min(block, n - b0);
    deinterleaveImpl(src + ((<usize>b0 * <usize>classes) << sh), classes, nb, scratch, block, sh);
    padPlanes(scratch, classes, nb, block, sh);
    k(scratch, classes, nb, block, out + (<usize>b0 << 2), labels != 0 ? labels + (<usize>b0 << 2) : 0, unitScale, slope, inter);
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
  if (sh == 2 && (C & 3) == 0) {
    // C = 8, 12, ...: a 4x4 transpose per (four voxels, four classes)
    const n4 = N & ~3;
    const row = C << 2;
    let v: usize = 0;
    for (; v < n4; v += 4) {
      const q = dst + (v << 2);
      for (let c: usize = 0; c < C; c += 4) {
        const p = src + v * row + (c << 2);
        const a = v128.load(p), b = v128.load(p + row), cc = v128.load(p + 2 * row), d = v128.load(p + 3 * row);
        const ab0 = i32x4.shuffle(a, b, 0, 4, 1, 5), cd0 = i32x4.shuffle(cc, d, 0, 4, 1, 5);
        const ab1 = i32x4.shuffle(a, b, 2, 6, 3, 7), cd1 = i32x4.shuffle(cc, d, 2, 6, 3, 7);
        const o = q + c * S;
        v128.store(o, i64x2.shuffle(ab0, cd0, 0, 2));
        v128.store(o + S, i64x2.shuffle(ab0, cd0, 1, 3));
        v128.store(o + 2 * S, i64x2.shuffle(ab1, cd1, 0, 2));
        v128.store(o + 3 * S, i64x2.shuffle(ab1, cd1, 1, 3));
      }
    }
    for (; v < N; v++) for (let c: usize = 0; c < C; c++) store<f32>(dst + c * S + (v << 2), load<f32>(src + ((v * C + c) << 2)));
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
  return flushTiny(x, f32x4.splat(FLT_MIN));
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
      // sums of e = 2^d and e*d: f32 within chunks of 4 classes, f64 across them (f32 sums over
      // a hundred classes and more miss 1e-6 bits), and the finish in f64
      let sLo = f64x2.splat(0), sHi = f64x2.splat(0), tLo = f64x2.splat(0), tHi = f64x2.splat(0);
      p = base;
      for (let c0 = 0; c0 < classes; c0 += 4) {
        let sE = f32x4.splat(0), tE = f32x4.splat(0);
        const c1 = min(c0 + 4, classes);
        for (let c = c0; c < c1; c++, p += cs) {
          // d = log2 of the unnormalised probability, clamped so that exp2 never underflows to 0*inf
          const d = f32x4.max(f32x4.mul(f32x4.sub(v128.load(p), m), f32x4.splat(LOG2E)), f32x4.splat(-126));
          const e = exp2x4(d);
          sE = f32x4.add(sE, e);
          tE = mad(e, d, tE);
        }
        sLo = f64x2.add(sLo, f64x2.promote_low_f32x4(sE)); sHi = f64x2.add(sHi, f64x2.promote_low_f32x4(i32x4.shuffle(sE, sE, 2, 3, 0, 1)));
        tLo = f64x2.add(tLo, f64x2.promote_low_f32x4(tE)); tHi = f64x2.add(tHi, f64x2.promote_low_f32x4(i32x4.shuffle(tE, tE, 2, 3, 0, 1)));
      }
      // log2 S = k + log2 m with m = S / 2^k in [sqrt(1/2), sqrt(2)): k exact in f64, log2 m small
      // in f32 (log2 S whole in f32 would round by up to 5e-7 at S ~ 300). S >= 1 (the largest
      // class contributes 2^0); its f32 rounding moves log2 S by < 1e-7.
      const sf = i32x4.shuffle(f32x4.demote_f64x2_zero(sLo), f32x4.demote_f64x2_zero(sHi), 0, 1, 4, 5);
      const ix = i32x4.sub(sf, v128.load(CONSTS + K_OFF));
      const kS = i32x4.shr_s(ix, 23);
      const lm = log2x4Fine(i32x4.sub(sf, v128.and(ix, v128.load(CONSTS + K_HI))));
      const hLo = f64x2.sub(f64x2.add(f64x2.convert_low_i32x4_s(kS), f64x2.promote_low_f32x4(lm)), f64x2.div(tLo, sLo));
      const hHi = f64x2.sub(f64x2.add(f64x2.convert_low_i32x4_s(i32x4.shuffle(kS, kS, 2, 3, 0, 1)), f64x2.promote_low_f32x4(i32x4.shuffle(lm, lm, 2, 3, 0, 1))), f64x2.div(tHi, sHi));
      h = f32x4.max(i32x4.shuffle(f32x4.demote_f64x2_zero(hLo), f32x4.demote_f64x2_zero(hHi), 0, 1, 4, 5), f32x4.splat(0));
    } else if (kind == KIND_SIGMOID) {
      // a sum of C binary entropies of up to 1 bit each: the finer log2 and f64 sums keep the
      // error per channel near 1e-7 bits instead of letting C of them add up in f32
      let hLo = f64x2.splat(0), hHi = f64x2.splat(0);
      let p = base;
      for (let c = 0; c < classes; c++, p += cs) {
        const raw = v128.load(p);
        mn = f32x4.pmin(mn, raw); mx = f32x4.pmax(mx, raw);
        const q = f32x4.min(raw, f32x4.splat(1));
        const q0 = flush(q);
        const q1 = flush(f32x4.sub(f32x4.splat(1), q));
        const b = f32x4.add(f32x4.mul(q0, log2x4Fine(q0)), f32x4.mul(q1, log2x4Fine(q1)));
        hLo = f64x2.sub(hLo, f64x2.promote_low_f32x4(b)); hHi = f64x2.sub(hHi, f64x2.promote_low_f32x4(i32x4.shuffle(b, b, 2, 3, 0, 1)));
      }
      h = f32x4.max(i32x4.shuffle(f32x4.demote_f64x2_zero(hLo), f32x4.demote_f64x2_zero(hHi), 0, 1, 4, 5), f32x4.splat(0));
    } else {
      // KIND_TISSUE, the SPM rule: clip to [0,1], divide by the sum where it exceeds 1,
      // and add the background class b = max(1 - s, 0). Up to 8 classes f32 sums stay within
      // 1e-6 bits (SPM's 3 to 6 tissue classes); from about 12 classes on they do not, and the
      // finer log2 with f64 sums and an f64 finish (b = 1 - s cancels) take over: 2x slower.
      if (classes <= 8) {
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
        h = f32x4.mul(h, scale);
        account(h, validMask(v, n));
        v128.store(out + (<usize>v << 2), h);
        continue;
      }
      let sLo = f64x2.splat(0), sHi = f64x2.splat(0), tLo = f64x2.splat(0), tHi = f64x2.splat(0);
      let p = base;
      for (let c = 0; c < classes; c++, p += cs) {
        const raw = v128.load(p);
        mn = f32x4.pmin(mn, raw); mx = f32x4.pmax(mx, raw);
        const x = flush(f32x4.min(raw, f32x4.splat(1)));
        const xl = f32x4.mul(x, log2x4Fine(x));
        sLo = f64x2.add(sLo, f64x2.promote_low_f32x4(x)); sHi = f64x2.add(sHi, f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1)));
        tLo = f64x2.add(tLo, f64x2.promote_low_f32x4(xl)); tHi = f64x2.add(tHi, f64x2.promote_low_f32x4(i32x4.shuffle(xl, xl, 2, 3, 0, 1)));
      }
      const one = f64x2.splat(1);
      const kLo = f64x2.max(sLo, one), kHi = f64x2.max(sHi, one);
      // log2 k: 0 exactly where s <= 1; else from k rounded to f32 (< 1e-7 bits)
      const lk = log2x4Fine(i32x4.shuffle(f32x4.demote_f64x2_zero(kLo), f32x4.demote_f64x2_zero(kHi), 0, 1, 4, 5));
      const b = flush(i32x4.shuffle(f32x4.demote_f64x2_zero(f64x2.sub(one, sLo)), f32x4.demote_f64x2_zero(f64x2.sub(one, sHi)), 0, 1, 4, 5));
      const bl = f32x4.mul(b, log2x4Fine(b));
      const hLo = f64x2.sub(f64x2.sub(f64x2.promote_low_f32x4(lk), f64x2.div(tLo, kLo)), f64x2.promote_low_f32x4(bl));
      const hHi = f64x2.sub(f64x2.sub(f64x2.promote_low_f32x4(i32x4.shuffle(lk, lk, 2, 3, 0, 1)), f64x2.div(tHi, kHi)), f64x2.promote_low_f32x4(i32x4.shuffle(bl, bl, 2, 3, 0, 1)));
      h = f32x4.max(i32x4.shuffle(f32x4.demote_f64x2_zero(hLo), f32x4.demote_f64x2_zero(hHi), 0, 1, 4, 5), f32x4.splat(0));
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

/**
 * The range of float64 values before they are narrowed (see src/layout/range64.ts): `planes` runs
 * of `n` f64 each, `strideBytes` apart, from `src`. Writes at `dst`: f64 smallest, f64 largest
 * (NaN ignored, ±Infinity included) and f64 1 when some value lies in (0, FLT_MIN), else 0.
 */
export function rangeF64(src: usize, planes: i32, n: i32, strideBytes: usize, dst: usize): void {
  let lo = f64x2.splat(Infinity), hi = f64x2.splat(-Infinity);
  let lo2 = lo, hi2 = hi;
  let tiny = v128.splat<i64>(0);
  const zero = f64x2.splat(0), fmin = f64x2.splat(1.1754943508222875e-38);
  const N = <usize>n;
  const n4 = N & ~3;
  let sLo: f64 = Infinity, sHi: f64 = -Infinity, sTiny = false;
  for (let c: usize = 0; c < <usize>planes; c++) {
    const base = src + c * strideBytes;
    let i: usize = 0;
    for (; i < n4; i += 4) {
      const p = base + (i << 3);
      const a = v128.load(p), b = v128.load(p, 16);
      // pmin(acc, x) = x < acc ? x : acc: a NaN x leaves acc as it is
      lo = f64x2.pmin(lo, a); hi = f64x2.pmax(hi, a);
      lo2 = f64x2.pmin(lo2, b); hi2 = f64x2.pmax(hi2, b);
      tiny = v128.or(tiny, v128.and(f64x2.gt(a, zero), f64x2.lt(a, fmin)));
      tiny = v128.or(tiny, v128.and(f64x2.gt(b, zero), f64x2.lt(b, fmin)));
    }
    for (; i < N; i++) {
      const x = load<f64>(base + (i << 3));
      if (x < sLo) sLo = x;
      if (x > sHi) sHi = x;
      if (x > 0 && x < 1.1754943508222875e-38) sTiny = true;
    }
  }
  lo = f64x2.pmin(lo, lo2); hi = f64x2.pmax(hi, hi2);
  let l = f64x2.extract_lane(lo, 0), h = f64x2.extract_lane(hi, 0);
  const l1 = f64x2.extract_lane(lo, 1), h1 = f64x2.extract_lane(hi, 1);
  if (l1 < l) l = l1;
  if (h1 > h) h = h1;
  if (sLo < l) l = sLo;
  if (sHi > h) h = sHi;
  store<f64>(dst, l);
  store<f64>(dst, h, 8);
  store<f64>(dst, v128.any_true(tiny) || sTiny ? 1 : 0, 16);
}
