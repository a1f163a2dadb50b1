import type { DType, RawArray } from "./dtype.js";
import { ARRAY_TYPE } from "./dtype.js";
import { describeValue, fail } from "../errors.js";
import { product } from "./strides.js";

/** Value scaling applied on decode: value = raw * slope + inter (NIfTI scl_slope/scl_inter). */
export interface Scaling {
  slope: number;
  inter: number;
}

/**
 * A probability volume exactly as stored: one small, explicit description that every reader
 * produces and the kernel consumes without copying.
 *
 * - `shape`/`strides` describe the array axes in elements (strides are the truth; C/F order is
 *   just one choice of strides).
 * - `classAxis` is the axis holding the classes.
 * - `gridAxes` lists the array axes that are the NIfTI voxel axes i, j, k (in that order). For an
 *   nnU-Net array (C, z, y, x) in C order this is [3, 2, 1]; for a 4-D NIfTI (x, y, z, C) it is
 *   [0, 1, 2]. Other non-class axes must have size 1.
 * - `data` is either one buffer, or one buffer per class (separate files per class, SPM c1/c2/c3),
 *   each laid out by `strides` without the class axis.
 */
export interface ProbVolume {
  data: RawArray | readonly RawArray[];
  dtype: DType;
  shape: readonly number[];
  strides: readonly number[];
  classAxis: number;
  gridAxes: readonly number[];
  scale?: Scaling;
  /** Where the data came from, for messages. */
  name: string;
}

/** The voxel grid of a volume, in NIfTI order (i fastest in the maps we produce). */
export function gridDims(vol: ProbVolume): number[] {
  return vol.gridAxes.map((a) => vol.shape[a]!);
}

export function classCount(vol: ProbVolume): number {
  return vol.shape[vol.classAxis]!;
}

/**
 * How the kernel walks a volume. `planar`: class c of voxel v (in memory order) is element v of
 * `planes[c]`. `interleaved`: element v*C + c of `buffer`. `memoryToGrid` is null when the voxel
 * memory order already is the F-order grid (i fastest), the common case; otherwise it gives, for
 * each grid axis, the stride of that axis in voxel memory order, so the map can be permuted.
 */
export type KernelPlan =
  | { layout: "planar"; planes: RawArray[]; classes: number; voxels: number; memoryToGrid: number[] | null }
  | { layout: "interleaved"; buffer: RawArray; classes: number; voxels: number; memoryToGrid: number[] | null };

/** A volume's description without its data (file-streamed volumes). */
export type VolumeMeta = Omit<ProbVolume, "data">;

/** How a single-buffer volume maps onto the kernel, decided from its description alone. */
export interface LayoutPlan {
  layout: "planar" | "interleaved";
  classes: number;
  voxels: number;
  memoryToGrid: number[] | null;
}

/** JavaScript callers build volumes by hand: a wrong dtype name, or data of another array type,
 *  would be decoded as something it is not. */
function checkData(vol: ProbVolume): void {
  const want = ARRAY_TYPE[vol.dtype];
  const arrays = Array.isArray(vol.data) ? (vol.data as readonly RawArray[]) : [vol.data as RawArray];
  arrays.forEach((a, c) => {
    if (!(a instanceof want)) {
      fail({ file: vol.name, field: Array.isArray(vol.data) ? `data of class ${c}` : "data", expected: `a ${want.name} for dtype ${vol.dtype}`, found: describeValue(a) });
    }
  });
}

/** The description's own consistency: hand-built volumes (JavaScript callers) are checked as
 *  strictly as file headers, since a wrong stride reads other voxels' values without any error. */
function checkDescription(vol: VolumeMeta): void {
  const { shape, strides, classAxis, gridAxes } = vol;
  const intList = (x: unknown): x is number[] => Array.isArray(x) && x.every((n) => Number.isSafeInteger(n));
  const listText = (x: unknown): string => `[${Array.isArray(x) ? x.map((n) => JSON.stringify(n)).join(", ") : typeof x}]`;
  if (!intList(shape) || shape.some((n) => n < 0)) {
    fail({ file: vol.name, field: "shape", expected: "a list of integers >= 0", found: listText(shape) });
  }
  if (!intList(strides) || strides.length !== shape.length || strides.some((n) => n < 0)) {
    fail({ file: vol.name, field: "strides", expected: `${shape.length} integers >= 0 (elements, one per axis of the shape)`, found: listText(strides) });
  }
  if (!Number.isSafeInteger(classAxis) || classAxis < 0 || classAxis >= shape.length) {
    fail({ file: vol.name, field: "classAxis", expected: `an axis from 0 to ${shape.length - 1}`, found: JSON.stringify(classAxis) ?? String(classAxis) });
  }
  const gridOk = intList(gridAxes) && gridAxes.length >= 1 && gridAxes.length <= 3 && new Set(gridAxes).size === gridAxes.length
    && gridAxes.every((a) => a >= 0 && a < shape.length && a !== classAxis);
  if (!gridOk) {
    fail({
      file: vol.name, field: "gridAxes", expected: `1 to 3 distinct axes from 0 to ${shape.length - 1}, other than the class axis ${classAxis}`,
      found: listText(gridAxes),
    });
  }
}

