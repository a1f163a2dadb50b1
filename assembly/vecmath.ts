// Vector math for the entropy kernels: log2 and exp2 on four f32 lanes at once, and the decoders
// of the stored element types.
//
// log2: musl-style range reduction m = x / 2^k in [sqrt(1/2), sqrt(2)) with integer operations only,
// then log2(m) = f * q(f), f = m - 1, q a degree-8 near-minimax polynomial (fitted for absolute
// error; 6.2e-8 max measured in f32 with Horner, see bench/README.md). log2(1) == 0 and
// log2(2^k) == k exactly, so one-hot and power-of-two uniform vectors give exact entropies.
// Callers flush inputs below FLT_MIN (zero, denormals, negatives) to +0 first: log2(0) is then
// the finite -127, so 0 * log2(0) == 0 without a select.
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
@inline export const K_C: usize = 64; // 9 coefficients c8..c0 at 64..192
// @ts-ignore: decorator
@inline export const K_H7FFF: usize = 208;
// @ts-ignore: decorator
@inline export const K_P112: usize = 224;
// @ts-ignore: decorator
@inline export const K_INFT: usize = 240;
// @ts-ignore: decorator
@inline export const K_EXPF: usize = 256;
// @ts-ignore: decorator
@inline export const K_SIGN: usize = 272;

export const CONSTS: usize = memory.data<i32>([
  8388608, 8388608, 8388608, 8388608, // FLT_MIN (0x00800000)
  1060439283, 1060439283, 1060439283, 1060439283, // bits of sqrt(1/2) (0x3f3504f3)
  -8388608, -8388608, -8388608, -8388608, // sign + exponent mask (0xff800000)
  1065353216, 1065353216, 1065353216, 1065353216, // 1.0f (0x3f800000)
  // q(f) = log2(1+f)/f, c8 .. c0 (f32 bit patterns)
  1040215063, 1040215063, 1040215063, 1040215063, // 0.12541233003139496 (0x3e006c17)
  -1101571678, -1101571678, -1101571678, -1101571678, // -0.21030285954475403 (0xbe5759a2)
  1046386856, 1046386856, 1046386856, 1046386856, // 0.21737921237945557 (0x3e5e98a8)
  -1099678091, -1099678091, -1099678091, -1099678091, // -0.23851950466632843 (0xbe743e75)
  1049839549, 1049839549, 1049839549, 1049839549, // 0.28765669465065 (0x3e9347bd)
  -1095192461, -1095192461, -1095192461, -1095192461, // -0.3607212007045746 (0xbeb8b073)
  1056324474, 1056324474, 1056324474, 1056324474, // 0.48092252016067505 (0x3ef63b7a)
  -1086805451, -1086805451, -1086805451, -1086805451, // -0.7213471531867981 (0xbf38aa35)
  1069066810, 1069066810, 1069066810, 1069066810, // 1.442694902420044 (0x3fb8aa3a)
  32767, 32767, 32767, 32767, // f16: magnitude mask (0x00007fff)
  2004877312, 2004877312, 2004877312, 2004877312, // f16: 2^112 (0x77800000)
  260046847, 260046847, 260046847, 260046847, // f16: above this (after << 13) is Inf/NaN (0x0f7fffff)
  1879048192, 1879048192, 1879048192, 1879048192, // f16: exponent fix for Inf/NaN (0x70000000)
  32768, 32768, 32768, 32768, // f16: sign bit (0x00008000)
], 16);

/** log2 of flushed lanes (x == +0 or x >= FLT_MIN, or NaN/Inf passing through as NaN after x*log2x). */
// @ts-ignore: decorator
@inline export function log2v(x: v128, off: v128, hi: v128, one: v128,
  c8: v128, c7: v128, c6: v128, c5: v128, c4: v128, c3: v128, c2: v128, c1: v128, c0: v128): v128 {
  const ix = i32x4.sub(x, off);
  const k = f32x4.convert_i32x4_s(i32x4.shr_s(ix, 23));
  const m = i32x4.sub(x, v128.and(ix, hi));
  const f = f32x4.sub(m, one);
  let p = mad(c8, f, c7);
  p = mad(p, f, c6);
  p = mad(p, f, c5);
  p = mad(p, f, c4);
  p = mad(p, f, c3);
  p = mad(p, f, c2);
  p = mad(p, f, c1);
  p = mad(p, f, c0);
  return mad(p, f, k);
}

/** log2 with the constants loaded on the spot (for the once-per-voxel uses). */
// @ts-ignore: decorator
@inline export function log2x4(x: v128): v128 {
  const xc = v128.andnot(x, f32x4.lt(x, v128.load(CONSTS + K_FLTMIN)));
  return log2v(xc, v128.load(CONSTS + K_OFF), v128.load(CONSTS + K_HI), v128.load(CONSTS + K_ONE),
    v128.load(CONSTS + K_C), v128.load(CONSTS + K_C + 16), v128.load(CONSTS + K_C + 32), v128.load(CONSTS + K_C + 48),
    v128.load(CONSTS + K_C + 64), v128.load(CONSTS + K_C + 80), v128.load(CONSTS + K_C + 96), v128.load(CONSTS + K_C + 112),
    v128.load(CONSTS + K_C + 128));
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

/** Four IEEE binary16 values (low 64 bits of h, already widened to u32 lanes) as f32, exactly:
 *  subnormal halves become normal f32 through the 2^112 multiply. */
// @ts-ignore: decorator
@inline export function half4(h32: v128, m7fff: v128, p112: v128, inft: v128, expf: v128, sign: v128): v128 {
  const em = i32x4.shl(v128.and(h32, m7fff), 13);
  let v = f32x4.mul(em, p112);
  v = v128.bitselect(v128.or(em, expf), v, i32x4.gt_s(em, inft));
  return v128.or(v, i32x4.shl(v128.and(h32, sign), 16));
}

/** Scalar log2 with the same conventions, for tails. */
// @ts-ignore: decorator
@inline export function log2s(x: f32): f32 {
  return f32x4.extract_lane(log2x4(f32x4.splat(x)), 0);
}
