/** The stats.json document: what was computed, and what input the reader understood. */
import type { Analysis } from "../analyze.js";
import { argmaxIndex } from "./summary.js";
import { VERSION } from "../version.js";

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
  mostUncertainSlice: { axis: "k"; index: number; totalEntropy: number };
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
  const k = argmaxIndex(s.perSliceTotal.k);
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
    mostUncertainSlice: { axis: "k", index: k, totalEntropy: s.perSliceTotal.k[k] ?? 0 },
    perSliceTotalEntropy: s.perSliceTotal,
    perLabel: { source: a.labelSource, labels: s.perLabel },
    input,
    grid: { dims: a.dims, affine: a.geometry.affine, geometrySource: a.geometrySource },
  };
}