function checkAxes(vol: VolumeMeta): { C: number; voxels: number; grid: number[] } {
  if (!Object.prototype.hasOwnProperty.call(ARRAY_TYPE, vol.dtype)) {
    fail({ file: vol.name, field: "dtype", expected: `one of ${Object.keys(ARRAY_TYPE).join(", ")}`, found: JSON.stringify(vol.dtype) ?? String(vol.dtype) });
  }
  checkDescription(vol);
  const C = classCount(vol as ProbVolume);
  const spatial = vol.shape.map((_, a) => a).filter((a) => a !== vol.classAxis);
  for (const a of spatial) {
    if (!vol.gridAxes.includes(a) && vol.shape[a] !== 1) {
      fail({ file: vol.name, field: `axis ${a}`, expected: "size 1 (only the class axis and the grid axes may be longer)", found: `size ${vol.shape[a]}` });
    }
  }
  const voxels = product(vol.gridAxes.map((a) => vol.shape[a]!));
  if (voxels === 0) fail({ file: vol.name, field: "shape", expected: "at least one voxel on every grid axis", found: `(${vol.shape.join(", ")})` });
  if (C === 0) fail({ file: vol.name, field: "classes", expected: "at least one class", found: "0" });
  return { C, voxels, grid: vol.gridAxes.filter((a) => vol.shape[a]! > 1) };
}

/** Elements a buffer laid out by `strides` over `shape` (leaving out `skipAxis`) must hold. */
function extent(shape: readonly number[], strides: readonly number[], skipAxis = -1): number {
  let last = 0;
  for (let a = 0; a < shape.length; a++) if (a !== skipAxis) last += (shape[a]! - 1) * Math.abs(strides[a]!);
  return last + 1;
}

/**
 * The kernel walk of a volume stored in one buffer: planar when each class is one contiguous block,
 * interleaved when the classes of a voxel are adjacent; null when neither (a gather copy is needed).
 */
export function planLayout(vol: VolumeMeta): LayoutPlan | null {
  const { C, voxels, grid } = checkAxes(vol);
  const cs = vol.strides[vol.classAxis]!;
  if (cs === voxels || C === 1) {
    const order = compactOrder(vol, grid, 1);
    if (order) return { layout: "planar", classes: C, voxels, memoryToGrid: toGrid(vol, order, 1) };
  }
  if (cs === 1) {
    const order = compactOrder(vol, grid, C);
    if (order) return { layout: "interleaved", classes: C, voxels, memoryToGrid: toGrid(vol, order, C) };
  }
  return null;
}

export function planKernel(vol: ProbVolume): KernelPlan {
  const { C, voxels, grid } = checkAxes(vol);
  checkData(vol);
  if (Array.isArray(vol.data)) {
    const planes = vol.data as readonly RawArray[];
    if (planes.length !== C) fail({ file: vol.name, field: "class planes", expected: `${C}`, found: `${planes.length}` });
    const need = extent(vol.shape, vol.strides, vol.classAxis);
    planes.forEach((p, c) => {
      if (p.length < need) fail({ file: vol.name, field: `data of class ${c}`, expected: `${need} elements for shape (${vol.shape.join(", ")})`, found: `${p.length}` });
    });
    const order = compactOrder(vol, grid, 1);
    if (!order) return gathered(vol, C, voxels);
    return { layout: "planar", planes: planes.map((p) => p.subarray(0, voxels)), classes: C, voxels, memoryToGrid: toGrid(vol, order, 1) };
  }
  const data = vol.data as RawArray;
  const need = extent(vol.shape, vol.strides);
  if (data.length < need) fail({ file: vol.name, field: "data", expected: `${need} elements for shape (${vol.shape.join(", ")})`, found: `${data.length}` });
  const plan = planLayout(vol);
  if (!plan) return gathered(vol, C, voxels);
  if (plan.layout === "interleaved") return { ...plan, layout: "interleaved", buffer: data.subarray(0, voxels * C) };
  const cs = vol.strides[vol.classAxis]!;
  const planes: RawArray[] = [];
  for (let c = 0; c < C; c++) planes.push(data.subarray(c * cs, c * cs + voxels));
  return { ...plan, layout: "planar", planes };
}

