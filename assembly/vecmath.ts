// Vector math for the entropy kernels: log2 and exp2 on four f32 lanes at once, and the decoders
// of the stored element types.
//
// log2: musl-style range reduction m = x / 2^k in [sqrt(1/2), sqrt(2)) with integer operations
// only, then the atanh form log2(m) = u * P(u^2), u = (m - 1) / (m + 1), |u| <= 0.1716, P of
// degree 2 (three coefficients, fitted for absolute error; 1.4e-7 max on log2 m measured in f32,
// see bench/README.md). One division replaces the six multiply-adds of the degree-8 polynomial
// this file used before. log2(1) == 0 and log2(2^k) == k exactly (u == 0), so one-hot and
// power-of-two uniform vectors give exact entropies. Callers flush inputs below FLT_MIN (zero,
// denormals, negatives) to +0 first: log2(0) is then the finite -127, so 0 * log2(0) == 0 without a
// select, and no denormal ever reaches an arithmetic instruction (they are 2x slower on x86).
//
// The constants live in linear memory (CONSTS) and the kernels load them once per call into
// locals: V8 otherwise rematerialises every v128.const inside the hot loop.

/** Multiply-add: fused with relaxed SIMD (the second build), else mul + add. */
// @ts-ignore: decorator
@inline export function mad(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// Byte offsets of the constant slots in CONSTS (16 bytes each).
// @ts-ignore: decorator
@inline export const K_FLTMIN: usize = 0;
// @ts-ignore: decorator
@inline export const K_OFF: usize = 16;
// @ts-ignore: decorator
@inline export const K_HI: usize = 32;
// @ts-ignore: decorator
@inline export const K_ONE: usize = 48;
// @ts-ignore: decorator
@inline export const K_P0: usize = 64;
// @ts-ignore: decorator
@inline export const K_P1: usize = 80;
// @ts-ignore: decorator
@inline export const K_P2: usize = 96;
// @ts-ignore: decorator
@inline export const K_B112: usize = 112;
// @ts-ignore: decorator
@inline export const K_M14: usize = 128;
// @ts-ignore: decorator
@inline export const K_INFT: usize = 144;
// @ts-ignore: decorator
@inline export const K_EXPF: usize = 160;
// @ts-ignore: decorator
@inline export const K_SIGN: usize = 176;
// @ts-ignore: decorator
@inline export const K_INF: usize = 192;
// @ts-ignore: decorator
@inline export const K_FOUR: usize = 208;
// @ts-ignore: decorator
@inline export const K_IOTA: usize = 224;

export const CONSTS: usize = memory.data<i32>([
  8388608, 8388608, 8388608, 8388608, // FLT_MIN (0x00800000)
  1060439283, 1060439283, 1060439283, 1060439283, // bits of sqrt(1/2) (0x3f3504f3)
  -8388608, -8388608, -8388608, -8388608, // sign + exponent mask (0xff800000)
  1065353216, 1065353216, 1065353216, 1065353216, // 1.0f (0x3f800000)
  // P(z) = log2((1+u)/(1-u)) / u, z = u^2: p0 + p1 z + p2 z^2 (f32 bit patterns)
  1077455424, 1077455424, 1077455424, 1077455424, // P0 2.8853912353515625
  1064706823, 1064706823, 1064706823, 1064706823, // P1 0.9614719748497009
  1058624515, 1058624515, 1058624515, 1058624515, // P2 0.5989381670951843
  939524096, 939524096, 939524096, 939524096, // f16: exponent rebias 112 << 23 (0x38000000)
  947912704, 947912704, 947912704, 947912704, // f16: 2^-14 (0x38800000)
  260046847, 260046847, 260046847, 260046847, // f16: above this (after << 13) is Inf/NaN (0x0f7fffff)
  0, 0, 0, 0, // (unused)
  -2147483648, -2147483648, -2147483648, -2147483648, // f16: sign bit after << 16 (0x80000000)
  2139095040, 2139095040, 2139095040, 2139095040, // +Inf (0x7f800000)
  4, 4, 4, 4, // voxel index step
  0, 1, 2, 3, // lane index
], 16);

/** log2 of flushed lanes (x == +0 or x >= FLT_MIN; NaN/Inf give NaN after x*log2x). */
// @ts-ignore: decorator
@inline export function log2v(x: v128, off: v128, hi: v128, one: v128, p0: v128, p1: v128, p2: v128): v128 {
  const ix = i32x4.sub(x, off);
  const k = f32x4.convert_i32x4_s(i32x4.shr_s(ix, 23));
  const m = i32x4.sub(x, v128.and(ix, hi));
  const u = f32x4.div(f32x4.sub(m, one), f32x4.add(m, one));
  const z = f32x4.mul(u, u);
  return mad(u, mad(mad(p2, z, p1), z, p0), k);
}

/** log2(x) - e (e: i32 lanes), computed without cancellation: the exponent is offset before the
 *  conversion. Used to redo voxels whose class sum is far from 1, where the f32 rounding of
 *  log2 x ~ -100 would leave ~1e-5 bits of error after log2 s - t/s cancels. */
// @ts-ignore: decorator
@inline export function log2vOff(x: v128, e: v128, off: v128, hi: v128, one: v128, p0: v128, p1: v128, p2: v128): v128 {
  const ix = i32x4.sub(x, off);
  const k = f32x4.convert_i32x4_s(i32x4.sub(i32x4.shr_s(ix, 23), e));
  const m = i32x4.sub(x, v128.and(ix, hi));
  const u = f32x4.div(f32x4.sub(m, one), f32x4.add(m, one));
  const z = f32x4.mul(u, u);
  return mad(u, mad(mad(p2, z, p1), z, p0), k);
}

/** log2 with the constants loaded on the spot (for the once-per-voxel uses); flushes itself. */
// @ts-ignore: decorator
@inline export function log2x4(x: v128): v128 {
  const xc = v128.andnot(x, f32x4.lt(x, v128.load(CONSTS + K_FLTMIN)));
  return log2v(xc, v128.load(CONSTS + K_OFF), v128.load(CONSTS + K_HI), v128.load(CONSTS + K_ONE),
    v128.load(CONSTS + K_P0), v128.load(CONSTS + K_P1), v128.load(CONSTS + K_P2));
}

/** log2 to about 4e-8 (degree-3 atanh series, the next term's bound; 1.4e-7 for log2x4's fitted
 *  degree 2), for the sigmoid kind, where the per-channel errors of C binary entropies add up.
 *  Flushes itself like log2x4. */
@inline export function log2x4Fine(x: v128): v128 {
  const xc = v128.andnot(x, f32x4.lt(x, v128.load(CONSTS + K_FLTMIN)));
  const ix = i32x4.sub(xc, v128.load(CONSTS + K_OFF));
  const k = f32x4.convert_i32x4_s(i32x4.shr_s(ix, 23));
  const m = i32x4.sub(xc, v128.and(ix, v128.load(CONSTS + K_HI)));
  const one = v128.load(CONSTS + K_ONE);
  const u = f32x4.div(f32x4.sub(m, one), f32x4.add(m, one));
  const z = f32x4.mul(u, u);
  // 2/ln2 * (1 + z/3 + z^2/5 + z^3/7)
  let p = mad(f32x4.splat(0.41219858311113240), z, f32x4.splat(0.57707801635558536));
  p = mad(p, z, f32x4.splat(0.96179669392597560));
  p = mad(p, z, f32x4.splat(2.8853900817779268));
  return mad(u, p, k);
}

/** 2^d for d in [-126, 0] (callers clamp); relative error ~1e-8 (degree-7 Taylor on [-1/2, 1/2]). */
// @ts-ignore: decorator
@inline export function exp2x4(d: v128): v128 {
  const n = f32x4.nearest(d);
  const f = f32x4.sub(d, n);
  let p = f32x4.splat(1.5252733804e-5);
  p = mad(p, f, f32x4.splat(1.5403530393e-4));
  p = mad(p, f, f32x4.splat(1.3333558146e-3));
  p = mad(p, f, f32x4.splat(9.6181291076e-3));
  p = mad(p, f, f32x4.splat(5.5504108665e-2));
  p = mad(p, f, f32x4.splat(2.4022650696e-1));
  p = mad(p, f, f32x4.splat(6.9314718056e-1));
  p = mad(p, f, f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/** Four IEEE binary16 values as f32, exactly, with integer operations and one subtraction of
 *  normal numbers (a 2^112 multiply would be shorter, but subnormal halves are denormal f32 bit
 *  patterns and a denormal operand costs a microcode assist on x86: f16 ran 3x slower than f32 on
 *  the benchmark input, whose leaks are mostly below the f16 normal range). `w` holds each half in
 *  the HIGH 16 bits of its lane (h << 16, one shuffle from the packed halves). Constants:
 *  b112 = 112 << 23, inft = 0x0f7fffff, fltmin = 1 << 23, m14 = bits of 2^-14, sign = 0x80000000. */
// @ts-ignore: decorator
@inline export function half4(w: v128, b112: v128, inft: v128, fltmin: v128, m14: v128, sign: v128): v128 {
  const em = i32x4.shr_u(i32x4.shl(w, 1), 4);                          // (h & 0x7fff) << 13
  const sub = i32x4.lt_s(em, fltmin);                                  // zero or subnormal half
  let b = i32x4.add(em, b112);                                         // rebias 15 -> 127
  b = i32x4.add(b, v128.and(i32x4.gt_s(em, inft), b112));              // Inf/NaN: exponent 0xff
  b = i32x4.add(b, v128.and(sub, fltmin));                             // subnormal: 2^-14 (1 + m) ...
  const v = f32x4.sub(b, v128.and(sub, m14));                          // ... - 2^-14, exact
  return v128.or(v, v128.and(w, sign));
}

/** Scalar log2 with the same conventions, for tails. */
// @ts-ignore: decorator
@inline export function log2s(x: f32): f32 {
  return f32x4.extract_lane(log2x4(f32x4.splat(x)), 0);
}
