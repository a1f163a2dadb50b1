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
  /** The slope they were scaled with, when scaled: a negative one is what makes probabilities negative. */
  slope?: number;
  /** Array shape and class axis as read (optional): lets a wrong class axis be named precisely. */
  shape?: readonly number[];
  classAxis?: number;
  /** Whether the user can choose the class axis (.npy/.npz: --class-axis); NIfTI fixes it by its dims. Default true. */
  classAxisSettable?: boolean;
  /** Voxels of the computed grid (optional): lets the zero-sum refusal say how many of them came out zero-sum. */
  voxels?: number;
}

/** Tolerance on values below 0 or above 1 (float16 and 1/255 quantisation stay far inside it). */
const VALUE_TOL = 1e-3;
/** Class sums may be off 1 by this much (uint8 maps with C ≈ 10 classes rounded one by one). */
const SUM_TOL = 0.05;
/**
 * Tissue maps resliced with splines or sinc (SPM's normalise/coregister write) overshoot [0, 1] by
 * a few hundredths at sharp edges; the SPM rule clips them. A margin of 0.1 takes that overshoot
 * and still stops percentages, 0-255 or 0-1000 maps and logits, which are far outside.
 */
const TISSUE_TOL = 0.1;
/** The smallest normal float32: the kernel counts smaller class values (denormals) as 0. */
const FLT_MIN = 2 ** -126;
/**
 * A volume whose every value is below this holds no probabilities, counts or votes (those reach 1
 * or more somewhere): its values were pushed towards FLT_MIN (a --scale far too small), so its
 * zero-sum voxels are most likely values flushed to 0 rather than empty voxels. (A class sum this
 * small alone says nothing: a wrong class axis sums a few near-zero leaks along space.)
 */
const TINY_VALUE = 2 ** -100;

export function checkSemantics(kind: Kind, stats: KernelStats, dtype: DType, name: string, options: SemanticsOptions = {}): void {
  // exported: a caller without a name gets "volume", not "undefined", in the messages
  const file = typeof name === "string" && name ? name : "volume";
  const { minValue, maxValue } = stats;
  if (minValue > maxValue) return; // no value but NaN (the range is empty): every voxel reported as NaN
  const range = `min ${fmt(minValue)}, max ${fmt(maxValue)}`;
  // A logit of -Infinity is a masked class (PyTorch masked_fill, or a float16 overflow of a very
  // negative logit): its probability is 0 either way, as scipy and torch give it; a voxel whose
  // every logit is -Infinity has no softmax and is reported as NaN. +Infinity has no softmax at all.
  if (maxValue === Infinity || (minValue === -Infinity && kind !== "logits")) {
    // an infinite logit of +Infinity is in practice an overflow (float16 logits beyond 65504)
    const what = kind === "logits" ? "finite logits for --kind logits" : `finite probabilities for --kind ${kind}`;
    const hint = kind === "logits"
      ? "a logit of Infinity has no finite softmax (float16 logits overflow to Infinity beyond 65504): check how the file was written"
      : "infinite values make every class sum infinite: check how the file was written";
    fail({ file, field: "values", expected: what, found: range, hint });
  }
  if (kind === "logits") return;
  const integerUnscaled = isIntegerDType(dtype) && !options.scaled;
  // tissue maps are clipped to [0, 1] by the SPM rule, so interpolation overshoot is accepted there
  const tol = kind === "tissue" ? TISSUE_TOL : VALUE_TOL;
  // the bounds as float32, the type of the values compared with them (a stored -0.1 is below the double -0.1)
  const low = Math.fround(-tol), high = Math.fround(1 + tol);
  const nonNegative = minValue >= low;
  // Non-negative values above 1 are unnormalised scores (a sum of ensemble softmaxes, counts, votes,
  // probabilities stored as round(p * 255)): softmax renormalises them by their class sum only when
  // asked to, integers included, since a stored scale and counts look alike. Negative values are
  // never probabilities.
  const unnormalisedOk = kind === "softmax" && nonNegative && options.allowUnnormalized === true;
  if (!nonNegative || (maxValue > high && !unnormalisedOk)) {
    const expected = kind === "tissue"
      ? `probabilities in [0, 1] for --kind tissue (interpolation overshoot within ${TISSUE_TOL} is clipped)`
      : `probabilities in [0, 1] for --kind ${kind}`;
    const negativeSlope = !nonNegative && options.scaled && options.slope !== undefined && options.slope < 0;
    fail({
      file, field: "values", expected, found: range,
      hint: negativeSlope
        ? `the scaling is negative (slope ${fmt(options.slope!)}, from scl_slope or --scale): probabilities need a positive factor; check the header's scl_slope or pass a positive --scale`
        : valuesHint(kind, nonNegative, integerUnscaled, maxValue),
    });
  }
  if (kind !== "softmax") return;
  checkFlushedSums(stats, file, options);
  if (options.allowUnnormalized) return;
  if (stats.maxSum > 1 + SUM_TOL) {
    const sigmoid = "independent per-channel probabilities (nnU-Net regions): pass --kind sigmoid";
    const axis = classAxisHint(stats.maxSum, options);
    fail({
      file, field: "class sums", expected: `sums near 1 for --kind softmax (within ${SUM_TOL})`, found: `sums up to ${fmt(stats.maxSum)}`,
      hint: `${axis ? `${axis}; otherwise ` : ""}${sigmoid}; to renormalise anyway, pass --allow-unnormalized`,
    });
  }
  if (stats.minSum < 1 - SUM_TOL) {
    fail({
      file, field: "class sums", expected: `sums near 1 for --kind softmax (within ${SUM_TOL})`, found: `sums as low as ${fmt(stats.minSum)}`,
      hint: "tissue maps without a background class: pass --kind tissue; to renormalise anyway, pass --allow-unnormalized",
    });
  }
}

