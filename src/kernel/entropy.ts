/**
 * Streams a probability volume through the wasm kernel in bounded slabs and collects the
 * per-voxel entropy map, optional labels and the volume statistics (totals in f64).
 */
import { describeValue, fail, refuseUnknownKeys } from "../errors.js";
import { DTYPE_CODE, KIND_CODE, NATIVE_BYTES, STATS, STATS_BYTES } from "./abi.js";
import type { NativeDType } from "./abi.js";
import { arenaStart, dataView, ensureMemory, f32View, f64View, i32View, kernelExports, MAX_WASM_BYTES, refuseIfKernelBusy, u8View, withKernel } from "./wasm.js";
import type { RawArray } from "../layout/dtype.js";
import { decodeInto } from "./decode.js";
import type { ProbVolume } from "../layout/volume.js";
import { checkScaling, classCount, planKernel, planLayout, gridDims, permuteToGrid } from "../layout/volume.js";
import type { Range64 } from "../layout/range64.js";
import { addQuickRange, checkRange64, emptyRange64, mayLeaveFloat32, mergeRange64, scanRange64, scanVoxels64 } from "../layout/range64.js";

/** How the class values are to be read. */
export type Kind = "softmax" | "logits" | "sigmoid" | "tissue";
/** Output unit: bits (log2, default), nats (ln), or normalised to [0, 1] by the maximum entropy. */
export type Unit = "bits" | "nats" | "normalized";

export interface EntropyOptions {
  /** Input semantics. Default "softmax": renormalise each voxel by its class sum. */
  kind?: Kind;
  /** Default "bits". */
  unit?: Unit;
  /** Also compute the per-voxel label (argmax, or the nnU-Net region rule for sigmoid). Default false. */
  labels?: boolean;
  /** Sigmoid kind: the label each channel paints (nnU-Net regions_class_order). Default 1..C. */
  regionLabels?: readonly number[];
  /** Bytes of wasm memory a slab may use. Default 2 MiB (DEFAULT_SLAB_BYTES); clamped to 64 KiB .. 56 MiB. */
  slabBytes?: number;
  /**
   * Where to write the map (and the labels), at least one element per voxel: callers that process
   * many volumes reuse one array and save allocating and page-faulting a new one each time. The
   * result's `map` is this array (a view of its first `voxels` elements), holding the grid-ordered
   * map whatever the layout (layouts that need a permutation are computed into a temporary array
   * first). Worker pools write in place only into SharedArrayBuffer-backed arrays. `out` and
   * `labelsOut` must not share memory.
   */
  out?: Float32Array;
  labelsOut?: Int32Array;
}

/** The options without the output arrays (what is sent to workers). */
export function withoutOutputs(options: EntropyOptions): EntropyOptions {
  const { out: _o, labelsOut: _l, ...rest } = options;
  return rest;
}

/** A caller's output array, checked, or a new one. */
export function outputArray<T extends Float32Array | Int32Array>(given: T | undefined, voxels: number, make: (n: number) => T, field: string): T {
  if (given === undefined) return make(voxels);
  // JavaScript callers can pass any typed array; another type would be written with a silent conversion
  const want = make(0).constructor as new () => T;
  if (!(given instanceof want)) fail({ file: "options", field, expected: `a ${want.name}`, found: describeValue(given) });
  if (given.length < voxels) fail({ file: "options", field, expected: `at least ${voxels} elements`, found: `${given.length}` });
  return given.subarray(0, voxels) as T;
}

/** Statistics gathered by the kernel while streaming. */
export interface KernelStats {
  /** Sum of finite entropies in the chosen unit, accumulated in f64. */
  total: number;
  /** Voxels whose class vector is all zero (softmax kind): entropy 0. */
  nZeroSum: number;
  /** Voxels with NaN in any class: entropy NaN, left out of totals. */
  nNaN: number;
  /** Smallest and largest decoded input value (NaN ignored). */
  minValue: number;
  maxValue: number;
  /** Smallest positive and largest class sum (softmax kind). */
  minSum: number;
  maxSum: number;
  /** Largest finite entropy. */
  maxEntropy: number;
  /** Sources whose values can leave float32's range (float64, or scaled), while slabs are merged:
   *  their float64 range, and the values and voxels the float32 computation would misread. A
   *  volume with such values is refused once all slabs are in; results never carry this field. */
  range64?: Range64;
}

/**
 * A source of class values, one slab at a time. `fill` writes voxels [v0, v0 + n) as f32: planar
 * sources put class c of voxel v0 + i at dst[c * stride + i]; interleaved ones put n * classes
 * values, class fastest. This is also the streaming API for volumes too large to hold in memory.
 * A source may also offer `raw`: the stored bytes of a type the kernel decodes itself (no upcast
 * in JavaScript), laid out the same way with `stride` counted in elements; the kernel then uses it
 * for the softmax kind.
 */
