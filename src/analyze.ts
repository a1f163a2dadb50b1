/**
 * One call from a read probability volume (plus optional reference image and segmentation) to an
 * entropy map on the reference grid with its statistics. Shared by the CLI and the browser demo;
 * no I/O here.
 */
import { describeValue, fail, refuseUnknownKeys } from "./errors.js";
import type { EntropyOptions, EntropyResult, Kind, KernelStats, Unit } from "./kernel/entropy.js";
import type { ProbVolume, VolumeMeta } from "./layout/volume.js";
import { computeEntropySync, maxEntropy } from "./kernel/entropy.js";
import type { CropBox } from "./layout/crop.js";
import { cropDims, placeInGrid } from "./layout/crop.js";
import { checkScaling } from "./layout/volume.js";
import type { ProbInput, InputInfo } from "./read/probabilities.js";
import type { Geometry, NiftiImage } from "./read/nifti.js";
import { defaultGeometry } from "./read/nifti.js";
import { hasWorldGeometry, requireSamePlace } from "./read/geometry.js";
import { checkSemantics, refuseUnnormalizedFor } from "./measures/semantics.js";
import type { Summary } from "./measures/summary.js";
import { summarize } from "./measures/summary.js";
import { product } from "./layout/strides.js";

export interface AnalyzeOptions {
  kind?: Kind;
  unit?: Unit;
  /** Renormalise softmax inputs even when their class sums are far from 1. */
  allowUnnormalized?: boolean;
  /** Sigmoid kind: labels painted by each channel (nnU-Net regions_class_order). */
  regionLabels?: readonly number[];
  /** nnU-Net v1: where the (cropped) probability grid sits in the reference grid. */
  crop?: CropBox;
  /** Replaces the stored value scaling: value = raw * scale. */
  scale?: number;
  /** Slab budget of the kernel in bytes. */
  slabBytes?: number;
}

export interface References {
  /** The image the probabilities were predicted from: its grid and geometry are the output's. */
  image?: NiftiImage;
  /** A label map on the same grid; its labels are used for the per-label statistics. */
  seg?: NiftiImage;
}

export interface Analysis {
  /** Per-voxel entropy, F order over `dims`. */
  map: Float32Array;
  dims: number[];
  /** Per-voxel labels used for the per-label statistics. */
  labels: Int32Array;
  labelSource: "segmentation" | "argmax" | "regions";
  geometry: Geometry;
  geometrySource: string;
  summary: Summary;
  kernel: KernelStats;
  kind: Kind;
  unit: Unit;
  classes: number;
  maxPossibleEntropy: number;
  input: InputInfo;
  crop: CropBox | undefined;
}

/** Something that computes entropy maps off the main thread: an `EntropyPool`. */
export interface EntropyComputer {
  computeEntropy(vol: ProbVolume, options: EntropyOptions): Promise<EntropyResult>;
}

export function analyze(input: ProbInput, refs: References = {}, options: AnalyzeOptions = {}): Analysis {
  refs = checkArguments(refs, options);
  const volume = analyzedVolume(input, options);
  return analyzeResult(input, refs, options, volume, computeEntropySync(volume, entropyOptionsFor(refs, options)));
}

/** `analyze` with the kernel work on a worker pool (same result, bit for bit). */
export async function analyzeAsync(input: ProbInput, refs: References = {}, options: AnalyzeOptions = {}, pool?: EntropyComputer): Promise<Analysis> {
  refs = checkArguments(refs, options);
  if (pool !== undefined && (typeof pool !== "object" || pool === null || typeof (pool as Partial<EntropyComputer>).computeEntropy !== "function")) {
    fail({ file: "arguments", field: "pool", expected: "an EntropyPool (createNodePool, createBrowserPool) or nothing", found: describeValue(pool) });
  }
  const volume = analyzedVolume(input, options);
  const eo = entropyOptionsFor(refs, options);
  return analyzeResult(input, refs, options, volume, pool ? await pool.computeEntropy(volume, eo) : computeEntropySync(volume, eo));
}

/**
 * The analysis of an entropy result computed elsewhere (a file streamed slab by slab, a pool):
 * `volume` is the description of what was computed (no data needed).
 */
export function analyzeComputed(input: Pick<ProbInput, "info" | "nifti">, refs: References, options: AnalyzeOptions, volume: VolumeMeta, result: EntropyResult): Analysis {
  return analyzeResult(input, checkArguments(refs, options), options, named(volume), result);
}

const KINDS: readonly string[] = ["softmax", "logits", "sigmoid", "tissue"];