/**
 * Softmax voxels whose classes are all below FLT_MIN come out zero-sum (entropy 0), as all-zero
 * voxels do. When every value of the volume is tiny (below TINY_VALUE), those voxels are not empty
 * but flushed: the map would be zeros where renormalising the input gives real entropies. The
 * class-sum check cannot see it (a zero sum is no sum), and --allow-unnormalized does not make it right.
 */
function checkFlushedSums(stats: KernelStats, file: string, options: SemanticsOptions): void {
  if (stats.nZeroSum === 0 || !(stats.maxValue > 0 && stats.maxValue < TINY_VALUE)) return;
  const of = options.voxels ? ` of ${options.voxels}` : "";
  const below = stats.maxValue < FLT_MIN ? "every one below FLT_MIN" : `every one below ${fmt(TINY_VALUE)}`;
  fail({
    file, field: "class sums",
    expected: `class values of at least FLT_MIN (${fmt(FLT_MIN)}) for --kind softmax: the kernel counts smaller float32 values as 0`,
    found: `${stats.nZeroSum}${of} voxels zero-sum (entropy 0) although the input is not all zero: values reach ${fmt(stats.maxValue)}, ${below}`,
    hint: options.scaled
      ? "the scaling (--scale or scl_slope) makes the values too small for float32: use one that brings them into [0, 1], e.g. --scale 1/255 for 0-255 values"
      : "values this small are no probabilities: pass --scale to bring them into [0, 1]",
  });
}

/** The --scale that turns stored integers into probabilities, for the hint: the usual full-scale
 *  code (255, else 65535) at or above the largest value. */
function scaleExample(maxValue: number): string {
  return `--scale 1/${maxValue <= 255 ? 255 : maxValue <= 65535 ? 65535 : "N"} (or the factor they were stored with)`;
}

/** What to try when values fall outside [0, 1] (or, for tissue, outside the overshoot margin). */
function valuesHint(kind: Kind, nonNegative: boolean, integerUnscaled: boolean, maxValue: number): string {
  if (!nonNegative) {
    if (kind === "tissue") {
      return `values far below 0 are not interpolation overshoot (resliced tissue maps stay within ${TISSUE_TOL} of [0, 1]): check the stored scaling (--scale replaces scl_slope and scl_inter), or pass --kind logits if these are a network's logits`;
    }
    return kind === "softmax" ? "these look like logits: pass --kind logits" : "these look like logits: apply a sigmoid first, or pass --kind logits for softmax logits";
  }
  if (integerUnscaled) {
    return kind === "softmax"
      ? `integer values above 1 without scl_slope: pass ${scaleExample(maxValue)} if they are stored probabilities, or --allow-unnormalized if they are counts or votes to renormalise by their class sum`
      : `integer values without scl_slope: pass ${scaleExample(maxValue)}`;
  }
  return kind === "softmax"
    ? "non-negative values above 1 look like unnormalised scores (e.g. summed ensemble softmaxes): pass --allow-unnormalized to renormalise them by their class sum, or --scale to rescale them"
    : `non-negative values above ${kind === "tissue" ? 1 + TISSUE_TOL : 1}: pass --scale to bring them into [0, 1] (e.g. 1/100 for percentages)`;
}