export interface SlabSource {
  classes: number;
  voxels: number;
  interleaved: boolean;
  fill(dst: Float32Array, v0: number, n: number, stride: number): void;
  raw?: RawSlabs;
  /** For values that can leave float32's range (float64, or scaled): the same voxels decoded in
   *  float64, laid out as `fill` lays them out, so that values float32 cannot hold are refused
   *  (naming `name`) instead of misread. */
  values64?: Values64;
}

/** The float64 values of a source (value = raw * slope + inter in float64). */
export interface Values64 {
  /** The input, for messages. */
  name: string;
  /** Whether a scaling (--scale, scl_slope) is applied. */
  scaled: boolean;
  fill(dst: Float64Array, v0: number, n: number, stride: number): void;
}

/** Stored bytes of a natively decoded element type, value = raw * slope + inter (integers only). */
export interface RawSlabs {
  dtype: NativeDType;
  slope: number;
  inter: number;
  fill(dst: Uint8Array, v0: number, n: number, stride: number): void;
}

/** Sources of this library that write every value `fill` is asked for. The slabs of any other
 *  source are zeroed before each fill, so that values a short `fill` leaves unwritten count as 0
 *  (an all-zero voxel: entropy 0, counted in nZeroSum) instead of the previous slab's values. */
const completeSources = new WeakSet<SlabSource>();

/** Marks a source of this library as writing every value asked for (no zeroing before fills). */
export function completeSource<T extends SlabSource>(source: T): T {
  completeSources.add(source);
  return source;
}

/** Receives each slab's results; the views are only valid during the call. */
export type SlabSink = (v0: number, entropy: Float32Array, labels: Int32Array | undefined) => void;

/** The factor that turns bits into the requested unit. */
export function unitScale(kind: Kind, unit: Unit, classes: number): number {
  checkKindUnitClasses(kind, unit, classes);
  if (unit === "bits") return 1;
  if (unit === "nats") return Math.LN2;
  if (kind === "sigmoid") return 1 / classes; // each channel's binary entropy is at most 1 bit
  const effective = kind === "tissue" ? classes + 1 : classes;
  return effective > 1 ? 1 / Math.log2(effective) : 1;
}

/** The largest entropy possible for this kind and class count, in the requested unit. */
export function maxEntropy(kind: Kind, unit: Unit, classes: number): number {
  checkKindUnitClasses(kind, unit, classes);
  const bits = kind === "sigmoid" ? classes : Math.log2(kind === "tissue" ? classes + 1 : classes);
  return bits * unitScale(kind, unit, classes);
}

/** unitScale's and maxEntropy's arguments (JavaScript callers): "nat" or "sofmax" would otherwise
 *  give another unit's or kind's value, and 0 classes NaN. */
function checkKindUnitClasses(kind: Kind, unit: Unit, classes: number): void {
  if (!KINDS.includes(kind)) fail({ file: "arguments", field: "kind", expected: KINDS.join(" | "), found: typeof kind === "string" ? `'${kind}'` : describeValue(kind) });
  if (!UNITS.includes(unit)) fail({ file: "arguments", field: "unit", expected: UNITS.join(" | "), found: typeof unit === "string" ? `'${unit}'` : describeValue(unit) });
  if (!Number.isSafeInteger(classes) || classes < 1) fail({ file: "arguments", field: "classes", expected: "an integer >= 1", found: typeof classes === "number" ? String(classes) : describeValue(classes) });
}

/** Default slab budget. On (b), medians of alternating runs: AMD EPYC (1 MiB L2), 128 KiB 190 ms,
 *  1 MiB 143-153 ms, 2-4 MiB 131-136 ms on one thread (2 workers: 95, 76-78, 72-73 ms); Intel Xeon
 *  (2 MiB L2), 1 / 2 / 4 MiB 173 / 172 / 181 ms on one thread, 95 / 90 / 98 ms on 2 workers. Long
 *  copies per class plane stream from memory better than small slabs, while a slab that outgrows
 *  L2 pays for it; 2 MiB is at or near the best on both, far below the 64 MiB wasm bound
 *  (bench/README.md). */
export const DEFAULT_SLAB_BYTES = 2 * 1024 * 1024;
/** Voxels per block when an interleaved slab is turned planar inside the kernel. */
const IL_BLOCK = 256;

/** How a source is cut into slabs and laid out in wasm memory. Identical for the same source and
 *  options, so that worker pools cut a volume exactly as the single-thread path does. */
