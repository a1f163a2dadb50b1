/**
 * The demo's Web Worker: all reading, inflating, entropy computation and gzip happen here, so the
 * page never freezes. It uses only the package's public API.
 */
import {
  runPipeline, isSegentropyError, classValuesAt, probabilitiesFor, readNpyFrom, SegentropyError,
  init, readProbabilitiesFrom, readNiftiFrom, analyze, buildReport, encodeEntropyNiftiGz, parseCropBox, toBytes,
} from "../src/index.js";
import type { AnalyzeOptions, NiftiImage, PipelineInputs, PipelineProgress, PipelineResult, References } from "../src/index.js";
import type { Reply, Request, ResultMessage } from "./protocol.js";

let last: PipelineResult | undefined;
const post = (m: Reply, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

self.onmessage = async (ev: MessageEvent<Request>) => {
  const msg = ev.data;
  if (msg.type === "probe") {
    if (!last) { post({ type: "probe", id: msg.id, ijk: msg.ijk, values: null, probabilities: null }); return; }
    const values = classValuesAt(last.input.volume, msg.ijk, last.analysis.crop) ?? null;
    post({ type: "probe", id: msg.id, ijk: msg.ijk, values, probabilities: values ? probabilitiesFor(last.analysis.kind, values) : null });
    return;
  }
  const t0 = performance.now();
  try {
    last = undefined;
    // a 2-D .npy image (beside 2-D .npy probabilities) is only displayed: it carries no geometry
    const npyImage = msg.image && /\.npy$/i.test(msg.image.name) ? msg.image : undefined;
    const inputs: PipelineInputs = {
      probabilities: msg.probs.length === 1 ? msg.probs[0]! : msg.probs,
      ...(msg.image && !npyImage ? { image: msg.image } : {}),
      ...(msg.seg ? { seg: msg.seg } : {}),
      ...(msg.props ? { properties: msg.props } : {}),
      ...(msg.kind ? { kind: msg.kind } : {}),
      ...(msg.unit ? { unit: msg.unit } : {}),
    };
    const progress: PipelineProgress = (step, fraction) => post({ type: "progress", id: msg.id, step, fraction });
    const r = msg.classAxis === undefined ? await runPipeline(inputs, progress) : await runWithClassAxis(inputs, msg.classAxis, progress);
    last = r;
    const a = r.analysis;
    let image: Float32Array | null = null;
    if (r.image) {
      const n = a.dims[0]! * a.dims[1]! * a.dims[2]!;
      const slope = r.image.scale?.slope ?? 1, inter = r.image.scale?.inter ?? 0;
      image = new Float32Array(n);
      for (let v = 0; v < n; v++) image[v] = r.image.data[v]! * slope + inter;
    } else if (npyImage) {
      const arr = await readNpyFrom(npyImage);
      const n = a.dims[0]! * a.dims[1]! * a.dims[2]!;
      // (row, col) C order is (i = col, j = row) F order: the same element order
      const want = a.dims[2] === 1 ? [a.dims[1]!, a.dims[0]!] : [...a.dims].reverse();
      if (arr.shape.length !== want.length || arr.shape.some((d, i) => d !== want[i]) || arr.order !== "C") {
        throw new SegentropyError({ file: npyImage.name, field: "shape", expected: `(${want.join(", ")}) in C order, the probabilities' grid`, found: `(${arr.shape.join(", ")}) in ${arr.order} order` });
      }
      image = new Float32Array(n);
      for (let v = 0; v < n; v++) image[v] = Number(arr.data[v]);
    }
    const info = a.input;
    const map = new Float32Array(a.map);
    const labels = new Int32Array(a.labels);
    const out: ResultMessage = {
      type: "result", id: msg.id, dims: a.dims, map, labels, labelSource: a.labelSource, image,
      affine: a.geometry.affine, summary: a.summary, report: r.report, niftiGz: r.niftiGz,
      kind: a.kind, unit: a.unit, classes: a.classes, maxPossibleEntropy: a.maxPossibleEntropy,
      names: {
        probs: info.files.join(" + "),
        ...(msg.image ? { image: msg.image.name } : {}), ...(msg.seg ? { seg: msg.seg.name } : {}), ...(msg.props ? { props: msg.props.name } : {}),
      },
      inputLine: `${info.format}${info.key ? ` '${info.key}'` : ""}, ${info.dtype} [${info.shape.join(", ")}] (${info.axes.join(", ")}), ${a.classes} classes, kind ${a.kind}${a.crop ? `, cropped grid placed at [${a.crop.start.join(", ")}]` : ""}`,
      format: info.format,
      classFiles: info.format === "nifti-per-class" ? msg.probs.map((f) => f.name) : [],
      millis: performance.now() - t0,
    };
    const transfer: Transferable[] = [map.buffer, labels.buffer, r.niftiGz.buffer as ArrayBuffer];
    if (image) transfer.push(image.buffer);
    post(out, transfer);
  } catch (err) {
    if (isSegentropyError(err)) {
      post({ type: "error", id: msg.id, message: err.message, file: err.file, field: err.field, expected: err.expected, found: err.found, ...(err.hint ? { hint: err.hint } : {}), known: true });
    } else {
      post({ type: "error", id: msg.id, message: err instanceof Error ? err.message : String(err), known: false });
    }
  }
};

/**
 * runPipeline with a class axis for .npy/.npz probabilities. runPipeline has no classAxis input
 * (PipelineInputs lacks it), so this composes the same steps from the public API, passing classAxis
 * to readProbabilitiesFrom. Once PipelineInputs takes `classAxis`, this becomes runPipeline({ ...inp, classAxis }).
 */
async function runWithClassAxis(inp: PipelineInputs, classAxis: number, onProgress: PipelineProgress): Promise<PipelineResult> {
  onProgress("starting the WebAssembly kernel", 0);
  await init();
  const probs = inp.probabilities;
  const probName = Array.isArray(probs) ? "probabilities" : (probs as File).name;
  const step = (from: number, to: number, text: string) => (done: number, total: number) => onProgress(text, from + (to - from) * (total > 0 ? Math.min(1, done / total) : 0));
  let props: Record<string, unknown> | undefined;
  if (inp.properties) {
    const name = (inp.properties as File).name;
    try { props = JSON.parse(new TextDecoder().decode(await toBytes(inp.properties, { name }))) as Record<string, unknown>; } catch { /* below */ }
    if (!props || typeof props !== "object" || Array.isArray(props)) throw new SegentropyError({ file: name, field: "content", expected: "a JSON object (nnU-Net properties)", found: "something else" });
  }
  onProgress(`reading ${probName}`, 0.02);
  const input = await readProbabilitiesFrom(probs, { name: probName, classAxis, onProgress: step(0.02, 0.4, `reading ${probName}`) });
  const refs: References = {};
  let image: NiftiImage | undefined, seg: NiftiImage | undefined;
  if (inp.image) {
    const name = (inp.image as File).name;
    onProgress(`reading ${name}`, 0.45);
    refs.image = image = firstVolume(await readNiftiFrom(inp.image, { name, onProgress: step(0.45, 0.55, `reading ${name}`) }));
  }
  if (inp.seg) {
    const name = (inp.seg as File).name;
    onProgress(`reading ${name}`, 0.55);
    refs.seg = seg = firstVolume(await readNiftiFrom(inp.seg, { name, onProgress: step(0.55, 0.6, `reading ${name}`) }));
  }
  const options: AnalyzeOptions = { unit: inp.unit ?? "bits" };
  const regions = Array.isArray(props?.regions_class_order) ? (props.regions_class_order as number[]) : undefined;
  let kind = inp.kind;
  if (!kind && input.info.key === "logits") kind = "logits";
  if (!kind && regions) kind = "sigmoid";
  options.kind = kind ?? "softmax";
  if (regions) options.regionLabels = regions;
  if (props && "crop_bbox" in props) options.crop = parseCropBox(props.crop_bbox, (inp.properties as File).name);
  onProgress("computing entropy (SIMD WebAssembly)", 0.62);
  const analysis = analyze(input, refs, options);
  onProgress("encoding entropy.nii.gz", 0.85);
  const niftiGz = await encodeEntropyNiftiGz(analysis);
  onProgress("done", 1);
  return { analysis, report: buildReport(analysis), input, image, seg, niftiGz };
}

/** Image and segmentation: the first 3-D volume (as runPipeline does). */
function firstVolume(img: NiftiImage): NiftiImage {
  const [x = 1, y = 1, z = 1] = img.dims;
  const n = x * y * z;
  return img.data.length === n ? img : { ...img, dims: [x, y, z], data: img.data.subarray(0, n) };
}
