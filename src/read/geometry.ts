/**
 * Whether two NIfTI headers put their voxels at the same places in space. Files on one grid
 * (probabilities, image, segmentation, one file per class) are combined voxel by voxel, so a
 * mismatch means a map drawn at the wrong place, or classes taken from different places.
 */
import { fail } from "../errors.js";
import type { Geometry, NiftiImage } from "./nifti.js";

/** Whether the header says where its voxels are (sform or qform code set). A header without one
 *  (many tools write probability maps so) cannot disagree with anything. */
export function hasWorldGeometry(g: Geometry): boolean {
  return g.sformCode > 0 || g.qformCode > 0;
}

/**
 * How far apart two placements may put the same voxel, as a fraction of the smallest voxel size:
 * float32 storage of the affine (origins of metres at 0.1 mm voxels round by 0.005 voxel) stays
 * below it; a spacing off by 0.2% over 512 voxels (1 voxel at the far end) or a quarter-voxel
 * shift does not.
 */
const VOXEL_TOL = 0.01;

/**
 * "" when `a` and `b` (both with world geometry, on grids of the same size) map every voxel to
 * the same point within VOXEL_TOL, by any placement either header sets; otherwise what differs
 * between the affines readers use first, for an error message.
 */
function geometryMismatch(a: Geometry, b: Geometry): string {
  // a header may carry two placements (sform and qform) and tools differ in which they use (ITK,
  // hence nnU-Net's SimpleITK output, may write an image's qform where nibabel reads its sform);
  // the files agree when any placement of one matches any of the other
  for (const A of placements(a)) for (const B of placements(b)) if (!affineMismatch(A, B, a.dims)) return "";
  return affineMismatch(a.affine, b.affine, a.dims);
}

/** Refuses `img` unless it places its voxels where `reference` does (when both headers place them). */
export function requireSamePlace(reference: NiftiImage, img: NiftiImage, hint: string): void {
  if (!hasWorldGeometry(reference.geometry) || !hasWorldGeometry(img.geometry)) return;
  const mismatch = geometryMismatch(reference.geometry, img.geometry);
  if (mismatch) {
    fail({
      file: img.name, field: "affine", expected: `the placement in space of ${reference.name}: ${affineText(reference.geometry)}`,
      found: `${affineText(img.geometry)} (${mismatch})`, hint,
    });
  }
}

/** The affines a header sets: the one readers use first, then the qform readings. */
function placements(g: Geometry): number[][][] {
  const out = [g.affine];
  if (g.qformAffine && g.sformCode > 0) out.push(g.qformAffine);
  if (g.qformAffineAlt) out.push(g.qformAffineAlt);
  return out;
}

/** The largest distance between where A and B put a corner of the grid (the distance is affine in
 *  the voxel index, so its maximum over the grid is at a corner), against the smallest voxel. */
function affineMismatch(A: number[][], B: number[][], dims: readonly number[]): string {
  const voxel = Math.max(Math.min(columnNorm(A, 0), columnNorm(A, 1), columnNorm(A, 2)), 1e-9);
  let worst = 0;
  for (let corner = 0; corner < 8; corner++) {
    const v = [0, 1, 2].map((d) => ((corner >> d) & 1 ? Math.max((dims[d] ?? 1) - 1, 0) : 0));
    let d2 = 0;
    for (let r = 0; r < 3; r++) {
      const pa = A[r]![0]! * v[0]! + A[r]![1]! * v[1]! + A[r]![2]! * v[2]! + A[r]![3]!;
      const pb = B[r]![0]! * v[0]! + B[r]![1]! * v[1]! + B[r]![2]! * v[2]! + B[r]![3]!;
      d2 += (pa - pb) ** 2;
    }
    worst = Math.max(worst, Math.sqrt(d2));
  }
  return worst <= VOXEL_TOL * voxel ? "" : `voxels placed up to ${fmt(worst)} mm apart (${fmt(worst / voxel)} of the smallest voxel size ${fmt(voxel)} mm)`;
}

/** The affine's first three rows, for messages. */
function affineText(g: Geometry): string {
  return g.affine.slice(0, 3).map((row) => `[${row.map((x) => String(Number(x.toPrecision(7)))).join(", ")}]`).join(" ");
}

function columnNorm(m: number[][], c: number): number {
  return Math.hypot(m[0]![c]!, m[1]![c]!, m[2]![c]!);
}

function fmt(x: number): string {
  return String(Number(x.toPrecision(3)));
}
