/** The stats.json document: what was computed, and what input the reader understood. */
import type { Analysis } from "../analyze.js";
import { argmaxIndex } from "./summary.js";
import { VERSION } from "../version.js";
import { axisCodes, viewPlan } from "../render/orientation.js";

/**
 * The most uncertain slice, along the voxel axis the figures call axial (the one nearest the
 * subject's S-I axis, from the grid's orientation), or along grid axis k when there is no geometry.
 */
export interface MostUncertainSlice {
  /** Voxel axis the slices are taken along (earlier versions: always "k", whatever the orientation). */
  axis: "i" | "j" | "k";
  index: number;
  totalEntropy: number;
  /** "axial": `axis` is the grid's S-I axis; "grid k": no geometry, slices along grid axis k. */
  view: "axial" | "grid k";
  /** Directions of the voxel axes (i, j, k), e.g. "RAS" or "SAR"; null without geometry. */
  voxelAxes: string | null;
}

export interface Report {
  tool: string;
  unit: string;
  kind: string;
  totalEntropy: number;
  meanEntropy: number | null;
  maxEntropy: number | null;
  minEntropy: number | null;
  meanNormalizedEntropy: number | null;
  meanEntropyForeground: number | null;
  maxPossibleEntropy: number;
  voxels: number;
  finiteVoxels: number;
  nanVoxels: number;
  zeroSumVoxels: number;
  mostUncertainSlice: MostUncertainSlice;
  perSliceTotalEntropy: { i: number[]; j: number[]; k: number[] };
  perLabel: { source: string; labels: Record<string, { count: number; meanEntropy: number; totalEntropy: number }> };
  input: Record<string, unknown>;
  grid: { dims: number[]; affine: number[][]; geometrySource: string };
  [extra: string]: unknown;
}

/** JSON has no NaN: a mean over zero voxels is reported as null. */
function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function buildReport(a: Analysis): Report {
  const s = a.summary;
  const input: Record<string, unknown> = {
    ...a.input,
    classes: a.classes,
    kind: a.kind,
    valueRange: { min: num(a.kernel.minValue), max: num(a.kernel.maxValue) },
  };
  if (a.kind === "softmax") input.classSums = { min: num(a.kernel.minSum), max: num(a.kernel.maxSum) };
  if (a.kind === "tissue") input.note = "SPM rule: clipped to [0,1], divided by the sum where it exceeds 1, background = 1 - sum added as the last class";
  // tissue maps labelled by argmax: labels 0..C-1 are the given classes, C the added background,
  // so "label > 0" is not the tissue; report the mean over the given classes as well
  let tissue: { meanEntropyTissueClasses: number | null } | undefined;
  if (a.kind === "tissue" && a.labelSource === "argmax") {
    let count = 0, total = 0;
    for (const [l, e] of Object.entries(s.perLabel)) if (Number(l) >= 0 && Number(l) < a.classes) { count += e.count; total += e.totalEntropy; }
    tissue = { meanEntropyTissueClasses: count ? total / count : null };
  }
  if (a.crop) input.cropBox = { start_ijk: a.crop.start, end_ijk: a.crop.end, note: "cropped nnU-Net v1 grid placed on the image grid; entropy 0 and label 0 outside" };
  return {
    tool: `segentropy ${VERSION}`,
    unit: a.unit,
    kind: a.kind,
    totalEntropy: s.totalEntropy,
    meanEntropy: num(s.meanEntropy),
    maxEntropy: num(s.maxEntropy),
    minEntropy: num(s.minEntropy),
    meanNormalizedEntropy: num(s.meanNormalizedEntropy),
    meanEntropyForeground: num(s.meanEntropyForeground),
    ...(tissue ?? {}),
    maxPossibleEntropy: a.maxPossibleEntropy,
    voxels: s.voxels,
    finiteVoxels: s.finiteVoxels,
    nanVoxels: s.nanVoxels,
    zeroSumVoxels: a.kernel.nZeroSum,
    mostUncertainSlice: mostUncertainSlice(a),
    perSliceTotalEntropy: s.perSliceTotal,
    perLabel: { source: a.labelSource, labels: s.perLabel },
    input,
    grid: { dims: a.dims, affine: a.geometry.affine, geometrySource: a.geometrySource },
  };
}

/** The most uncertain slice as the figures see it: along the axial voxel axis (first of equal totals). */
export function mostUncertainSlice(a: Pick<Analysis, "summary" | "geometry" | "geometrySource">): MostUncertainSlice {
  const none = a.geometrySource.startsWith("none");
  const axis = none ? "k" : (["i", "j", "k"] as const)[viewPlan(a.geometry.affine, "axial").sliceAxis]!;
  const totals = a.summary.perSliceTotal[axis];
  const index = argmaxIndex(totals);
  return { axis, index, totalEntropy: totals[index] ?? 0, view: none ? "grid k" : "axial", voxelAxes: none ? null : axisCodes(a.geometry.affine) };
}

/** The slice in words, e.g. "axial slice i=10 (voxel axes SAR)", "slice k=3 (no geometry: along grid axis k)". */
export function sliceWords(m: MostUncertainSlice): string {
  return m.view === "axial" ? `axial slice ${m.axis}=${m.index} (voxel axes ${m.voxelAxes})` : `slice ${m.axis}=${m.index} (no geometry: along grid axis k)`;
}
