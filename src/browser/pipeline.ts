/**
 * The browser pipeline in one call, as the CLI composes it: read the probability file (and the
 * optional image, segmentation and nnU-Net properties) from browser sources, analyse, and encode
 * entropy.nii.gz. Reports progress by step; runs anywhere (a Web Worker in the demo).
 */
import { describeValue, fail, refuseUnknownKeys } from "../errors.js";
import { propertiesRegions, regionModel } from "../measures/semantics.js";
import type { RegionNames } from "../measures/semantics.js";
import { init } from "../kernel/wasm.js";
import type { Kind, Unit } from "../kernel/entropy.js";
import { analyze } from "../analyze.js";
import type { Analysis, AnalyzeOptions, References } from "../analyze.js";
import { parseCropBox } from "../layout/crop.js";
import { buildReport } from "../measures/report.js";
import type { Report } from "../measures/report.js";
import type { ProbInput } from "../read/probabilities.js";
import type { NiftiImage } from "../read/nifti.js";
import type { BinarySource } from "./io.js";
import { encodeEntropyNiftiGz, readNiftiFrom, readProbabilitiesFrom, sourceName, toBytes } from "./io.js";


/** The pipeline's names of the region-model choices, for messages. */
const PIPELINE_NAMES: RegionNames = { source: "options", regions: "regionLabels", kind: "kind", properties: "properties" };
export interface PipelineInputs {
  /** The probability file (or several 3-D NIfTI files, one per class). */
  probabilities: BinarySource | readonly BinarySource[];
  /** Names for ArrayBuffer sources (File and Response carry their own). */
  probabilitiesName?: string;
  image?: BinarySource;
  imageName?: string;
  seg?: BinarySource;
  segName?: string;
  /** nnU-Net properties as JSON (crop_bbox for v1, regions_class_order for region models). */
  properties?: BinarySource;
  propertiesName?: string;
  kind?: Kind;
  unit?: Unit;
  /** .npz member (default: probabilities, softmax, logits, or the only one). */
  key?: string;
  /** .npy/.npz: the class axis (default 0, nnU-Net's (C, z, y, x); negative counts from the end). */
  classAxis?: number;
  /** Sigmoid kind: the label each channel paints (must agree with the properties' regions_class_order when both are given). */
  regionLabels?: readonly number[];
}

export interface PipelineResult {
  analysis: Analysis;
  report: Report;
  input: ProbInput;
  image: NiftiImage | undefined;
  seg: NiftiImage | undefined;
  /** entropy.nii.gz, the CLI's bytes up to gzip framing. */
  niftiGz: Uint8Array;
}

/** `fraction` is the whole pipeline's progress in [0, 1]. */
export type PipelineProgress = (step: string, fraction: number) => void;

const PIPELINE_INPUT_KEYS: readonly string[] = [
  "probabilities", "probabilitiesName", "image", "imageName", "seg", "segName", "properties", "propertiesName", "kind", "unit", "key", "classAxis", "regionLabels",
] satisfies readonly (keyof PipelineInputs)[];

/** The inputs object: its keys (a misspelt one, { units: "nats" }, would run with the default) and names as strings. */
function checkInputs(inp: PipelineInputs, onProgress: unknown): void {
  if (inp === null || typeof inp !== "object" || Array.isArray(inp)) fail({ file: "arguments", field: "inputs", expected: "an object { probabilities, image?, seg?, properties?, kind?, unit?, ... }", found: describeValue(inp) });
  refuseUnknownKeys(inp, PIPELINE_INPUT_KEYS, "inputs");
  if (inp.probabilities === undefined || inp.probabilities === null) fail({ file: "arguments", field: "inputs.probabilities", expected: "a probability file (File, Blob, ArrayBuffer, typed array or fetch Response), or a list of them", found: describeValue(inp.probabilities) });
  for (const field of ["probabilitiesName", "imageName", "segName", "propertiesName", "key"] as const) {
    const v: unknown = inp[field];
    if (v !== undefined && typeof v !== "string") fail({ file: "arguments", field: `inputs.${field}`, expected: "a string", found: describeValue(v) });
  }
  if (typeof onProgress !== "function") fail({ file: "arguments", field: "onProgress", expected: "a function (step, fraction), or nothing", found: describeValue(onProgress) });
}

