// Vector math for the entropy kernels: log2 and exp2 on four f32 lanes at once.
// Accuracy targets: |log2(x) error| <= ~1.5e-7 absolute on the mantissa part, log2(1) == 0 and
// log2(2^k) == k exactly (so one-hot and power-of-two uniform vectors give exact entropies).

// @ts-ignore: decorator
@inline const MANT_MASK: i32 = 0x007fffff;
// @ts-ignore: decorator
@inline const ONE_BITS: i32 = 0x3f800000;
// @ts-ignore: decorator
@inline const FLT_MIN: f32 = 1.17549435e-38;
// @ts-ignore: decorator
@inline const SQRT_HALF: f32 = 0.70710678;
// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504088896341;

/** log2 of each lane. Inputs below FLT_MIN (zero, denormals) are raised to FLT_MIN, so that
 *  x * log2(x) is exactly 0 for x == 0 and never NaN; NaN inputs stay NaN. */
// @ts-ignore: decorator
@inline export function log2x4(x: v128): v128 {
  const xc = f32x4.max(x, f32x4.splat(FLT_MIN));
  const bits = xc;
  // exponent and mantissa in [1, 2)
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(127));
  let m = v128.or(v128.and(bits, i32x4.splat(MANT_MASK)), i32x4.splat(ONE_BITS));
  // move m into [sqrt(1/2), sqrt(2)) so the polynomial argument is small on both sides of 1
  const big = f32x4.gt(m, f32x4.splat(1.41421356));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, big);
  e = i32x4.sub(e, big); // big lanes are all-ones (-1): e + 1
  const f = f32x4.sub(m, f32x4.splat(1.0));
  const z = f32x4.mul(f, f);
  // Cephes logf minimax polynomial for ln(1+f) on [sqrt(.5)-1, sqrt(2)-1]
  let p = f32x4.splat(7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.1514610310e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.1676998740e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, f), z);
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  const ln1pf = f32x4.add(f, y);
  return f32x4.add(f32x4.mul(ln1pf, f32x4.splat(LOG2E)), f32x4.convert_i32x4_s(e));
}

/** 2^d for d in [-126, 0] (callers clamp); relative error ~1e-8 (degree-7 Taylor on [-1/2, 1/2]). */
// @ts-ignore: decorator
@inline export function exp2x4(d: v128): v128 {
  const n = f32x4.nearest(d);
  const f = f32x4.sub(d, n);
  let p = f32x4.splat(1.5252733804e-5);
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.5403530393e-4));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.3333558146e-3));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(9.6181291076e-3));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(5.5504108665e-2));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(2.4022650696e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(6.9314718056e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/** Scalar log2 with the same conventions, for tails. */
// @ts-ignore: decorator
@inline export function log2s(x: f32): f32 {
  return f32x4.extract_lane(log2x4(f32x4.splat(x)), 0);
}
