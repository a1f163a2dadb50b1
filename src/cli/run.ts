/** The `segentropy` command: read -> analyze -> write, with every output committed atomically. */
import type { CliArgs } from "./args.js";
import { fail } from "../errors.js";
import { init } from "../kernel/wasm.js";
import { analyze } from "../analyze.js";
import type { AnalyzeOptions, References } from "../analyze.js";
import type { Kind } from "../kernel/entropy.js";
import { parseCropBox } from "../layout/crop.js";
import { buildReport } from "../measures/report.js";
import { encodeNifti1Float32 } from "../write/nifti.js";
import { encodeNpyFloat32 } from "../write/npy.js";
import { OutputSet, readFileBytes, readNiftiFile, readNpyFile, readProbabilitiesFile, gzipNode } from "../node/index.js";
import type { NiftiImage } from "../read/nifti.js";
import { renderFigures } from "./figures.js";
import type { ImageSlice } from "./figures.js";

export interface RunResult {
  outputs: string[];
  lines: string[];
}

export async function run(args: CliArgs): Promise<RunResult> {
  if (args.inputs.length === 0) fail({ file: "command line", field: "PROBS", expected: "at least one probability file", found: "none", hint: "see segentropy --help" });
  await init();
  const props = args.properties ? readJson(args.properties) : undefined;
  const input = await readProbabilitiesFile(args.inputs, { ...(args.key ? { key: args.key } : {}), ...(args.classAxis !== undefined ? { classAxis: args.classAxis } : {}) });

  const refs: References = {};
  let imageNpy: ImageSlice | undefined;
  if (args.image) {
    if (/\.npy$/i.test(args.image)) {
      const arr = await readNpyFile(args.image);
      imageNpy = { data: arr.data, shape: arr.shape };
    } else refs.image = firstVolume(await readNiftiFile(args.image));
  }
  if (args.seg) refs.seg = firstVolume(await readNiftiFile(args.seg));

  const options: AnalyzeOptions = { unit: args.unit };
  let kind: Kind | undefined = args.kind;
  // Safe detections only: an .npz member named 'logits', or nnU-Net properties naming regions.
  const regions = args.regions ?? (Array.isArray(props?.regions_class_order) ? (props.regions_class_order as number[]) : undefined);
  if (!kind && input.info.key === "logits") kind = "logits";
  if (!kind && args.properties && regions) kind = "sigmoid";
  options.kind = kind ?? "softmax";
  if (regions) options.regionLabels = regions;
  if (args.scale !== undefined) options.scale = args.scale;
  if (args.allowUnnormalized) options.allowUnnormalized = true;
  const cropSource = args.cropBbox ?? (props && "crop_bbox" in props ? args.properties : undefined);
  if (cropSource) {
    const fromFile = /\.json$/i.test(cropSource) || (args.cropBbox === undefined);
    const value = fromFile ? (cropSource === args.properties && props ? props : readJson(cropSource)).crop_bbox : cropSource;
    if (fromFile && value === undefined) fail({ file: cropSource, field: "crop_bbox", expected: "a crop_bbox entry", found: "none" });
    options.crop = parseCropBox(value, cropSource);
  }

  const analysis = analyze(input, refs, options);
  const report = buildReport(analysis);
  const outputs = new OutputSet(args.out, { force: args.force, inputs: [...args.inputs, args.image, args.seg, args.properties].filter((x): x is string => !!x) });
  const is2d = analysis.dims[2] === 1 && input.info.format !== "nifti1" && input.info.format !== "nifti2" && !refs.image && !refs.seg;
  const names: string[] = [];
  if (!is2d) {
    const nii = encodeNifti1Float32(analysis.map, analysis.geometry, { calMin: 0, calMax: analysis.maxPossibleEntropy, description: `segentropy ${analysis.kind} entropy (${analysis.unit})` });
    outputs.add("entropy.nii.gz", gzipNode(nii, args.gzipLevel));
    names.push("entropy.nii.gz");
  }
  if (is2d || args.npy) {
    // array order of the input: (row, col) for 2-D, (z, y, x) for 3-D, i.e. the grid axes reversed
    const shape = analysis.dims.slice(0, is2d ? 2 : 3).reverse();
    outputs.add("entropy.npy", encodeNpyFloat32(analysis.map, shape));
    names.push("entropy.npy");
  }
  if (args.png) {
    const figures = renderFigures(analysis, refs, imageNpy);
    for (const [name, png] of figures.files) { outputs.add(name, png); names.push(name); }
    report.figures = { orientation: figures.orientation, files: [...figures.files.keys()] };
  }
  report.outputs = names;
  outputs.add("stats.json", JSON.stringify(report, null, 1) + "\n");
  const written = outputs.commit();

  const s = analysis.summary;
  const fmt = (x: number | null) => (x === null ? "n/a" : Number(x.toPrecision(6)).toString());
  const lines = [
    `segentropy: ${input.info.files.join(" + ")} (${input.info.format}${input.info.key ? ` '${input.info.key}'` : ""}, ${input.info.dtype} [${input.info.shape.join(", ")}], ${analysis.classes} classes on axis ${input.info.classAxis}, kind ${analysis.kind})`,
    `  total entropy ${fmt(s.totalEntropy)} ${analysis.unit} over ${s.voxels} voxels; mean ${fmt(report.meanEntropy)}, max ${fmt(report.maxEntropy)} (of ${fmt(analysis.maxPossibleEntropy)} possible)`,
    `  zero-sum voxels ${analysis.kernel.nZeroSum}, NaN voxels ${s.nanVoxels}; most uncertain slice k=${report.mostUncertainSlice.index}`,
    ...Object.entries(s.perLabel).slice(0, 12).map(([l, e]) => `  label ${l}: ${e.count} voxels, mean ${fmt(e.meanEntropy)}, total ${fmt(e.totalEntropy)}`),
    `  outputs (${args.out}): ${written.map((p) => p.slice(args.out.length).replace(/^[\\/]/, "")).join(", ")}`,
  ];
  return { outputs: written, lines };
}

function readJson(path: string): Record<string, unknown> {
  if (/\.pkl$/i.test(path)) fail({ file: path, field: "format", expected: "JSON", found: "a Python pickle", hint: "convert it: python -c \"import pickle,json,sys;print(json.dumps(pickle.load(open(sys.argv[1],'rb')),default=list))\" FILE.pkl > props.json" });
  const text = new TextDecoder().decode(readFileBytes(path));
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch { /* reported below */ }
  fail({ file: path, field: "content", expected: "a JSON object", found: "something else" });
}

/** Image and segmentation: the first 3-D volume. */
function firstVolume(img: NiftiImage): NiftiImage {
  const [x = 1, y = 1, z = 1] = img.dims;
  const n = x * y * z;
  return img.data.length === n ? img : { ...img, dims: [x, y, z], data: img.data.subarray(0, n) };
}