export interface SlabPlan {
  classes: number;
  voxels: number;
  interleaved: boolean;
  /** Native element type when the raw bytes are streamed, else null (f32 from `fill`). */
  native: NativeDType | null;
  elementBytes: number;
  /** Voxels per block when an interleaved slab is made planar in the kernel (a multiple of 4, at
   *  most the slab, so that the scratch for very many classes stays within the budget). */
  ilBlock: number;
  /** Voxels per slab (a multiple of 4); slab i covers [i * slab, min((i + 1) * slab, voxels)). */
  slab: number;
  kind: Kind;
  labels: boolean;
  /** Byte offsets relative to the arena start and the bytes needed in total. */
  layout: { input: number; planar: number; scratch: number; out: number; labels: number; regions: number; stats: number; end: number };
}

const KINDS: readonly Kind[] = ["softmax", "logits", "sigmoid", "tissue"];
const UNITS: readonly Unit[] = ["bits", "nats", "normalized"];

export function planSlabs(source: Pick<SlabSource, "classes" | "voxels" | "interleaved" | "raw">, options: EntropyOptions, name = "source"): SlabPlan {
  const kind = options.kind ?? "softmax";
  // JavaScript callers get no type check: refuse what would silently run as something else
  if (!KINDS.includes(kind)) fail({ file: "options", field: "kind", expected: KINDS.join(" | "), found: `'${String(kind)}'` });
  if (options.unit !== undefined && !UNITS.includes(options.unit)) fail({ file: "options", field: "unit", expected: UNITS.join(" | "), found: `'${String(options.unit)}'` });
  if (!Number.isSafeInteger(source.classes) || source.classes < 1) fail({ file: "source", field: "classes", expected: "an integer >= 1", found: `${source.classes}` });
  if (!Number.isSafeInteger(source.voxels) || source.voxels < 0) fail({ file: "source", field: "voxels", expected: "an integer >= 0", found: `${source.voxels}` });
  const raw = source.raw;
  if (raw) {
    // JavaScript callers get no type check: an unknown type or a scale the kernel does not apply
    // would run silently as something else
    if (!Object.hasOwn(NATIVE_BYTES, raw.dtype)) fail({ file: "source", field: "raw dtype", expected: Object.keys(NATIVE_BYTES).join(" | "), found: `'${String(raw.dtype)}'` });
    const slope: unknown = raw.slope ?? 1, inter: unknown = raw.inter ?? 0;
    if (typeof slope !== "number" || typeof inter !== "number") fail({ file: "source", field: "raw slope/inter", expected: "numbers", found: `${typeof slope} and ${typeof inter}` });
    if ((raw.dtype === "float16" || raw.dtype === "float32" || raw.dtype === "float64") && (slope !== 1 || inter !== 0)) {
      fail({ file: "source", field: `raw slope/inter of ${raw.dtype}`, expected: "1 and 0 (scaling applies to uint8 and uint16 raw slabs)", found: `${slope} and ${inter}` });
    }
  }
  const C = source.classes;
  const sb: unknown = options.slabBytes;
  if (sb !== undefined && !(typeof sb === "number" && sb > 0 && sb !== Infinity)) {
    fail({ file: "options", field: "slabBytes", expected: "a number of bytes > 0 (clamped to 64 KiB .. 56 MiB)", found: typeof sb === "number" ? String(sb) : typeof sb });
  }
  if (kind === "sigmoid" && options.regionLabels !== undefined) checkRegionLabels(options.regionLabels, C);
  // region labels name what each sigmoid channel paints; any other kind would drop them silently
  if (kind !== "sigmoid" && options.regionLabels !== undefined) {
    fail({ file: "options", field: "regionLabels", expected: "regionLabels only with kind \"sigmoid\" (the label each sigmoid channel paints)", found: `kind "${kind}"${options.kind === undefined ? " (the default)" : ""}`, hint: "pass kind: \"sigmoid\" for independent sigmoid channels (nnU-Net regions), or drop regionLabels" });
  }
  const wantLabels = options.labels ?? false;
  const native = kind === "softmax" && raw ? raw.dtype : null;
  const esz = native ? NATIVE_BYTES[native] : 4;
  const budget = Math.max(64 * 1024, Math.min(options.slabBytes ?? DEFAULT_SLAB_BYTES, MAX_WASM_BYTES - 8 * 1024 * 1024));
  // labels of the non-softmax kinds need a planar f32 copy of interleaved slabs
  const planarCopy = source.interleaved && wantLabels && kind !== "softmax";
  const perVoxel = esz * C + (planarCopy ? 4 * C : 0) + 4 + (wantLabels ? 4 : 0);
  let slab = Math.floor(budget / perVoxel) & ~3;
  // voxels may exceed 2^31 (streamed volumes): no 32-bit integer operators on it
  slab = Math.max(4, Math.min(slab, Math.ceil(source.voxels / 4) * 4));
  // no 32-bit operators here either: a billion classes would wrap to a small arena and pass the
  // check below, then the slab views would try a 16 GB typed array (RangeError)
  const a16 = (x: number) => Math.ceil(x / 16) * 16;
  const input = 0;
  const planar = a16(input + C * slab * esz + 64);
  const scratch = a16(planar + (planarCopy ? C * slab * 4 : 0));
  const ilBlock = Math.min(IL_BLOCK, slab);
  const out = a16(scratch + (source.interleaved ? ilBlock * C * esz + 64 : 0));
  const labels = a16(out + slab * 4);
  const regions = a16(labels + (wantLabels ? slab * 4 : 0));
  const stats = a16(regions + C * 4);
  const end = stats + STATS_BYTES;
  // the arena starts after the kernel's own data (its value tables, under 1 MiB)
  if (end > MAX_WASM_BYTES - 2 * 1024 * 1024) {
    fail({ file: name, field: "classes", expected: "few enough classes that a slab of 4 voxels fits the 64 MiB wasm memory", found: `${C} classes (${Math.ceil(end / 1048576)} MiB for 4 voxels)` });
  }
  return { classes: C, voxels: source.voxels, interleaved: source.interleaved, native, elementBytes: esz, ilBlock, slab, kind, labels: wantLabels, layout: { input, planar, scratch, out, labels, regions, stats, end } };
}