/**
 * JavaScript callers get no type check: a null, a typed array where a NiftiImage goes, or a crop
 * box of strings would otherwise fail deep inside as a TypeError, or run as something else. Each
 * wrong argument is named here, before any work. Returns the references with a name for messages
 * ("image", "segmentation") where a hand-built one has none.
 */
function checkArguments(refs: References, options: AnalyzeOptions): References {
  if (typeof refs !== "object" || refs === null || Array.isArray(refs)) {
    fail({ file: "arguments", field: "refs", expected: "an object { image?, seg? } of NiftiImages (or nothing)", found: describeValue(refs) });
  }
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    fail({ file: "arguments", field: "options", expected: "an AnalyzeOptions object (or nothing)", found: describeValue(options) });
  }
  refuseUnknownKeys(refs, REFERENCE_KEYS, "refs");
  refuseUnknownKeys(options, OPTION_KEYS, "options");
  for (const key of ["image", "seg"] as const) if (refs[key] !== undefined) checkReference(refs[key], `refs.${key}`);
  const { kind, scale, allowUnnormalized, crop } = options;
  // the kind itself is checked with the kernel options; here only what must be known before computing
  if (allowUnnormalized !== undefined && typeof allowUnnormalized !== "boolean") {
    fail({ file: "options", field: "allowUnnormalized", expected: "true or false", found: describeValue(allowUnnormalized) });
  }
  if (allowUnnormalized && kind !== undefined && kind !== "softmax" && KINDS.includes(kind)) refuseUnnormalizedFor(kind as Kind, "options");
  if (scale !== undefined && !(typeof scale === "number" && Number.isFinite(scale) && scale !== 0)) {
    // 0 would zero every value (in a NIfTI header a zero slope means "no scaling"), NaN make every voxel NaN
    fail({ file: "options", field: "scale", expected: "a finite non-zero number (value = stored * scale)", found: typeof scale === "number" ? String(scale) : describeValue(scale) });
  }
  if (crop !== undefined) checkCropBox(crop);
  return {
    ...(refs.image !== undefined ? { image: named(refs.image, "image") } : {}),
    ...(refs.seg !== undefined ? { seg: named(refs.seg, "segmentation") } : {}),
  };
}

const OPTION_KEYS: readonly string[] = ["kind", "unit", "allowUnnormalized", "regionLabels", "crop", "scale", "slabBytes"] satisfies readonly (keyof AnalyzeOptions)[];
const REFERENCE_KEYS: readonly string[] = ["image", "seg"] satisfies readonly (keyof References)[];

/** A NiftiImage as readNiftiFile / parseNifti return it: the fields the analysis reads. */
function checkReference(img: unknown, field: string): void {
  const expected = "a NiftiImage (readNiftiFile, parseNifti)";
  if (typeof img !== "object" || img === null || ArrayBuffer.isView(img)) fail({ file: "arguments", field, expected, found: describeValue(img) });
  const { dims, data, geometry, name } = img as Partial<NiftiImage>;
  const file = typeof name === "string" && name ? name : field;
  if (!Array.isArray(dims) || dims.length === 0 || !dims.every((d) => Number.isSafeInteger(d) && d >= 1)) {
    fail({ file, field: `${field}.dims`, expected: `${expected}: dims of positive integers`, found: Array.isArray(dims) ? `[${dims.join(", ")}]` : describeValue(dims) });
  }
  if (!ArrayBuffer.isView(data) || data instanceof DataView) fail({ file, field: `${field}.data`, expected: `${expected}: a typed array of voxels`, found: describeValue(data) });
  const voxels = product(dims.slice(0, 3));
  if ((data as ArrayLike<number>).length < voxels) fail({ file, field: `${field}.data`, expected: `at least ${voxels} voxels for dims [${dims.join(", ")}]`, found: `${(data as ArrayLike<number>).length}` });
  if (typeof geometry !== "object" || geometry === null || !Array.isArray(geometry.affine)) fail({ file, field: `${field}.geometry`, expected: `${expected}: a Geometry with an affine`, found: describeValue(geometry) });
}

/** A crop box as parseCropBox returns it: start and end of three integers each, end > start >= 0. */
function checkCropBox(crop: unknown): void {
  const box = crop as Partial<CropBox> | null;
  const triple = (x: unknown): x is number[] => Array.isArray(x) && x.length === 3 && x.every((v) => Number.isSafeInteger(v) && v >= 0);
  if (typeof box !== "object" || box === null || !triple(box.start) || !triple(box.end) || !box.end.every((e, d) => e > box.start![d]!)) {
    fail({
      file: "options", field: "crop", expected: "a CropBox { start: [i0, j0, k0], end: [i1, j1, k1] } of integers with end > start >= 0 (parseCropBox makes one)",
      found: typeof box === "object" && box !== null ? `start ${JSON.stringify(box.start) ?? "undefined"}, end ${JSON.stringify(box.end) ?? "undefined"}` : describeValue(box),
    });
  }
}

