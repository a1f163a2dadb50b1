import type { DType, RawArray } from "../layout/dtype.js";
import { float16Table } from "../layout/dtype.js";
import type { Scaling } from "../layout/volume.js";

/**
 * Decodes `n` stored elements starting at `srcOff` into f32 at `dst[dstOff..]`, applying the
 * scaling in f64 (as the NIfTI standard does) before rounding to f32. float32 without scaling is a
 * plain copy.
 */
export function decodeInto(dst: Float32Array, dstOff: number, src: RawArray, srcOff: number, n: number, dtype: DType, scale?: Scaling): void {
  const slope = scale?.slope ?? 1;
  const inter = scale?.inter ?? 0;
  const identity = slope === 1 && inter === 0;
  if (dtype === "float16") {
    const t = float16Table();
    const s = src as Uint16Array;
    if (identity) for (let i = 0; i < n; i++) dst[dstOff + i] = t[s[srcOff + i]!]!;
    else for (let i = 0; i < n; i++) dst[dstOff + i] = t[s[srcOff + i]!]! * slope + inter;
    return;
  }
  if (identity && (dtype === "float32" || dtype === "float64" || src instanceof Float32Array)) {
    dst.set(src.subarray(srcOff, srcOff + n), dstOff);
    return;
  }
  if (identity) {
    for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i]!;
    return;
  }
  for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i]! * slope + inter;
}
