/** The `segentropy` command: read -> analyze -> write, with every output committed atomically. */
import type { CliArgs } from "./args.js";
import { fail } from "../errors.js";
import { init } from "../kernel/wasm.js";
import { analyzeAsync, analyzeComputed, entropyOptionsFor } from "../analyze.js";
import { computeFromSource } from "../kernel/entropy.js";
import { checkRegions, propertiesRegions, regionModel } from "../measures/semantics.js";
import type { RegionNames } from "../measures/semantics.js";
import { fileSlabSource, openNpyStream } from "../node/npy-stream.js";
import type { AnalyzeOptions, References } from "../analyze.js";
import type { Kind } from "../kernel/entropy.js";
import { parseCropBox } from "../layout/crop.js";
import { buildReport, sliceWords } from "../measures/report.js";
import { nifti1Float32Parts } from "../write/nifti.js";
import { encodeNpyFloat32 } from "../write/npy.js";
import { OutputSet, readFileBytes, readNiftiFile, readNpyFile, readProbabilitiesFile, gzipParallel, createNodePool, defaultThreads } from "../node/index.js";
import { totalFileBytes } from "../node/files.js";
import type { EntropyPool } from "../kernel/pool.js";
import type { NiftiImage } from "../read/nifti.js";
import { defaultGeometry } from "../read/nifti.js";
import type { NpyArray } from "../read/npy.js";
import { renderFigures } from "./figures.js";
import type { ImageSlice } from "./figures.js";

/** The CLI's names of the region-model choices, for messages. */
const CLI_NAMES: RegionNames = { source: "command line", regions: "--regions", kind: "--kind", properties: "--properties" };

export interface RunResult {
  outputs: string[];
  lines: string[];
}

/** How the entry point stops a run (SIGINT / SIGTERM): see src/cli/main.ts. */
export interface RunControl {
  /** Aborted by a signal: the output commit then stops and is undone (CommitInterrupted). */
  signal?: AbortSignal;
  /** Called with "write" right before the outputs are committed, "done" once they are all in place. */
  onPhase?: (phase: "write" | "done") => void;
}

/** Volumes with fewer class values than this run on the main thread: starting workers costs more. */
const POOL_MIN_VALUES = 1 << 23;
/** Inputs at least this large on disk start the workers while they are read (~80 ms to start two
 *  workers, each compiling the kernel): even a well-compressed .npz of this size holds a volume
 *  that takes the pool. A pool started for a volume that turns out small is closed unused. */
const EARLY_POOL_FILE_BYTES = 4 * 1024 * 1024;

export async function run(args: CliArgs, control: RunControl = {}): Promise<RunResult> {
  if (args.inputs.length === 0) fail({ file: "command line", field: "PROBS", expected: "at least one probability file", found: "none", hint: "see segentropy --help" });
  const clock = stopwatch();
  await init();
  const threads = args.threads ?? defaultThreads();
  const early = threads > 1 && (args.threads !== undefined || totalFileBytes(args.inputs) >= EARLY_POOL_FILE_BYTES)
    ? createNodePool({ threads }) : undefined;
  // a failed start surfaces where the pool is awaited; until then it must not be an unhandled rejection
  early?.catch(() => undefined);
  try {
    return await runWith(args, clock, threads, early, control);
  } finally {
    // closes the early pool when runWith did not take it (it closes what it takes)
    if (early) void early.then((p) => p.close(), () => undefined);
  }
}

