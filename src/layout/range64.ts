/**
 * Values the float32 computation cannot hold. The kernel narrows every value to float32; a float64
 * file (or a scaling: --scale, scl_slope) can hold finite values beyond float32's range, which
 * narrow to ±Infinity, or class values below FLT_MIN (a softmax x 1e-60, or a softmax times a soft
 * mask that takes a voxel's sum to ~1e-37), which the kernel counts as 0: a voxel where such values
 * hold more than 2^-24 of its mass comes out zero-sum (entropy 0) or with the wrong entropy (one
 * value at 0.24% of the mass: 0.650 bits instead of 0.673). Such voxels are refused, not rescued:
 * a voxel whose sum is below 1 by that much is unnormalised, and its renormalisation belongs to
 * the caller, in float64 (the hint says so).
 * Such values are looked at in float64, before they are narrowed, slab by slab (the statistics
 * below travel with the kernel's, also through worker pools), and the volume is refused, naming
 * the real range, rather than given a silently wrong map.
 */
import { fail } from "../errors.js";
import type { DType } from "./dtype.js";
import type { Scaling } from "./volume.js";

/** The smallest normal float32: the kernel counts smaller class values (denormals) as 0. */
export const FLT_MIN = 2 ** -126;
/** The largest finite float32. */
export const FLT_MAX = (2 - 2 ** -23) * 2 ** 127;
/** A voxel is misread when the mass of its classes below FLT_MIN is more than this fraction of the
 *  rest: float32's own rounding of the class sum (2^-24). Less is lost in that rounding anyway. */
const LOST_FRACTION = 2 ** -24;

/** What the float64 values of some voxels hold (merged over slabs). */
export interface Range64 {
  /** Smallest and largest finite value, in float64 (the values as stored and scaled). */
  min64: number;
  max64: number;
  /** Finite values that narrow to ±Infinity in float32. */
  overRange: number;
  /** Voxels (softmax) where class values below FLT_MIN hold more than LOST_FRACTION of the mass: misread once narrowed. */
  damaged: number;
  /** Whether (> 0) some voxels hold positive values read right: then the misread ones are scaled
   *  differently from the rest, and no single --scale fixes them. */
  healthy: number;
}

export function emptyRange64(): Range64 {
  return { min64: Infinity, max64: -Infinity, overRange: 0, damaged: 0, healthy: 0 };
}

export function mergeRange64(acc: Range64, r: Range64): void {
  acc.min64 = Math.min(acc.min64, r.min64);
  acc.max64 = Math.max(acc.max64, r.max64);
  acc.overRange += r.overRange;
  acc.damaged += r.damaged;
  acc.healthy += r.healthy;
}

/**
 * Whether values of this type and scaling can leave float32's range: float64 always; float32 and
 * float16 when scaled; integers when the scale can make a value tiny or huge (a uint8 map with
 * scl_slope 1/255 cannot, so the common scaled-integer path costs nothing).
 */
export function mayLeaveFloat32(dtype: DType, scale: Scaling | undefined): boolean {
  if (dtype === "float64") return true;
  const slope = scale?.slope ?? 1, inter = scale?.inter ?? 0;
  if (slope === 1 && inter === 0) return false;
  if (dtype === "float32" || dtype === "float16") return true;
  const a = Math.abs(slope);
  return !(inter === 0 && a >= 2 ** -100 && a * 2 ** 32 <= 2 ** 100);
}

/**
 * Adds the float64 values of `n` voxels to `r`: planar (class c of voxel i at c * stride + i) or
 * interleaved (voxel i's classes at i * classes ..). `softmax`: voxels are checked for class values below FLT_MIN holding more than 2^-24 of their mass.
 */
export function scanRange64(r: Range64, values: Float64Array, classes: number, n: number, stride: number, interleaved: boolean, softmax: boolean): void {
  // a quick pass first (sequential, three comparisons a value): most slabs hold no value below
  // FLT_MIN and none beyond FLT_MAX, and then their range is all there is to know
  let lo = Infinity, hi = -Infinity, tiny = false;
  const runs = interleaved ? 1 : classes, len = interleaved ? n * classes : n;
  for (let c = 0; c < runs; c++) {
    for (let i = c * stride, end = i + len; i < end; i++) {
      const x = values[i]!;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
      if (x < FLT_MIN && x > 0) tiny = true;
    }
  }
  if (!addQuickRange(r, lo, hi, tiny)) scanVoxels64(r, values, classes, n, stride, interleaved, softmax);
}

/**
 * Adds a slab's quick range (smallest and largest value, NaN ignored; whether some value lies in
 * (0, FLT_MIN)). Returns false when that is not enough: the slab's voxels are then to be scanned
 * (scanVoxels64).
 */
export function addQuickRange(r: Range64, lo: number, hi: number, tiny: boolean): boolean {
  if (tiny || hi > FLT_MAX || lo < -FLT_MAX) return false;
  if (lo < r.min64) r.min64 = lo;
  if (hi > r.max64) r.max64 = hi;
  if (hi > 0) r.healthy++;
  return true;
}

