/**
 * One voxel's class values, read straight from a ProbVolume as stored (any layout, dtype and
 * scaling), and the probabilities the kernel's rule makes of them. Used for hover read-outs.
 */
import type { Kind } from "../kernel/entropy.js";
import { describeValue, fail } from "../errors.js";
import type { CropBox } from "../layout/crop.js";
import type { RawArray } from "../layout/dtype.js";
import { float16Table } from "../layout/dtype.js";
import type { ProbVolume } from "../layout/volume.js";
import { classCount, gridDims } from "../layout/volume.js";

/**
 * Decoded class values at grid voxel (i, j, k) of the output grid (the reference grid: with a
 * crop box, voxels outside it have no stored values and give undefined).
 */
export function classValuesAt(vol: ProbVolume, ijk: readonly number[], crop?: CropBox): number[] | undefined {
  if (vol === null || typeof vol !== "object") fail({ file: "arguments", field: "vol", expected: "a ProbVolume", found: describeValue(vol) });
  // 1.5 or "abc" read as NaN values; two indices silently meant k = 0
  if (!Array.isArray(ijk) || ijk.length !== 3 || !ijk.every((x) => Number.isSafeInteger(x))) {
    fail({ file: "arguments", field: "ijk", expected: "3 integer voxel indices [i, j, k]", found: Array.isArray(ijk) ? `[${ijk.map((x) => JSON.stringify(x) ?? String(x)).join(", ")}]` : describeValue(ijk) });
  }
  const g = [ijk[0]!, ijk[1]!, ijk[2]!];
  if (crop) {
    for (let d = 0; d < 3; d++) {
      if (g[d]! < crop.start[d]! || g[d]! >= crop.end[d]!) return undefined;
      g[d] = g[d]! - crop.start[d]!;
    }
  }
  const dims = gridDims(vol);
  for (let d = 0; d < dims.length; d++) if (g[d]! < 0 || g[d]! >= dims[d]!) return undefined;
  let off = 0;
  vol.gridAxes.forEach((a, d) => { off += g[d]! * vol.strides[a]!; });
  const C = classCount(vol);
  const many = Array.isArray(vol.data);
  const cs = vol.strides[vol.classAxis]!;
  const slope = vol.scale?.slope ?? 1, inter = vol.scale?.inter ?? 0;
  const f16 = vol.dtype === "float16" ? float16Table() : undefined;
  const out: number[] = [];
  for (let c = 0; c < C; c++) {
    const src = many ? (vol.data as readonly RawArray[])[c]! : (vol.data as RawArray);
    const raw = src[many ? off : off + c * cs]!;
    const x = f16 ? f16[raw]! : raw;
    out.push(x * slope + inter);
  }
  return out;
}

const PROBE_KINDS: readonly Kind[] = ["softmax", "logits", "sigmoid", "tissue"];

/**
 * The distribution the entropy is computed from: softmax renormalises by the sum, logits are
 * softmaxed, sigmoid channels are independent, tissue maps get the SPM background (last entry).
 */
export function probabilitiesFor(kind: Kind, values: readonly number[]): number[] {
  // "sofmax" would be read as softmax, strings as NaN
  if (!PROBE_KINDS.includes(kind)) fail({ file: "arguments", field: "kind", expected: PROBE_KINDS.join(" | "), found: typeof kind === "string" ? `'${kind}'` : describeValue(kind) });
  if (!Array.isArray(values) || !values.every((v) => typeof v === "number")) {
    fail({ file: "arguments", field: "values", expected: "an array of numbers (a voxel's class values, as classValuesAt gives)", found: Array.isArray(values) ? `an array holding ${describeValue(values.find((v) => typeof v !== "number"))}` : describeValue(values) });
  }
  if (values.some((v) => Number.isNaN(v))) return values.map(() => NaN);
  if (kind === "sigmoid") return [...values];
  if (kind === "logits") {
    const m = Math.max(...values);
    const e = values.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  }
  if (kind === "tissue") {
    const clipped = values.map((v) => Math.min(1, Math.max(0, v)));
    const s = clipped.reduce((a, b) => a + b, 0);
    const p = s > 1 ? clipped.map((v) => v / s) : clipped;
    return [...p, Math.max(0, 1 - Math.min(1, s))];
  }
  const s = values.reduce((a, b) => a + b, 0);
  return s > 0 ? values.map((v) => v / s) : values.map(() => 0);
}