async function runWith(args: CliArgs, clock: () => number, threads: number, early: Promise<EntropyPool> | undefined, control: RunControl): Promise<RunResult> {
  const props = args.properties ? readJson(args.properties) : undefined;
  // uncompressed .npy: read slab by slab during the computation instead of whole (bounded memory)
  const stream = args.inputs.length === 1 && /\.npy$/i.test(args.inputs[0]!)
    ? openNpyStream(args.inputs[0]!, { ...(args.classAxis !== undefined ? { classAxis: args.classAxis } : {}), ...(args.scale !== undefined ? { scale: { slope: args.scale, inter: 0 } } : {}) })
    : null;
  const input = stream ? undefined : await readProbabilitiesFile(args.inputs, { ...(args.key ? { key: args.key } : {}), ...(args.classAxis !== undefined ? { classAxis: args.classAxis } : {}) });
  const info = stream ? stream.info : input!.info;
  refuseUnusedOptions(args, info.format, info.files);

  const refs: References = {};
  let imageNpy: ImageSlice | undefined;
  if (args.image) {
    if (/\.npy$/i.test(args.image)) {
      const arr = await readNpyFile(args.image);
      imageNpy = { data: arr.data, shape: arr.shape };
    } else refs.image = firstVolume(await readNiftiFile(args.image));
  }
  // a .npy label map is a 2-D (row, col) picture, as a .npy --image: it brings no geometry
  const segNpy = !!args.seg && /\.npy$/i.test(args.seg);
  if (args.seg) refs.seg = segNpy ? npyLabelSlice(await readNpyFile(args.seg), args.seg) : firstVolume(requireOneVolume(await readNiftiFile(args.seg)));

  const options: AnalyzeOptions = { unit: args.unit };
  // Safe detections only: an .npz member named 'logits', or nnU-Net properties naming regions.
  const propsRegions = propertiesRegions(props, args.properties);
  const model = regionModel({
    ...(args.regions ? { regions: args.regions } : {}), ...(args.kind ? { kind: args.kind } : {}), logitsKey: info.key === "logits",
    ...(propsRegions ? { propsRegions } : {}), propertiesFile: args.properties ?? "", names: CLI_NAMES,
  });
  options.kind = model.kind;
  const regions = model.regions;
  checkRegions(options.kind, info.classes, args.regions, args.properties, props?.regions_class_order);
  if (regions) options.regionLabels = regions;
  if (args.scale !== undefined) options.scale = args.scale;
  if (args.allowUnnormalized) options.allowUnnormalized = true;
  const cropSource = args.cropBbox ?? (props && "crop_bbox" in props ? args.properties : undefined);
  if (cropSource) {
    const fromFile = /\.json$/i.test(cropSource) || (args.cropBbox === undefined);
    const value = fromFile ? (cropSource === args.properties && props ? props : readJson(cropSource)).crop_bbox : cropSource;
    if (fromFile && value === undefined) fail({ file: cropSource, field: "crop_bbox", expected: "a crop_bbox entry", found: "none" });
    options.crop = parseCropBox(value, cropSource);
    // two different boxes for one grid: whichever won, the map would sit shifted against the other
    if (args.cropBbox !== undefined && cropSource !== args.properties && props && "crop_bbox" in props) {
      const other = parseCropBox(props.crop_bbox, args.properties);
      if (other.start.some((v, d) => v !== options.crop!.start[d]) || other.end.some((v, d) => v !== options.crop!.end[d])) {
        fail({
          file: "command line", field: "--crop-bbox", expected: `the crop box of --properties ${args.properties} (${zyxText(other)}), or no --crop-bbox`,
          found: `${zyxText(options.crop)} from ${cropSource === args.cropBbox && !fromFile ? "the command line" : cropSource}`,
          hint: "give one crop box: drop --crop-bbox to use the properties' crop_bbox",
        });
      }
    }
  }

  const timings: Record<string, number> = { read: clock() };
  let pool: EntropyPool | undefined;
  let analysis;
  try {
    // an explicit --threads is obeyed; by default small volumes stay on the main thread
    if (threads > 1 && (args.threads !== undefined || valueCount(info.shape) >= POOL_MIN_VALUES)) pool = await (early ?? createNodePool({ threads }));
    if (stream) {
      const eo = entropyOptionsFor(refs, options);
      let result;
      if (pool) result = await pool.computeOpened(stream.descriptor, stream.dims, stream.layout.memoryToGrid, eo);
      else {
        const source = fileSlabSource(stream.descriptor);
        try {
          result = computeFromSource(source, stream.dims, stream.layout.memoryToGrid, eo);
        } finally {
          source.close();
        }
      }
      analysis = analyzeComputed({ info }, refs, options, stream.volume, result);
    } else analysis = await analyzeAsync(input!, refs, options, pool);
  } finally {
    pool?.close();
  }
  // the .npy label map's stand-in geometry (1 mm, no transform) is no geometry: say so, as without it
  if (segNpy && analysis.geometrySource === refs.seg!.name) analysis = { ...analysis, geometrySource: "none (1 mm voxels, no transform)" };
  timings.compute = clock();
  if (imageNpy) checkImageSlice(imageNpy, analysis.dims, args.image!);
  const report = buildReport(analysis);
  if (options.regionLabels) report.input.regionsClassOrder = { labels: [...options.regionLabels], source: args.regions ? "--regions" : args.properties };
  const outputs = new OutputSet(args.out, { force: args.force, inputs: [...args.inputs, args.image, args.seg, args.properties].filter((x): x is string => !!x) });
  // a 2-D array (C, H, W) is a picture; a 4-D one is a volume even when z = 1 (nnU-Net's 2-D
  // (C, 1, H, W)): it keeps entropy.nii.gz and a (z, y, x) entropy.npy, as the README's table says
  const volumeArray = (info.format === "npy" || info.format === "npz") && info.shape.length === 4;
  // a 2-D array input: its entropy.npy is (row, col), with or without a NIfTI reference
  const input2d = analysis.dims[2] === 1 && !volumeArray && info.format !== "nifti1" && info.format !== "nifti2";
  // ... and without a NIfTI reference it is a picture: no entropy.nii.gz
  const is2d = input2d && !refs.image && (!refs.seg || segNpy);
  const names: string[] = [];
  // entropy.nii.gz is compressed on zlib's thread pool while this thread draws the figures; the
  // compress timing is what the run spends on it outside the figures (preparing, then waiting)
  let gzipped: Promise<Uint8Array[]> | undefined;
  // NIfTI-1 sizes are int16: a longer axis would be written wrapped, so the map goes to entropy.npy
  const niftiFits = analysis.dims.every((d) => d <= NIFTI1_MAX_DIM);
  const writeNifti = !is2d && niftiFits;
  if (writeNifti) {
    const nii = nifti1Float32Parts(analysis.map, analysis.geometry, { calMin: 0, calMax: analysis.maxPossibleEntropy, description: `segentropy ${analysis.kind} entropy (${analysis.unit})` });
    gzipped = gzipParallel(nii, args.gzipLevel);
    gzipped.catch(() => undefined); // awaited below; until then a failure must not be unhandled
    names.push("entropy.nii.gz");
  }
  let npy: Uint8Array | undefined;
  if (!writeNifti || args.npy) {
    // array order of the input: (row, col) for 2-D, (z, y, x) for 3-D, i.e. the grid axes reversed
    const shape = analysis.dims.slice(0, input2d ? 2 : 3).reverse();
    npy = encodeNpyFloat32(analysis.map, shape);
    names.push("entropy.npy");
  }
  const prepareMs = clock();
  let figureFiles: [string, Uint8Array][] = [];
  const tooLarge = args.png ? figuresTooLarge(analysis.dims) : undefined;
  if (tooLarge) report.figures = { skipped: tooLarge, files: [] };
  else if (args.png) {
    const figures = renderFigures(analysis, refs, imageNpy);
    figureFiles = [...figures.files];
    report.figures = { orientation: figures.orientation, files: [...figures.files.keys()] };
  }
  timings.figures = clock();
  if (gzipped) outputs.add("entropy.nii.gz", await gzipped);
  if (npy) outputs.add("entropy.npy", npy);
  for (const [name, png] of figureFiles) { outputs.add(name, png); names.push(name); }
  timings.compress = prepareMs + clock();
  report.outputs = names;
  report.timings = { ...secondsOf(timings), threads: pool ? threads : 1, peakRssMiB: Math.round(peakRssBytes() / 2 ** 20) };
  outputs.add("stats.json", JSON.stringify(report, null, 1) + "\n");
  // yields between files so that a signal handler runs mid-commit; an abort undoes the commit
  control.onPhase?.("write");
  const written = await outputs.commitAsync(control.signal);
  control.onPhase?.("done");
  timings.write = clock();

  const s = analysis.summary;
  const fmt = (x: number | null) => (x === null ? "n/a" : Number(x.toPrecision(6)).toString());
  const lines = [
    `segentropy: ${info.files.join(" + ")} (${info.format}${info.key ? ` '${info.key}'` : ""}, ${info.dtype} [${info.shape.join(", ")}], ${analysis.classes} classes on axis ${info.classAxis}, kind ${analysis.kind})`,
    `  total entropy ${fmt(s.totalEntropy)} ${analysis.unit} over ${s.voxels} voxels; mean ${fmt(report.meanEntropy)}, max ${fmt(report.maxEntropy)} (of ${fmt(analysis.maxPossibleEntropy)} possible)`,
    `  zero-sum voxels ${analysis.kernel.nZeroSum}, NaN voxels ${s.nanVoxels}${report.perSliceTotalEntropy[report.mostUncertainSlice.axis].length > 1 ? `; most uncertain ${sliceWords(report.mostUncertainSlice)}` : ""}`,
    ...(s.finiteVoxels === 0 ? ["  warning: every voxel is NaN: the input holds no usable probabilities"] : []),
    ...(tooLarge ? [`  note: no PNG figures: ${tooLarge}`] : []),
    ...(!is2d && !niftiFits ? [`  note: no entropy.nii.gz: the grid [${analysis.dims.join(", ")}] has an axis of more than ${NIFTI1_MAX_DIM} voxels, more than NIfTI-1 holds; the map is in entropy.npy`] : []),
    ...(analysis.geometrySource.startsWith("none") && writeNifti ? ["  note: no geometry (1 mm voxels, no transform) in entropy.nii.gz: pass --image to copy the image's affine"] : []),
    ...Object.entries(s.perLabel).slice(0, 12).map(([l, e]) => `  label ${l}: ${e.count} voxels, mean ${fmt(e.meanEntropy)}, total ${fmt(e.totalEntropy)}`),
    `  time: read ${sec(timings.read)}, compute ${sec(timings.compute)} (${pool ? `${threads} threads` : "1 thread"}), compress ${sec(timings.compress)}, figures ${sec(timings.figures)}, write ${sec(timings.write)} s`,
    `  outputs (${args.out}): ${written.map((p) => p.slice(args.out.length).replace(/^[\\/]/, "")).join(", ")}`,
  ];
  return { outputs: written, lines };
}