/** Sigmoid region labels: one integer label per channel (the kernel stores them as i32). */
function checkRegionLabels(labels: readonly number[], classes: number): void {
  if (!Array.isArray(labels) || labels.length !== classes) {
    fail({ file: "options", field: "regionLabels", expected: `${classes} labels, one per channel`, found: Array.isArray(labels) ? `${labels.length}` : typeof labels });
  }
  const bad = labels.findIndex((l) => !(typeof l === "number" && Number.isInteger(l) && l >= -(2 ** 31) && l < 2 ** 31));
  if (bad >= 0) fail({ file: "options", field: `regionLabels[${bad}]`, expected: "an integer label (32-bit)", found: JSON.stringify(labels[bad]) ?? String(labels[bad]) });
}

/** Reads the statistics block of the last slab. */
function readStats(ptr: number): KernelStats {
  const dv = dataView();
  return {
    total: dv.getFloat64(ptr + STATS.total, true),
    nZeroSum: dv.getInt32(ptr + STATS.nZeroSum, true),
    nNaN: dv.getInt32(ptr + STATS.nNaN, true),
    minValue: dv.getFloat32(ptr + STATS.minValue, true),
    maxValue: dv.getFloat32(ptr + STATS.maxValue, true),
    minSum: dv.getFloat32(ptr + STATS.minSum, true),
    maxSum: dv.getFloat32(ptr + STATS.maxSum, true),
    maxEntropy: dv.getFloat32(ptr + STATS.maxEntropy, true),
  };
}

export function emptyStats(): KernelStats {
  return { total: 0, nZeroSum: 0, nNaN: 0, minValue: Infinity, maxValue: -Infinity, minSum: Infinity, maxSum: -Infinity, maxEntropy: 0 };
}

/** Adds one slab's statistics to `acc`. Slab totals are added in slab order, so the total does not
 *  depend on which thread computed which slab. */
export function mergeStats(acc: KernelStats, s: KernelStats): void {
  acc.total += s.total;
  acc.nZeroSum += s.nZeroSum;
  acc.nNaN += s.nNaN;
  acc.minValue = Math.min(acc.minValue, s.minValue);
  acc.maxValue = Math.max(acc.maxValue, s.maxValue);
  acc.minSum = Math.min(acc.minSum, s.minSum);
  acc.maxSum = Math.max(acc.maxSum, s.maxSum);
  acc.maxEntropy = Math.max(acc.maxEntropy, s.maxEntropy);
  if (s.range64) mergeRange64(acc.range64 ??= emptyRange64(), s.range64);
}

/** Refuses, after all slabs, a source whose values float32 cannot hold (see layout/range64.ts);
 *  else removes those statistics (the result's stats are the kernel's, whatever the source). */
export function checkSourceRange(stats: KernelStats, name: string, kind: Kind | undefined, voxels: number, scaled: boolean): void {
  checkRange64(stats.range64, name, kind ?? "softmax", voxels, scaled);
  delete stats.range64;
}

/**
 * Runs slabs [first, last) of `plan` through this thread's kernel; `onSlab` receives each slab's
 * statistics and views of its results (valid during the call only).
 */