/** Class sums above this are more often a wrong class axis (summing along space) than a few overlapping regions. */
const AXIS_SUM = 2;

/**
 * The class-axis hint for class sums far above 1, or "" when the class axis looks right. A channel-last
 * (z, y, x, C) array read with the default axis 0 sums along z: sums up to the slice count, and
 * "classes" as many as slices. Without the shape, sums above AXIS_SUM are enough to ask; with it, the
 * question is asked when another axis is shorter than the class axis (and that axis is named).
 */
function classAxisHint(maxSum: number, options: SemanticsOptions): string {
  const ask = "is the class axis right? nnU-Net arrays are (C, z, y, x)";
  const { shape, classAxis } = options;
  if (options.classAxisSettable === false) return "";
  if (shape && classAxis !== undefined && classAxis >= 0 && classAxis < shape.length) {
    const classes = shape[classAxis]!;
    let shortest = -1;
    shape.forEach((n, a) => { if (a !== classAxis && n > 1 && (shortest < 0 || n < shape[shortest]!)) shortest = a; });
    return shortest >= 0 && shape[shortest]! < classes
      ? `${ask}; this array has ${classes} "classes" on axis ${classAxis}: pass --class-axis ${shortest} if its ${shape[shortest]} entries are the classes`
      : ""; // the class axis is the shortest: it looks right
  }
  return maxSum > AXIS_SUM ? `${ask}; pass --class-axis N for an array with its classes on axis N` : "";
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}

/**
 * Checks the sigmoid region labels (`--regions`, or nnU-Net `regions_class_order` in --properties)
 * against the kind and the channel count; call once the input is read and the kind decided.
 * An explicit `--regions` with a kind other than sigmoid is refused as meaningless; a properties
 * entry is only checked when the kind is sigmoid (otherwise it is not used).
 */
export function checkRegions(kind: Kind, classes: number, regions: readonly number[] | undefined, properties?: string, propertiesRegions?: unknown): void {
  if (regions) {
    if (kind !== "sigmoid") refuseRegionsFor(kind);
    checkRegionList(regions, classes, "command line", "--regions");
  } else if (propertiesRegions !== undefined && kind === "sigmoid") {
    const file = properties ?? "properties";
    if (!Array.isArray(propertiesRegions) || !propertiesRegions.every((l) => Number.isInteger(l))) {
      fail({ file, field: "regions_class_order", expected: "a list of integer labels", found: JSON.stringify(propertiesRegions).slice(0, 60) });
    }
    checkRegionList(propertiesRegions as number[], classes, file, "regions_class_order");
  }
}

/** How the caller's choices are named in messages: the CLI's flags, or a library's option names. */
export interface RegionNames {
  /** Where the choices come from: "command line", "options". */
  source: string;
  /** The explicit region order: "--regions", "regionLabels". */
  regions: string;
  /** The kind choice: "--kind", "kind". */
  kind: string;
  /** The properties: "--properties", "properties". */
  properties: string;
}

/**
 * regions_class_order of nnU-Net properties: a list of integer labels, or undefined when absent
 * (or null, Python's None). Anything else is refused rather than read as "no regions".
 */
export function propertiesRegions(props: Record<string, unknown> | undefined, file: string | undefined): number[] | undefined {
  const v = props?.regions_class_order;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length === 0 || !v.every((l) => Number.isInteger(l))) {
    fail({ file: file ?? "properties", field: "regions_class_order", expected: "a list of integer labels, one per sigmoid channel", found: JSON.stringify(v).slice(0, 60) });
  }
  return v as number[];
}