/** The volume or image with a name for messages: hand-built ones may have none ("undefined: ..." otherwise). */
function named<T extends { name: string }>(x: T, fallback = "volume"): T {
  return typeof x.name === "string" && x.name !== "" ? x : { ...x, name: fallback };
}

function analyzedVolume(input: ProbInput, options: AnalyzeOptions): ProbVolume {
  // JavaScript callers may pass a bare volume: name what analyze takes instead of failing inside
  if (typeof input !== "object" || input === null || typeof input.volume !== "object" || input.volume === null || typeof input.info !== "object" || input.info === null) {
    fail({
      file: "arguments", field: "input", expected: "a ProbInput { volume, info } as the readers return it (readProbabilities, fromNpy, fromNifti)",
      found: typeof input === "object" && input !== null ? `an object with keys ${Object.keys(input).join(", ") || "(none)"}` : String(input),
      hint: "for a bare ProbVolume, call computeEntropySync(volume, options), or an EntropyPool's computeEntropy (createNodePool, createBrowserPool)",
    });
  }
  const volume = named(input.volume);
  if (options.scale === undefined) {
    checkScaling(volume, "volume.scale");
    return volume;
  }
  // --scale replaces the stored scaling: it applies to the stored values, before any reader-side
  // decode; class files of different stored types have no single set of stored values to scale
  if (input.info.dtypePerFile) {
    fail({ file: volume.name, field: "--scale", expected: "class files of one stored type (it replaces the scaling of the stored values)", found: `types ${input.info.dtypePerFile.join(", ")}`, hint: "leave --scale out: each file's own scl_slope/scl_inter is applied" });
  }
  return named({ ...(input.stored ?? input.volume), scale: { slope: options.scale, inter: 0 } });
}

/** The kernel options an analysis uses (labels only when no segmentation is given). */
export function entropyOptionsFor(refs: References, options: AnalyzeOptions): EntropyOptions {
  return { kind: options.kind ?? "softmax", unit: options.unit ?? "bits", labels: !refs.seg, ...(options.regionLabels ? { regionLabels: options.regionLabels } : {}), ...(options.slabBytes ? { slabBytes: options.slabBytes } : {}) };
}

