/**
 * Cut one 2-D slice out of a 3-D (or 2-D) Fortran-order grid, laid out for the screen by a ViewPlan:
 * row-major, row 0 at the top, column 0 at the left, flips already applied.
 */
import type { ViewPlan } from "./orientation.js";

/** Voxel grid in F order: index = i + nx * (j + ny * k). dims may be [nx, ny] for 2-D data. */
export interface GridVolume { data: ArrayLike<number>; dims: readonly number[] }
/** A screen-ready scalar slice (row-major, row 0 at the top). */
export interface Slice { width: number; height: number; data: Float32Array }

/** [nx, ny, nz] with missing trailing axes as 1. */
export function gridDims3(dims: readonly number[]): [number, number, number] {
  const d = [dims[0] ?? 1, dims[1] ?? 1, dims[2] ?? 1] as [number, number, number];
  if (d.some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError(`bad grid dims [${dims.join(", ")}]`);
  return d;
}

/** Number of slices a plan can cut from a grid (valid indices are 0..count-1, in voxel order). */
export function sliceCount(dims: readonly number[], plan: ViewPlan): number {
  return gridDims3(dims)[plan.sliceAxis]!;
}

/**
 * The slice at voxel index `index` along plan.sliceAxis (the raw voxel index, not flipped, so it
 * matches k in "axial k=42" and the NIfTI file). NaN in the data is kept (renderers give it a colour).
 */
export function extractSlice(volume: GridVolume, plan: ViewPlan, index: number): Slice {
  const dims = gridDims3(volume.dims);
  const strides = [1, dims[0], dims[0] * dims[1]];
  if (volume.data.length < dims[0] * dims[1] * dims[2]) {
    throw new RangeError(`volume has ${volume.data.length} values, dims [${dims.join(", ")}] need ${dims[0] * dims[1] * dims[2]}`);
  }
  const nSlice = dims[plan.sliceAxis]!;
  if (!Number.isInteger(index) || index < 0 || index >= nSlice) {
    throw new RangeError(`slice index ${index} out of range 0..${nSlice - 1} for the ${plan.view} view`);
  }
  const width = dims[plan.colAxis]!, height = dims[plan.rowAxis]!;
  // Walk the screen with per-pixel strides; a flip starts at the far end and steps backwards.
  const sc = strides[plan.colAxis]!, sr = strides[plan.rowAxis]!;
  const stepC = plan.flipCol ? -sc : sc, stepR = plan.flipRow ? -sr : sr;
  const origin = index * strides[plan.sliceAxis]! + (plan.flipCol ? (width - 1) * sc : 0) + (plan.flipRow ? (height - 1) * sr : 0);
  const out = new Float32Array(width * height);
  const src = volume.data;
  for (let r = 0; r < height; r++) {
    let o = origin + r * stepR;
    for (let c = 0; c < width; c++, o += stepC) out[r * width + c] = src[o]!;
  }
  return { width, height, data: out };
}