export function runSlabs(source: SlabSource, plan: SlabPlan, options: EntropyOptions, first: number, last: number,
  onSlab: (index: number, v0: number, stats: KernelStats, entropy: Float32Array, labels: Int32Array | undefined) => void): void {
  const ex = kernelExports();
  const kind = plan.kind;
  const C = plan.classes;
  const base = arenaStart();
  const L = plan.layout;
  ensureMemory(base + L.end);
  const inPtr = base + L.input, planarPtr = base + L.planar, scratchPtr = base + L.scratch, outPtr = base + L.out;
  const labelPtr = base + L.labels, regionPtr = base + L.regions, statsPtr = base + L.stats;
  const wantLabels = plan.labels;
  if (wantLabels) {
    const regions = options.regionLabels ?? Array.from({ length: C }, (_, c) => c + 1);
    i32View(regionPtr, C).set(regions.slice(0, C));
  }
  const code = KIND_CODE[kind];
  const scale = unitScale(kind, options.unit ?? "bits", C);
  const raw = plan.native ? source.raw! : undefined;
  const dt = plan.native ? DTYPE_CODE[plan.native] : 0;
  const slope = raw?.slope ?? 1, inter = raw?.inter ?? 0;
  const fusedLabels = wantLabels && kind === "softmax";
  const slab = plan.slab;
  const complete = completeSources.has(source);
  const normalized = options.unit === "normalized";
  // values of sources that offer values64 are looked at in float64 before the kernel narrows them:
  // natively read float64 in the slab itself, others through values64
  const values64 = source.values64;
  const native64 = plan.native === "float64";
  const scratch64 = values64 && !native64 ? new Float64Array(C * slab) : undefined;
  for (let i = first; i < last; i++) {
    const v0 = i * slab;
    const n = Math.min(slab, plan.voxels - v0);
    if (n <= 0) break;
    ex.statsReset();
    const region = u8View(inPtr, C * slab * plan.elementBytes);
    if (!complete) region.fill(0);
    fillSlab(source, plan, region, v0, n);
    let range64: Range64 | undefined;
    if (values64) {
      range64 = emptyRange64();
      const stride = source.interleaved ? n : slab;
      if (scratch64) {
        refuseAsyncFill(values64.fill(scratch64, v0, n, stride) as unknown, "values64.fill");
        scanRange64(range64, scratch64, C, n, stride, source.interleaved, kind === "softmax");
      } else {
        // natively read float64, in wasm memory: the quick pass in the kernel (SIMD), written into
        // the statistics block that statsWrite fills afterwards
        ex.rangeF64(inPtr, source.interleaved ? 1 : C, source.interleaved ? n * C : n, stride * 8, statsPtr);
        const q = f64View(statsPtr, 3);
        if (!addQuickRange(range64, q[0]!, q[1]!, q[2] === 1)) {
          scanVoxels64(range64, new Float64Array(region.buffer, region.byteOffset, C * slab), C, n, stride, source.interleaved, kind === "softmax");
        }
      }
    }
    const lab = fusedLabels ? labelPtr : 0;
    if (source.interleaved) {
      if (wantLabels && !fusedLabels) {
        ex.deinterleave(inPtr, C, n, planarPtr, slab);
        ex.entropyPlanar(code, 0, planarPtr, C, n, slab, outPtr, 0, scale, 1, 0);
        ex.labelsPlanar(code, planarPtr, C, n, slab, labelPtr, regionPtr);
      } else {
        ex.entropyInterleaved(code, dt, inPtr, C, n, outPtr, lab, scale, slope, inter, scratchPtr, plan.ilBlock);
      }
    } else {
      ex.entropyPlanar(code, dt, inPtr, C, n, slab, outPtr, lab, scale, slope, inter);
      if (wantLabels && !fusedLabels) ex.labelsPlanar(code, inPtr, C, n, slab, labelPtr, regionPtr);
    }
    ex.statsWrite(statsPtr);
    const stats = readStats(statsPtr);
    if (range64) stats.range64 = range64;
    const h = f32View(outPtr, n);
    if (normalized) {
      // log2 C and its reciprocal are rounded to f32: a uniform voxel can land 1 ulp above 1
      for (let v = 0; v < n; v++) if (h[v]! > 1) h[v] = 1;
      stats.maxEntropy = Math.min(stats.maxEntropy, 1);
    }
    onSlab(i, v0, stats, h, wantLabels ? i32View(labelPtr, n) : undefined);
  }
}

/**
 * Fills voxels [v0, v0 + n) of `source` into `region` (classes x slab elements), laid out as the
 * kernel reads it: stored bytes when the plan reads them natively, else f32; planar slabs with
 * planes `plan.slab` elements apart, interleaved ones packed.
 */