/** A crop box in nnU-Net's (z, y, x) order, as the user wrote it: "z0:z1,y0:y1,x0:x1". */
function zyxText(box: { start: readonly number[]; end: readonly number[] }): string {
  return [2, 1, 0].map((d) => `${box.start[d]}:${box.end[d]}`).join(",");
}

/** NIfTI-1 keeps each size in an int16. */
const NIFTI1_MAX_DIM = 32767;

/** Longest grid axis the figures draw: a slice side beyond it makes a PNG tens of thousands of pixels across. */
const FIGURE_MAX_SIDE = 8192;
/** Most voxels in a slice the figures draw (4096 x 4096): three panels of RGBA at that size take 200 MB. */
const FIGURE_MAX_VOXELS = 1 << 24;

/**
 * Why no figures are drawn for this grid, or undefined when they are: a slice of a (2, 1, 300000)
 * strip drew a 900070-pixel-wide slice.png (3 s, 500 MB) that no viewer opens. The axial slice of
 * an oblique grid can be any two axes, so the two longest are taken.
 */
function figuresTooLarge(dims: readonly number[]): string | undefined {
  const [a = 1, b = 1] = [...dims].sort((x, y) => y - x);
  if (a > FIGURE_MAX_SIDE) return `the grid [${dims.join(", ")}] has an axis of more than ${FIGURE_MAX_SIDE} voxels`;
  if (a * b > FIGURE_MAX_VOXELS) return `a slice of the grid [${dims.join(", ")}] could have more than ${FIGURE_MAX_VOXELS} voxels`;
  return undefined;
}