/** The voxel by voxel scan: finite range, values beyond FLT_MAX, softmax voxels misread. */
export function scanVoxels64(r: Range64, values: Float64Array, classes: number, n: number, stride: number, interleaved: boolean, softmax: boolean): void {
  const cs = interleaved ? 1 : stride, vs = interleaved ? classes : 1;
  let min = r.min64, max = r.max64, over = 0, damaged = 0, healthy = 0;
  for (let i = 0; i < n; i++) {
    let kept = 0, lost = 0, finite = 0, narrowOk = 0;
    for (let c = 0, at = i * vs; c < classes; c++, at += cs) {
      const x = values[at]!;
      if (!(x - x === 0)) continue; // NaN and ±Infinity: the kernel's own statistics report them
      finite++;
      if (x < min) min = x;
      if (x > max) max = x;
      if ((x > FLT_MAX || x < -FLT_MAX) && !Number.isFinite(Math.fround(x))) over++;
      else narrowOk++;
      if (x >= FLT_MIN) kept += x;
      else if (x > 0) lost += x;
    }
    if (softmax && lost > 0 && lost > kept * LOST_FRACTION) damaged++;
    // other kinds (logits): every finite value of the voxel beyond float32's range, so none is left
    // to hold the softmax's maximum once narrowed
    else if (!softmax && finite > 0 && narrowOk === 0) damaged++;
    else if (kept > 0) healthy++;
  }
  r.min64 = min; r.max64 = max; r.overRange += over; r.damaged += damaged; r.healthy += healthy;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}

/** A power of ten that brings `max` into (0.1, 1]: 1e60 for 9.6e-61, 1e-300 for 9.6e299. */
function scaleFor(max: number): string {
  const k = Math.floor(-Math.log10(max));
  const e = max * 10 ** k > 1 ? k - 1 : k;
  return `1e${e}`;
}

/**
 * Refuses values the float32 computation would misread (see the file comment). `scaled`: the
 * values went through a scaling (--scale or scl_slope), which the hint then names.
 */
export function checkRange64(r: Range64 | undefined, name: string, kind: string, voxels: number, scaled: boolean): void {
  if (!r || (r.overRange === 0 && r.damaged === 0)) return;
  const range = `min ${fmt(r.min64)}, max ${fmt(r.max64)}`;
  // logits below -FLT_MAX (a mask such as np.finfo(float).min) read as -Infinity in float32: a
  // masked class, probability 0 either way; only logits above FLT_MAX are misread
  const highOver = r.max64 > FLT_MAX && !Number.isFinite(Math.fround(r.max64));
  if (r.overRange > 0 && (kind !== "logits" || highOver)) {
    const hint = scaled
      ? "the scaling (--scale or scl_slope) takes the values beyond float32's range: use one that brings them into [0, 1]"
      : kind === "logits"
        ? "logits beyond float32's range read as Infinity there: subtract each voxel's maximum in float64 before saving (x - x.max(axis=0)), which keeps the softmax"
        : r.min64 >= 0 ? `pass --scale ${scaleFor(r.max64)} to bring them into [0, 1]` : "check how the file was written";
    fail({
      file: name, field: "values",
      expected: `values within float32's range (magnitude up to ${fmt(FLT_MAX)}): they are computed in float32`,
      found: `${range} (${r.overRange} finite ${r.overRange === 1 ? "value" : "values"} beyond it, which would read as infinite)`,
      hint,
    });
  }
  if (kind === "logits") {
    if (r.damaged === 0) return;
    // logits below -FLT_MAX only (masks): a voxel with all of them there loses its softmax in float32
    fail({
      file: name, field: "values",
      expected: "for --kind logits, at least one logit per voxel within float32's range (logits below it, masks such as np.finfo(float).min, read as -Infinity: probability 0)",
      found: `${r.damaged} of ${voxels} voxels whose every logit lies beyond it (values ${range})`,
      hint: "in float32 they read as -Infinity or Infinity and their softmax is lost: subtract each voxel's maximum in float64 before saving (x - x.max(axis=0)), which keeps the softmax",
    });
  }
  const all = r.healthy === 0;
  fail({
    file: name, field: "values",
    expected: `for --kind softmax, class values below FLT_MIN (${fmt(FLT_MIN)}) holding at most 2^-24 (${fmt(LOST_FRACTION)}) of a voxel's probability mass: they are computed in float32, where values below FLT_MIN count as 0`,
    found: `${r.damaged} of ${voxels} voxels where class values below FLT_MIN hold more than that share, which would come out zero-sum or wrong (values ${range})`,
    hint: scaled
      ? "the scaling (--scale or scl_slope) makes the values too small for float32: use one that brings them into [0, 1]"
      : all
        ? `pass --scale ${scaleFor(r.max64)} to bring them into [0, 1]`
        : "the voxels are scaled differently (some hold probabilities, some values below FLT_MIN): renormalise each voxel in float64 before saving, e.g. p / p.sum(axis=0)",
  });
}