/** Grid axes sorted by stride when they tile memory densely with unit `unit`, else null. */
function compactOrder(vol: VolumeMeta, grid: number[], unit: number): number[] | null {
  const order = [...grid].sort((a, b) => vol.strides[a]! - vol.strides[b]!);
  let expect = unit;
  for (const a of order) {
    if (vol.strides[a] !== expect) return null;
    expect *= vol.shape[a]!;
  }
  return order;
}

function toGrid(vol: VolumeMeta, memoryOrder: number[], unit: number): number[] | null {
  const grid = vol.gridAxes.filter((a) => vol.shape[a]! > 1);
  if (grid.every((a, i) => memoryOrder[i] === a)) return null;
  return vol.gridAxes.map((a) => (vol.shape[a]! > 1 ? vol.strides[a]! / unit : 0));
}

/**
 * Rare layouts (the class axis between voxel axes, sliced views): copy into planar F-order grid
 * order once. Every real-world format maps without this copy.
 */
function gathered(vol: ProbVolume, C: number, voxels: number): KernelPlan {
  const dims = gridDims(vol);
  const planes: RawArray[] = [];
  const many = Array.isArray(vol.data);
  for (let c = 0; c < C; c++) {
    const src = many ? (vol.data as readonly RawArray[])[c]! : (vol.data as RawArray);
    const base = many ? 0 : c * vol.strides[vol.classAxis]!;
    const ctor = src.constructor as new (n: number) => RawArray;
    const dst = new ctor(voxels);
    const gs = vol.gridAxes.map((a) => vol.strides[a]!);
    forEachIndex(dims, (idx, v) => {
      let off = base;
      for (let d = 0; d < idx.length; d++) off += idx[d]! * gs[d]!;
      dst[v] = src[off]!;
    });
    planes.push(dst);
  }
  return { layout: "planar", planes, classes: C, voxels, memoryToGrid: null };
}

/** Calls fn for every index of `dims` in F order (first axis fastest), with its linear position. */
export function forEachIndex(dims: readonly number[], fn: (idx: number[], linear: number) => void): void {
  const n = product(dims);
  const idx = new Array<number>(dims.length).fill(0);
  for (let v = 0; v < n; v++) {
    fn(idx, v);
    for (let d = 0; d < dims.length; d++) {
      if (++idx[d]! < dims[d]!) break;
      idx[d] = 0;
    }
  }
}

/** Reorders a map from voxel memory order into F-order grid order (see KernelPlan.memoryToGrid). */
export function permuteToGrid<T extends Float32Array | Int32Array>(map: T, dims: readonly number[], memoryStrides: readonly number[], into?: T): T {
  const out = into ?? new (map.constructor as new (n: number) => T)(map.length);
  forEachIndex(dims, (idx, v) => {
    let off = 0;
    for (let d = 0; d < idx.length; d++) off += idx[d]! * memoryStrides[d]!;
    out[v] = map[off]!;
  });
  return out;
}

/** A scaling a hand-built volume may carry: a zero or non-finite slope gives an all-zero or all-NaN map. */
export function checkScaling(volume: ProbVolume, field = "scale"): void {
  const scale: unknown = volume.scale;
  if (scale === undefined) return;
  const { slope, inter } = (typeof scale === "object" && scale !== null ? scale : {}) as { slope?: unknown; inter?: unknown };
  const ok = typeof slope === "number" && Number.isFinite(slope) && slope !== 0 && typeof inter === "number" && Number.isFinite(inter);
  if (!ok) {
    fail({
      file: volume.name, field, expected: "{ slope, inter }: a finite non-zero slope and a finite intercept (value = stored * slope + inter), or no scale",
      found: typeof scale === "object" && scale !== null ? `slope ${String(slope)}, inter ${String(inter)}` : describeValue(scale),
    });
  }
}