/** Milliseconds since the previous call. */
function stopwatch(): () => number {
  let last = performance.now();
  return () => { const now = performance.now(); const d = now - last; last = now; return d; };
}
const sec = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(2);
function secondsOf(t: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v) / 1000]));
}
/** Peak resident memory of this process so far (Node reports kilobytes). */
function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}
function valueCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function readJson(path: string): Record<string, unknown> {
  if (/\.pkl$/i.test(path)) fail({ file: path, field: "format", expected: "JSON", found: "a Python pickle", hint: "convert it (numpy values become lists and numbers): python3 -c \"import pickle,json,sys;print(json.dumps(pickle.load(open(sys.argv[1],'rb')),default=lambda o:o.tolist() if hasattr(o,'tolist') else str(o)))\" FILE.pkl > props.json" });
  const text = new TextDecoder().decode(readFileBytes(path));
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch { /* reported below */ }
  fail({ file: path, field: "content", expected: "a JSON object", found: "something else" });
}

/**
 * A .npy --seg: a 2-D (row, col) label map of a 2-D input, given to the analysis as a one-slice
 * label volume over (col, row) in F order (its C order), with the geometry of no geometry.
 */
function npyLabelSlice(arr: NpyArray, file: string): NiftiImage {
  if (arr.shape.length !== 2) {
    fail({ file, field: "--seg", expected: "a NIfTI label map, or a 2-D (row, col) .npy label map for a 2-D input", found: `a .npy of shape (${arr.shape.join(", ")})` });
  }
  if (arr.dtype === "float16") fail({ file, field: "--seg dtype", expected: "integer labels (an integer, float32 or float64 .npy)", found: "float16" });
  const [rows, cols] = arr.shape as [number, number];
  let data = arr.data;
  if (arr.order === "F" && rows > 1 && cols > 1) {
    // F order over (row, col) is C order over (col, row): transpose into (col fastest)
    const t = new (data.constructor as new (n: number) => typeof data)(data.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c + cols * r] = data[r + rows * c]!;
    data = t;
  }
  const dims = [cols, rows, 1];
  return { name: file, version: 1, dims, dtype: arr.dtype, data, scale: undefined, intentCode: 0, geometry: defaultGeometry(dims), littleEndian: true };
}