function analyzeResult(input: Pick<ProbInput, "info" | "nifti">, refs: References, options: AnalyzeOptions, volume: VolumeMeta, result: EntropyResult): Analysis {
  const kind = options.kind ?? "softmax";
  const unit = options.unit ?? "bits";
  if (kind === "softmax" && result.classes < 2) fail({ file: volume.name, field: "classes", expected: "at least 2 for --kind softmax", found: `${result.classes}`, hint: "a single channel is a sigmoid output: pass --kind sigmoid; for one 3-D file per class, pass all the files" });
  checkSemantics(kind, result.stats, volume.dtype, volume.name, {
    allowUnnormalized: options.allowUnnormalized ?? false, scaled: volume.scale !== undefined, ...(volume.scale ? { slope: volume.scale.slope } : {}), shape: input.info.shape, classAxis: input.info.classAxis,
    classAxisSettable: input.info.format === "npy" || input.info.format === "npz", voxels: product(result.dims),
  });

  let map = result.map;
  let labels = result.labels ?? new Int32Array(0);
  let dims = result.dims;
  while (dims.length < 3) dims = [...dims, 1];
  const reference = refs.image ?? refs.seg;
  const refDims = reference ? spatialDims(reference) : undefined;

  if (options.crop) {
    const cd = cropDims(options.crop);
    if (!sameDims(cd, dims)) fail({ file: volume.name, field: "crop box", expected: `a box of the probability grid's size [${dims.join(", ")}]`, found: `a box of [${cd.join(", ")}] (i, j, k)` });
    if (!refDims) fail({ file: volume.name, field: "--crop-bbox", expected: "an --image or --seg giving the full grid", found: "neither" });
    if (options.crop.end.some((e, d) => e > refDims[d]!)) fail({ file: volume.name, field: "crop box", expected: `inside the image grid [${refDims.join(", ")}]`, found: `end [${options.crop.end.join(", ")}] (i, j, k)` });
    map = placeInGrid(map, options.crop, refDims);
    if (result.labels) labels = placeInGrid(labels, options.crop, refDims);
    dims = refDims;
  }
  for (const [ref, flag] of [[refs.image, "image"], [refs.seg, "segmentation"]] as const) {
    if (!ref) continue;
    const rd = spatialDims(ref);
    if (!sameDims(rd, dims)) {
      const reversed = sameDims([...rd].reverse(), dims);
      fail({
        file: ref.name, field: `${flag} grid`, expected: `the probability grid [${dims.join(", ")}] (i, j, k) of ${volume.name}`, found: `[${rd.join(", ")}]`,
        hint: reversed ? "the axes look reversed: is the array (C, x, y, z) rather than nnU-Net's (C, z, y, x)?" : dims.every((d, i) => d <= rd[i]!) ? "a cropped nnU-Net v1 grid? pass --crop-bbox or --properties" : "",
      });
    }
  }
  let labelSource: Analysis["labelSource"] = kind === "sigmoid" ? "regions" : "argmax";
  if (refs.seg) {
    labels = segLabels(refs.seg);
    labelSource = "segmentation";
  }
  const maxPossible = maxEntropy(kind, unit, result.classes);
  // the output's place in space: the image's, else the probability file's own header, else the
  // segmentation's; a header that says where its voxels are wins over one that does not. Every
  // header that says so must agree with the others (a cropped v1 grid sits elsewhere: not compared).
  const placed = [refs.image, options.crop ? undefined : input.nifti, refs.seg].filter((x): x is NiftiImage => x !== undefined);
  const inSpace = placed.filter((img) => hasWorldGeometry(img.geometry));
  for (const img of inSpace.slice(1)) requireSamePlace(inSpace[0]!, img, "the files are not on one grid in space: resample them onto the image's grid first");
  const source = inSpace[0] ?? placed[0];
  const geometry = source?.geometry ?? defaultGeometry(dims);
  const geometrySource = source ? source.name : "none (1 mm voxels, no transform)";
  return {
    map, dims, labels, labelSource, geometry: { ...geometry, dims }, geometrySource,
    summary: summarize(map, dims, maxPossible, labels.length ? labels : undefined),
    kernel: result.stats, kind, unit, classes: result.classes, maxPossibleEntropy: maxPossible, input: infoAsComputed(input.info, volume), crop: options.crop,
  };
}

/** The input's description with the scaling the kernel applied (`--scale` replaces the header's
 *  scl_slope and scl_inter; a .npy has none unless given), not the one stored in the file. */
function infoAsComputed(info: ProbInput["info"], volume: VolumeMeta): ProbInput["info"] {
  const { scale: _stored, ...rest } = info;
  if (!volume.scale) return rest;
  const { scalePerFile: _perFile, ...replaced } = rest;   // --scale replaced every file's scaling
  return { ...replaced, dtype: volume.dtype, scale: volume.scale };
}

function spatialDims(img: NiftiImage): number[] {
  const d = img.dims.slice(0, 3);
  while (d.length < 3) d.push(1);
  return d;
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Values of a label map may be off an integer by this much (float32 label maps, resampled and rounded). */
const LABEL_TOL = 1e-3;

/**
 * Integer labels of the first volume of a segmentation (scaling applied, rounded; NaN -> -1).
 * A volume with values that are not integers (an intensity image given as --seg) is refused.
 */
const INT32_MIN = -(2 ** 31), INT32_MAX = 2 ** 31 - 1;

function segLabels(seg: NiftiImage): Int32Array {
  const n = spatialDims(seg).reduce((a, b) => a * b, 1);
  const out = new Int32Array(n);
  const slope = seg.scale?.slope ?? 1, inter = seg.scale?.inter ?? 0;
  const [nx = 1, ny = 1] = spatialDims(seg);
  for (let v = 0; v < n; v++) {
    const x = seg.data[v]! * slope + inter;
    if (x !== x) { out[v] = -1; continue; } // NaN: left out, as documented
    const l = Math.round(x);
    // an Int32Array would wrap 3e9 into another label (or a negative one, left out): refuse
    if (!(l >= INT32_MIN && l <= INT32_MAX)) {
      fail({
        file: seg.name, field: "labels", expected: `integer labels from ${INT32_MIN} to ${INT32_MAX}`,
        found: `${x} at voxel (${v % nx}, ${Math.floor(v / nx) % ny}, ${Math.floor(v / (nx * ny))})`,
      });
    }
    if (Math.abs(x - l) > LABEL_TOL) {
      fail({
        file: seg.name, field: "values", expected: "integer labels", found: `non-integer values such as ${Number(x.toPrecision(6))}`,
        hint: "an intensity image? pass it as --image; --seg takes a label map",
      });
    }
    out[v] = l;
  }
  return out;
}