export function fillSlab(source: SlabSource, plan: SlabPlan, region: Uint8Array, v0: number, n: number): void {
  const stride = source.interleaved ? n : plan.slab;
  const filled: unknown = plan.native
    ? source.raw!.fill(region, v0, n, stride)
    : source.fill(new Float32Array(region.buffer, region.byteOffset, region.byteLength >> 2), v0, n, stride);
  refuseAsyncFill(filled, plan.native ? "raw.fill" : "fill");
}

/**
 * A fill must have written the slab when it returns: an async one (natural for code reading a
 * FileHandle, and accepted by TypeScript where a void function is expected) would leave the kernel
 * a zeroed slab, a silently all-zero map, and write into wasm memory after the stream returned.
 */
export function refuseAsyncFill(returned: unknown, field: string): void {
  if (returned !== null && (typeof returned === "object" || typeof returned === "function") && typeof (returned as { then?: unknown }).then === "function") {
    fail({ file: "source", field, expected: "a synchronous fill that has written the slab when it returns", found: "one returning a Promise", hint: "read the data before streaming (e.g. whole slabs ahead of time), or give the volume to analyzeAsync or a pool" });
  }
}

/** A caller's slab source: the fields the kernel relies on (JavaScript callers get no type check). */
function checkSource(source: SlabSource): void {
  if (source === null || typeof source !== "object") fail({ file: "source", field: "source", expected: "a SlabSource object", found: describeValue(source) });
  if (typeof source.fill !== "function") fail({ file: "source", field: "fill", expected: "a function (dst, v0, n, stride)", found: describeValue(source.fill) });
  if (typeof source.interleaved !== "boolean") fail({ file: "source", field: "interleaved", expected: "true or false", found: describeValue(source.interleaved) });
  for (const field of ["classes", "voxels"] as const) {
    if (typeof source[field] !== "number") fail({ file: "source", field, expected: "a number", found: describeValue(source[field]) });
  }
  if (source.raw !== undefined && (source.raw === null || typeof source.raw !== "object" || typeof source.raw.fill !== "function")) {
    fail({ file: "source", field: "raw", expected: "undefined, or an object with dtype, slope, inter and a fill function", found: describeValue(source.raw) });
  }
}

/** Number of slabs of a plan. */
export function slabCount(plan: SlabPlan): number {
  return Math.ceil(plan.voxels / plan.slab);
}

/** Streams `source` through the kernel. The wasm memory stays below MAX_WASM_BYTES. */
export function streamEntropy(source: SlabSource, options: EntropyOptions, sink: SlabSink): KernelStats {
  return streamAs("streamEntropy", source, options, sink);
}

/** streamEntropy on behalf of `caller` (the name a refused nested call reports). */
function streamAs(caller: string, source: SlabSource, options: EntropyOptions, sink: SlabSink): KernelStats {
  refuseIfKernelBusy(caller);
  checkSource(source);
  checkOptions(options);
  if (typeof sink !== "function") fail({ file: "options", field: "sink", expected: "a function (v0, entropy, labels)", found: describeValue(sink) });
  const plan = planSlabs(source, options);
  const acc = emptyStats();
  // fill and sink are the caller's code: a segentropy call from there is refused (see withKernel)
  withKernel(caller, () => runSlabs(source, plan, options, 0, slabCount(plan), (_i, v0, stats, h, l) => {
    mergeStats(acc, stats);
    sink(v0, h, l);
  }));
  checkSourceRange(acc, source.values64?.name ?? "source", options.kind, source.voxels, source.values64?.scaled ?? false);
  return acc;
}

/** The stored type the kernel can read directly for this volume, or null (JavaScript decode). */
export function nativeDType(vol: Pick<ProbVolume, "dtype" | "scale">): NativeDType | null {
  const identity = !vol.scale || (vol.scale.slope === 1 && vol.scale.inter === 0);
  if (vol.dtype === "uint8" || vol.dtype === "uint16") return vol.dtype;
  if ((vol.dtype === "float32" || vol.dtype === "float64" || vol.dtype === "float16") && identity) return vol.dtype;
  return null;
}

