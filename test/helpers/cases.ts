/** Access to the copied shared cases (test/fixtures/cases) and their float64 expectations. */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { analyze, parseCropBox, readNiftiFile, readProbabilitiesFile, readNpyFile } from "../../src/node/index.js";
import type { Analysis, AnalyzeOptions, Kind, References } from "../../src/node/index.js";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "cases");

export interface Manifest {
  case_id: string;
  semantics: { kind: string; regions_class_order?: number[] };
  files: Record<string, { path?: string; paths?: string[]; key?: string } | undefined>;
  expected: Record<string, unknown> & {
    total_entropy: number; mean_entropy: number; max_entropy: number; n_nan_voxels: number; n_zero_sum_voxels: number;
    mean_normalized_entropy: number;
    per_argmax_label: Record<string, { count: number; mean_entropy: number; total_entropy: number }>;
    per_slice_total_entropy_k?: number[]; per_row_total_entropy?: number[];
  };
  expected_full_image_grid?: Manifest["expected"];
}

export const KIND: Record<string, Kind> = { softmax: "softmax", logits: "logits", sigmoid_multilabel: "sigmoid", tissue_maps_missing_background_spm: "tissue" };

export function caseNames(): string[] {
  return readdirSync(FIXTURES).filter((d) => existsSync(join(FIXTURES, d, "manifest.json"))).sort();
}

export function manifest(name: string): Manifest {
  return JSON.parse(readFileSync(join(FIXTURES, name, "manifest.json"), "utf8")) as Manifest;
}

export function probPaths(name: string, m = manifest(name)): string[] {
  const p = m.files.probabilities!;
  return (p.paths ?? [p.path!]).map((f) => join(FIXTURES, name, f));
}

/** Runs the library pipeline the way the CLI does for this case. `withSeg` passes seg.nii.gz. */
export async function analyzeCase(name: string, withSeg: boolean, extra: AnalyzeOptions = {}): Promise<Analysis> {
  const m = manifest(name);
  const dir = join(FIXTURES, name);
  const input = await readProbabilitiesFile(probPaths(name, m));
  const refs: References = {};
  const img = m.files.image?.path;
  if (img && /\.nii(\.gz)?$/.test(img)) refs.image = await readNiftiFile(join(dir, img));
  const seg = m.files.segmentation?.path;
  if (withSeg && seg) refs.seg = await readNiftiFile(join(dir, seg));
  const options: AnalyzeOptions = { kind: KIND[m.semantics.kind]!, ...extra };
  if (m.semantics.regions_class_order) options.regionLabels = m.semantics.regions_class_order;
  const props = m.files.properties?.path ? JSON.parse(readFileSync(join(dir, m.files.properties.path), "utf8")) as Record<string, unknown> : undefined;
  if (props?.crop_bbox) options.crop = parseCropBox(props.crop_bbox, "properties.json");
  return analyze(input, refs, options);
}

/** The expected map in F order over the grid (NIfTI) or (row, col) C order (2-D .npy). */
export async function expectedMap(name: string): Promise<Float32Array> {
  const m = manifest(name);
  const p = join(FIXTURES, name, m.files.expected_entropy!.path!);
  if (p.endsWith(".npy")) return (await readNpyFile(p)).data as Float32Array;
  return (await readNiftiFile(p)).data as Float32Array;
}

/** The expectations that match our output grid (the full image grid for the cropped v1 case). */
export function expectedOnGrid(m: Manifest): Manifest["expected"] {
  return m.expected_full_image_grid ?? m.expected;
}