/**
 * The region order and kind of a run from the caller's choices and the properties' region order
 * (`propsRegions`, from propertiesRegions). Two different orders for one model are refused: either
 * would put the labels of the other on the wrong channels. A region model's channels are
 * independent sigmoids, also as logits (a per-channel sigmoid, never a softmax across channels),
 * so a region model read as any other kind is refused, not noted. `logitsKey`: the input's .npz
 * member is named 'logits' (read as logits when no kind is given).
 */
export function regionModel(o: { regions?: readonly number[]; kind?: Kind; logitsKey: boolean; propsRegions?: readonly number[]; propertiesFile: string; names: RegionNames }): { kind: Kind; regions?: number[] } {
  const { names, propsRegions } = o;
  const props = `${names.properties} ${o.propertiesFile}`;
  if (o.regions && propsRegions && o.regions.join() !== propsRegions.join()) {
    fail({
      file: names.source, field: names.regions, expected: `the regions_class_order of ${props} (${propsRegions.join(",")}), or no ${names.regions}`,
      found: o.regions.join(","), hint: `give one region order: drop ${names.regions} to use the properties' regions_class_order`,
    });
  }
  const keyKind = !o.kind && o.logitsKey;
  if (propsRegions && ((o.kind && o.kind !== "sigmoid") || keyKind)) {
    fail({
      file: names.source, field: names.kind, expected: `${names.kind} sigmoid, or no ${names.kind} (${props} names a region model: regions_class_order ${propsRegions.join(",")})`,
      found: keyKind ? `the .npz member 'logits' (read as ${names.kind} logits)` : `${names.kind} ${o.kind}`,
      hint: keyKind ? `a region model's channels are independent sigmoids: save their sigmoid probabilities, or drop ${names.properties}` : `a region model's channels are independent sigmoid outputs: drop ${names.kind}`,
    });
  }
  const regions = o.regions ? [...o.regions] : propsRegions ? [...propsRegions] : undefined;
  let kind = o.kind;
  if (!kind && o.logitsKey) kind = "logits";
  if (!kind && propsRegions) kind = "sigmoid";
  return { kind: kind ?? "softmax", ...(regions ? { regions } : {}) };
}

/** The refusal of --regions with a kind that does not use it (shared with the argument parser). */
export function refuseRegionsFor(kind: Kind, defaulted = false): never {
  fail({
    file: "command line", field: "--regions", expected: "--regions only with --kind sigmoid (the label painted by each sigmoid channel)",
    found: defaulted ? `the default --kind ${kind}` : `--kind ${kind}`,
    hint: "pass --kind sigmoid if the channels are independent sigmoid outputs (nnU-Net regions), or drop --regions",
  });
}

/**
 * The refusal of --allow-unnormalized with a kind that never renormalises by the class sum: logits
 * go through a softmax (always normalised), sigmoid channels are independent (never renormalised),
 * and tissue maps follow the SPM rule (divided by the sum only where it exceeds 1). Accepting the
 * flag there would let a user believe it changed something. Shared by the argument parser (an
 * explicit --kind) and analyze (a kind chosen from the input, and library callers).
 */
export function refuseUnnormalizedFor(kind: Kind, where: "command line" | "options" = "command line"): never {
  const cli = where === "command line";
  const flag = cli ? "--allow-unnormalized" : "allowUnnormalized";
  const why = kind === "tissue" ? "the tissue rule already divides by the class sum where it exceeds 1"
    : kind === "logits" ? "logits are always normalised by their softmax"
    : "sigmoid channels are independent and never renormalised";
  fail({
    file: where, field: flag, expected: `${cli ? flag : `${flag} (--allow-unnormalized)`} only with the softmax kind (it renormalises softmax class sums)`,
    found: cli ? `--kind ${kind}` : `kind '${kind}'`, hint: `${why}: drop ${cli ? flag : `${flag} (--allow-unnormalized)`}`,
  });
}

function checkRegionList(regions: readonly number[], classes: number, file: string, field: string): void {
  if (regions.length !== classes) {
    fail({ file, field, expected: `${classes} labels, one per channel`, found: `${regions.length} (${regions.join(",")})` });
  }
}