function bytesOf(a: RawArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** A SlabSource over a stored volume: raw bytes for the natively decoded types, else decoded to
 *  f32 slab by slab. */
export function volumeSource(vol: ProbVolume): SlabSource {
  const plan = planKernel(vol);
  const { dtype, scale } = vol;
  const native = nativeDType(vol);
  const esz = native ? NATIVE_BYTES[native] : 0;
  const wide = mayLeaveFloat32(dtype, scale);
  const slope = scale?.slope ?? 1, inter = scale?.inter ?? 0;
  const scaled = slope !== 1 || inter !== 0;
  /** Elements [from, from + n) of `src` into dst[at..] in float64 (float16 through its table). */
  const wideInto = (dst: Float64Array, at: number, src: RawArray, from: number, n: number) => {
    if (dtype === "float16") {
      const f32 = new Float32Array(n);
      decodeInto(f32, 0, src, from, n, dtype);
      for (let i = 0; i < n; i++) dst[at + i] = f32[i]! * slope + inter;
    } else if (!scaled) dst.set(src.subarray(from, from + n), at);
    else for (let i = 0; i < n; i++) dst[at + i] = src[from + i]! * slope + inter;
  };
  if (plan.layout === "planar") {
    const planeBytes = native ? plan.planes.map(bytesOf) : [];
    return completeSource({
      classes: plan.classes, voxels: plan.voxels, interleaved: false,
      fill(dst, v0, n, stride) {
        for (let c = 0; c < plan.classes; c++) decodeInto(dst, c * stride, plan.planes[c]!, v0, n, dtype, scale);
      },
      ...(wide ? {
        values64: {
          name: vol.name, scaled,
          fill(dst: Float64Array, v0: number, n: number, stride: number) {
            for (let c = 0; c < plan.classes; c++) wideInto(dst, c * stride, plan.planes[c]!, v0, n);
          },
        },
      } : {}),
      ...(native ? {
        raw: {
          dtype: native, slope: scale?.slope ?? 1, inter: scale?.inter ?? 0,
          fill(dst: Uint8Array, v0: number, n: number, stride: number) {
            for (let c = 0; c < plan.classes; c++) dst.set(planeBytes[c]!.subarray(v0 * esz, (v0 + n) * esz), c * stride * esz);
          },
        },
      } : {}),
    });
  }
  const all = native ? bytesOf(plan.buffer) : new Uint8Array(0);
  const C = plan.classes;
  return completeSource({
    classes: C, voxels: plan.voxels, interleaved: true,
    fill(dst, v0, n) {
      decodeInto(dst, 0, plan.buffer, v0 * C, n * C, dtype, scale);
    },
    ...(wide ? { values64: { name: vol.name, scaled, fill(dst: Float64Array, v0: number, n: number) { wideInto(dst, 0, plan.buffer, v0 * C, n * C); } } } : {}),
    ...(native ? {
      raw: {
        dtype: native, slope: scale?.slope ?? 1, inter: scale?.inter ?? 0,
        fill(dst: Uint8Array, v0: number, n: number) {
          dst.set(all.subarray(v0 * C * esz, (v0 + n) * C * esz), 0);
        },
      },
    } : {}),
  });
}

export interface EntropyResult {
  /** Per-voxel entropy, F order over `dims` (i fastest), NaN where the input has NaN. */
  map: Float32Array;
  /** Per-voxel label when requested (argmax; region rule for sigmoid; background = C for tissue). */
  labels: Int32Array | undefined;
  /** Grid dimensions (i, j, k). */
  dims: number[];
  classes: number;
  kind: Kind;
  unit: Unit;
  stats: KernelStats;
}

/**
 * The checks every entry point runs before it touches the volume's data: the arguments are objects
 * (JavaScript callers), and the classes fit the wasm memory. The last comes before the kernel plan,
 * which makes one typed-array view per class: millions of classes used to take gigabytes of views
 * before being refused.
 */
export function checkVolumeCall(vol: ProbVolume, options: EntropyOptions): void {
  if (vol === null || typeof vol !== "object") fail({ file: "volume", field: "volume", expected: "a ProbVolume object", found: describeValue(vol) });
  // every message names the volume: without a name they would read "undefined: dtype: ..."
  if (typeof vol.name !== "string") fail({ file: "volume", field: "name", expected: "a string naming the volume in messages", found: describeValue(vol.name) });
  checkOptions(options);
  checkScaling(vol);
  const layout = planLayout(vol);
  const native = nativeDType(vol);
  planSlabs({
    classes: layout?.classes ?? classCount(vol), voxels: 4, interleaved: layout?.layout === "interleaved",
    ...(native ? { raw: { dtype: native, slope: vol.scale?.slope ?? 1, inter: vol.scale?.inter ?? 0, fill() {} } } : {}),
  }, options, vol.name);
}

const ENTROPY_OPTION_KEYS: readonly string[] = ["kind", "unit", "labels", "regionLabels", "slabBytes", "out", "labelsOut"] satisfies readonly (keyof EntropyOptions)[];

/**
 * Options must be an object (a JavaScript caller passing "bits" would otherwise get the defaults),
 * with no key the kernel does not read ({ units: "nats" } would otherwise run in bits).
 */
export function checkOptions(options: EntropyOptions): void {
  if (options === null || typeof options !== "object") fail({ file: "options", field: "options", expected: "an object of EntropyOptions", found: describeValue(options) });
  refuseUnknownKeys(options, ENTROPY_OPTION_KEYS, "options");
  if (options.labels !== undefined && typeof options.labels !== "boolean") fail({ file: "options", field: "labels", expected: "true or false", found: describeValue(options.labels) });
}

/** Computes the entropy map of a whole volume. Requires a prior `await init()`. */
export function computeEntropySync(vol: ProbVolume, options: EntropyOptions = {}): EntropyResult {
  refuseIfKernelBusy("computeEntropySync");
  checkVolumeCall(vol, options);
  const plan = planKernel(vol);
  return computeFromSource(volumeSource(vol), gridDims(vol), plan.memoryToGrid, options);
}

/**
 * Computes the entropy map of any slab source (a stored volume, a file read slab by slab): the map
 * in voxel memory order, then permuted to the F-order grid when `memoryToGrid` says so.
 */
export function computeFromSource(source: SlabSource, dims: number[], memoryToGrid: number[] | null, options: EntropyOptions = {}, caller = "computeEntropySync"): EntropyResult {
  const outputs = resultArrays(options, source.voxels);
  // a layout whose memory order is not the grid order is computed in memory order first, then
  // permuted into the outputs (the caller's `out` must hold the grid-ordered map)
  const map = memoryToGrid ? new Float32Array(source.voxels) : outputs.map;
  const labels = outputs.labels && memoryToGrid ? new Int32Array(source.voxels) : outputs.labels;
  const stats = streamAs(caller, source, options, (v0, h, l) => {
    map.set(h, v0);
    if (labels && l) labels.set(l, v0);
  });
  return finishResult(map, labels, dims, memoryToGrid, source.classes, options, stats, outputs);
}

/** The result arrays: the caller's `out` / `labelsOut`, checked, or new ones. `out` and `labelsOut`
 *  must not share memory (the labels would overwrite the map). */
export function resultArrays(options: EntropyOptions, voxels: number, make: { map: (n: number) => Float32Array; labels: (n: number) => Int32Array } = { map: (n) => new Float32Array(n), labels: (n) => new Int32Array(n) }): { map: Float32Array; labels: Int32Array | undefined } {
  const map = outputArray(options.out, voxels, make.map, "out");
  const labels = options.labels ? outputArray(options.labelsOut, voxels, make.labels, "labelsOut") : undefined;
  if (labels && map.buffer === labels.buffer && map.byteOffset < labels.byteOffset + labels.byteLength && labels.byteOffset < map.byteOffset + map.byteLength) {
    fail({ file: "options", field: "labelsOut", expected: "an array that does not share memory with out", found: "one overlapping out (the labels would overwrite the map)" });
  }
  return { map, labels };
}

/** Puts a map computed in voxel memory order on the grid: into `into` (the caller's outputs) when
 *  given, else into new arrays; without a permutation the map is returned as it is. */
export function finishResult(map: Float32Array, labels: Int32Array | undefined, dims: number[], memoryToGrid: number[] | null, classes: number, options: EntropyOptions, stats: KernelStats,
  into?: { map: Float32Array; labels: Int32Array | undefined }): EntropyResult {
  return {
    map: memoryToGrid ? permuteToGrid(map, dims, memoryToGrid, into?.map) : map,
    labels: labels && memoryToGrid ? permuteToGrid(labels, dims, memoryToGrid, into?.labels) : labels,
    dims,
    classes,
    kind: options.kind ?? "softmax",
    unit: options.unit ?? "bits",
    stats,
  };
}

/** The streaming-read floor: the same slab path as streamEntropy (the same slabs copied into wasm
 *  memory), but one SIMD pass that only sums the values as f32. Used by the benchmarks. */
export function streamSum(source: SlabSource, options: EntropyOptions = {}): number {
  return withKernel("streamSum", () => streamSumHeld(source, options));
}

function streamSumHeld(source: SlabSource, options: EntropyOptions): number {
  const ex = kernelExports();
  const plan = planSlabs(source, options);
  const C = plan.classes, slab = plan.slab;
  const inPtr = arenaStart() + plan.layout.input;
  ensureMemory(arenaStart() + plan.layout.end);
  const words = (C * slab * plan.elementBytes) >> 2;
  let sum = 0;
  for (let v0 = 0; v0 < plan.voxels; v0 += slab) {
    const n = Math.min(slab, plan.voxels - v0);
    fillSlab(source, plan, u8View(inPtr, C * slab * plan.elementBytes), v0, n);
    sum += ex.sumF32(inPtr, source.interleaved ? (n * C * plan.elementBytes) >> 2 : words);
  }
  return sum;
}