/** Image and segmentation: the first 3-D volume. */
function firstVolume(img: NiftiImage): NiftiImage {
  const [x = 1, y = 1, z = 1] = img.dims;
  const n = x * y * z;
  return img.data.length === n ? img : { ...img, dims: [x, y, z], data: img.data.subarray(0, n) };
}

/** A --seg with several volumes has no one label per voxel: using volume 0 would be a silent guess. */
function requireOneVolume(img: NiftiImage): NiftiImage {
  if (img.dims.slice(3).some((d) => d > 1)) {
    fail({ file: img.name, field: "dim", expected: "a 3-D label map", found: `dims [${img.dims.join(", ")}]`, hint: "--seg takes one label volume; save the one you mean on its own" });
  }
  return img;
}

/** Options that the input's format has no use for are refused rather than silently ignored. */
function refuseUnusedOptions(args: CliArgs, format: string, files: readonly string[]): void {
  const found = `${files.join(", ")} (${format})`;
  if (args.key !== undefined && format !== "npz") {
    fail({ file: "command line", field: "--key", expected: "an .npz input (--key names the member to read)", found, hint: "drop --key" });
  }
  if (args.classAxis !== undefined && format !== "npy" && format !== "npz") {
    fail({
      file: "command line", field: "--class-axis", expected: "a .npy or .npz input (NIfTI keeps its classes in dim 4, or in dim 5 with dim 4 = 1)",
      found, hint: "drop --class-axis",
    });
  }
}

/** A .npy --image is a 2-D (row, col) picture of a 2-D grid (col, row): another shape would be
 *  left out of the figures without a word. */
function checkImageSlice(img: ImageSlice, dims: readonly number[], file: string): void {
  const is2d = (dims[2] ?? 1) === 1;
  const want = `(${dims[1] ?? 1}, ${dims[0]})`;
  if (!is2d) {
    fail({ file, field: "--image", expected: `a NIfTI image for the 3-D grid [${dims.join(", ")}] (a .npy image only for 2-D inputs)`, found: `a .npy of shape (${img.shape.join(", ")})` });
  }
  if (img.shape.length !== 2 || img.shape[0] !== (dims[1] ?? 1) || img.shape[1] !== dims[0]) {
    fail({ file, field: "--image shape", expected: `${want} (row, col), the probabilities' 2-D grid`, found: `(${img.shape.join(", ")})` });
  }
}