export async function runPipeline(inp: PipelineInputs, onProgress: PipelineProgress = () => {}): Promise<PipelineResult> {
  checkInputs(inp, onProgress);
  onProgress("starting the WebAssembly kernel", 0);
  await init();
  const probName = inp.probabilitiesName ?? (Array.isArray(inp.probabilities) ? "probabilities" : sourceName(inp.probabilities as BinarySource, "probabilities"));
  const report = (from: number, to: number, step: string) => (done: number, total: number) => onProgress(step, from + (to - from) * (total > 0 ? Math.min(1, done / total) : 0));

  let props: Record<string, unknown> | undefined;
  if (inp.properties) {
    const name = inp.propertiesName ?? sourceName(inp.properties, "properties.json");
    const text = new TextDecoder().decode(await toBytes(inp.properties, { name }));
    try { props = JSON.parse(text) as Record<string, unknown>; } catch { /* below */ }
    if (!props || typeof props !== "object" || Array.isArray(props)) fail({ file: name, field: "content", expected: "a JSON object (nnU-Net properties)", found: "something else" });
  }

  onProgress(`reading ${probName}`, 0.02);
  const input = await readProbabilitiesFrom(inp.probabilities, {
    name: probName, onProgress: report(0.02, 0.4, `reading ${probName}`), ...(inp.key ? { key: inp.key } : {}),
    ...(inp.classAxis !== undefined ? { classAxis: inp.classAxis } : {}),
  });
  const refs: References = {};
  let image: NiftiImage | undefined, seg: NiftiImage | undefined;
  if (inp.image) {
    const name = inp.imageName ?? sourceName(inp.image, "image.nii");
    onProgress(`reading ${name}`, 0.45);
    image = firstVolume(await readNiftiFrom(inp.image, { name, onProgress: report(0.45, 0.55, `reading ${name}`) }));
    refs.image = image;
  }
  if (inp.seg) {
    const name = inp.segName ?? sourceName(inp.seg, "seg.nii");
    onProgress(`reading ${name}`, 0.55);
    seg = firstVolume(await readNiftiFrom(inp.seg, { name, onProgress: report(0.55, 0.6, `reading ${name}`) }));
    refs.seg = seg;
  }

  const options: AnalyzeOptions = { unit: inp.unit ?? "bits" };
  const propertiesFile = inp.propertiesName ?? (inp.properties ? sourceName(inp.properties, "properties.json") : "");
  const propsRegions = propertiesRegions(props, propertiesFile);
  // the same rules as the CLI: one region order, a region model read only as sigmoid, and
  // regionLabels alone only with kind "sigmoid" (they do not choose it: a softmax file would be
  // read as independent channels)
  const kind = inp.kind;
  const model = regionModel({
    ...(inp.regionLabels ? { regions: inp.regionLabels } : {}), ...(kind ? { kind } : {}), logitsKey: input.info.key === "logits",
    ...(propsRegions ? { propsRegions } : {}), propertiesFile, names: PIPELINE_NAMES,
  });
  options.kind = model.kind;
  const regions = model.regions;
  if (regions) options.regionLabels = regions;
  if (props && "crop_bbox" in props) options.crop = parseCropBox(props.crop_bbox, inp.propertiesName ?? "properties.json");

  onProgress("computing entropy (SIMD WebAssembly)", 0.62);
  const analysis = analyze(input, refs, options);
  onProgress("encoding entropy.nii.gz", 0.85);
  const niftiGz = await encodeEntropyNiftiGz(analysis);
  onProgress("done", 1);
  return { analysis, report: buildReport(analysis), input, image, seg, niftiGz };
}

/** Image and segmentation: the first 3-D volume (as the CLI does). */
function firstVolume(img: NiftiImage): NiftiImage {
  const [x = 1, y = 1, z = 1] = img.dims;
  const n = x * y * z;
  return img.data.length === n ? img : { ...img, dims: [x, y, z], data: img.data.subarray(0, n) };
}
