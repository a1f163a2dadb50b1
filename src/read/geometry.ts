/**
 * Whether two NIfTI headers put their voxels at the same places in space. Files on one grid
 * (probabilities, image, segmentation, one file per class) are combined voxel by voxel, so a
 * mismatch means a map drawn at the wrong place, or classes taken from different places.
 */
import type { Geometry } from "./nifti.js";

/** Whether the header says where its voxels are (sform or qform code set). A header without one
 *  (many tools write probability maps so) cannot disagree with anything. */
export function hasWorldGeometry(g: Geometry): boolean {
  return g.sformCode > 0 || g.qformCode > 0;
}

/** Linear part (rotation and zooms) may differ by this fraction of the voxel size: float32 storage
 *  of the sform and quaternion round-trips stay below 1e-6 of it. */
const LINEAR_TOL = 1e-4;
/** Origins may differ by this fraction of the voxel size (float32 offsets of a few hundred mm). */
const ORIGIN_TOL = 1e-3;

/**
 * "" when `a` and `b` (both with world geometry) map voxel (i, j, k) to the same point within the
 * tolerances, by the sform or the qform of either; otherwise what differs between the affines
 * readers use, for an error message. Grids of different sizes are checked elsewhere.
 */
export function geometryMismatch(a: Geometry, b: Geometry): string {
  // a header may carry two placements (sform and qform) and tools differ in which they use: the
  // files agree when any placement of one matches any of the other; otherwise report the main ones
  for (const A of placements(a)) for (const B of placements(b)) if (!affineMismatch(A, B)) return "";
  return affineMismatch(a.affine, b.affine);
}

/** The affines a header sets: the one readers use first, then the qform when it differs. */
function placements(g: Geometry): number[][][] {
  return g.qformAffine && g.sformCode > 0 ? [g.affine, g.qformAffine] : [g.affine];
}

function affineMismatch(A: number[][], B: number[][]): string {
  const voxel = Math.max(columnNorm(A, 0), columnNorm(A, 1), columnNorm(A, 2), 1e-6);
  let linear = 0, origin = 0;
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) linear = Math.max(linear, Math.abs(A[r]![c]! - B[r]![c]!));
    origin = Math.max(origin, Math.abs(A[r]![3]! - B[r]![3]!));
  }
  const parts: string[] = [];
  if (!(linear <= LINEAR_TOL * voxel)) parts.push(`axes or voxel sizes differ by up to ${fmt(linear)} mm per voxel`);
  if (!(origin <= ORIGIN_TOL * voxel)) parts.push(`origins differ by up to ${fmt(origin)} mm`);
  return parts.join(", ");
}

/** The affine's first three rows, for messages. */
export function affineText(g: Geometry): string {
  return g.affine.slice(0, 3).map((row) => `[${row.map(fmt).join(", ")}]`).join(" ");
}

function columnNorm(m: number[][], c: number): number {
  return Math.hypot(m[0]![c]!, m[1]![c]!, m[2]![c]!);
}

function fmt(x: number): string {
  return String(Number(x.toPrecision(5)));
}
