/**
 * Checks that the values fit the kind the user asked for, and says which flag fits when not.
 * The kernel has already gathered the value range and class sums, so this costs nothing extra.
 * We never switch kinds silently: a wrong kind gives a plausible-looking but wrong map.
 */
import { fail } from "../errors.js";
import type { DType } from "../layout/dtype.js";
import { isIntegerDType } from "../layout/dtype.js";
import type { Kind, KernelStats } from "../kernel/entropy.js";

export interface SemanticsOptions {
  /** Accept class sums far from 1 in softmax mode (they are renormalised). Default false. */
  allowUnnormalized?: boolean;
  /** Whether the values were scaled on decode (NIfTI scl_slope or --scale). */
  scaled?: boolean;
}

/** Tolerance on values below 0 or above 1 (float16 and 1/255 quantisation stay far inside it). */
const VALUE_TOL = 1e-3;
/** Class sums may be off 1 by this much (uint8 maps with C ≈ 10 classes rounded one by one). */
const SUM_TOL = 0.05;

export function checkSemantics(kind: Kind, stats: KernelStats, dtype: DType, file: string, options: SemanticsOptions = {}): void {
  const { minValue, maxValue } = stats;
  if (!Number.isFinite(minValue) && !Number.isFinite(maxValue)) return; // all NaN: every voxel reported as NaN
  if (kind === "logits") return;
  const range = `min ${fmt(minValue)}, max ${fmt(maxValue)}`;
  if (minValue < -VALUE_TOL || (maxValue > 1 + VALUE_TOL && !(kind === "softmax" && isIntegerDType(dtype) && !options.scaled && minValue >= 0))) {
    const integerHint = isIntegerDType(dtype) && minValue >= 0 && !options.scaled ? "integer values without scl_slope: pass --scale (e.g. 1/255)" : "";
    fail({
      file, field: "values", expected: `probabilities in [0, 1] for --kind ${kind}`, found: range,
      hint: integerHint || (kind === "softmax" ? "these look like logits: pass --kind logits" : "these look like logits: apply a sigmoid first, or pass --kind logits for softmax logits"),
    });
  }
  if (kind !== "softmax" || options.allowUnnormalized) return;
  if (isIntegerDType(dtype) && !options.scaled) return; // unscaled integers: only the ratios matter
  if (stats.maxSum > 1 + SUM_TOL) {
    fail({
      file, field: "class sums", expected: `sums near 1 for --kind softmax (within ${SUM_TOL})`, found: `sums up to ${fmt(stats.maxSum)}`,
      hint: "independent per-channel probabilities (nnU-Net regions): pass --kind sigmoid; to renormalise anyway, pass --allow-unnormalized",
    });
  }
  if (stats.minSum < 1 - SUM_TOL) {
    fail({
      file, field: "class sums", expected: `sums near 1 for --kind softmax (within ${SUM_TOL})`, found: `sums as low as ${fmt(stats.minSum)}`,
      hint: "tissue maps without a background class: pass --kind tissue; to renormalise anyway, pass --allow-unnormalized",
    });
  }
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}
