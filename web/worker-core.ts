/**
 * The demo worker's message logic, apart from the Worker global so that it can be tested in Node:
 * reading, inflating, entropy computation and gzip, with only the package's public API.
 *
 * Runs overlap (each request is handled as it arrives, the page's ids increase), so results are
 * matched to runs: only the newest run requested may post its result and keep its volume for hover
 * probes; an older run that finishes later is dropped. A probe names the run whose map the page
 * shows, and is answered from that run only (else `run: null`), never from another file's volume.
 */
import { runPipeline, isSegentropyError, classValuesAt, probabilitiesFor, readNpyFrom, SegentropyError } from "../src/index.js";
import type { PipelineInputs, PipelineProgress, PipelineResult } from "../src/index.js";
import type { Reply, Request, ResultMessage } from "./protocol.js";

export type Post = (m: Reply, transfer?: Transferable[]) => void;

/** The handler of the worker's messages; `pipeline` is the library's runPipeline (a test may wrap it). */
export function createWorkerHandler(post: Post, pipeline: typeof runPipeline = runPipeline): (msg: Request) => Promise<void> {
  /** The id of the newest run requested: an older one still under way is superseded. */
  let latest = 0;
  /** The run whose result was posted last (the map the page shows), kept for hover probes. */
  let shown: { id: number; result: PipelineResult } | undefined;

  return async (msg: Request): Promise<void> => {
    if (msg.type === "probe") {
      const last = shown && shown.id === msg.run ? shown.result : undefined;
      if (!last) { post({ type: "probe", id: msg.id, run: null, ijk: msg.ijk, values: null, probabilities: null }); return; }
      const values = classValuesAt(last.input.volume, msg.ijk, last.analysis.crop) ?? null;
      post({ type: "probe", id: msg.id, run: msg.run, ijk: msg.ijk, values, probabilities: values ? probabilitiesFor(last.analysis.kind, values) : null });
      return;
    }
    const t0 = performance.now();
    latest = msg.id;
    shown = undefined; // the page clears or dims its panels until this run's result
    const current = () => msg.id === latest;
    try {
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
      const progress: PipelineProgress = (step, fraction) => { if (current()) post({ type: "progress", id: msg.id, step, fraction }); };
      const r = await pipeline(msg.classAxis === undefined ? inputs : { ...inputs, classAxis: msg.classAxis }, progress);
      if (!current()) return; // a newer run was requested meanwhile: its result is the one to show
      const a = r.analysis;
      let image: Float32Array | null = null;
      if (r.image) {
        const n = a.dims[0]! * a.dims[1]! * a.dims[2]!;
        const slope = r.image.scale?.slope ?? 1, inter = r.image.scale?.inter ?? 0;
        image = new Float32Array(n);
        for (let v = 0; v < n; v++) image[v] = r.image.data[v]! * slope + inter;
      } else if (npyImage) {
        const arr = await readNpyFrom(npyImage);
        if (!current()) return;
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
      shown = { id: msg.id, result: r };
      post(out, transfer);
    } catch (err) {
      if (!current()) return;
      if (isSegentropyError(err)) {
        post({ type: "error", id: msg.id, message: err.message, file: err.file, field: err.field, expected: err.expected, found: err.found, ...(err.hint ? { hint: err.hint } : {}), known: true });
      } else {
        post({ type: "error", id: msg.id, message: err instanceof Error ? err.message : String(err), known: false });
      }
    }
  };
}
