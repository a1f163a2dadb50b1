/**
 * The demo page: file intake (drop, pickers, the bundled sample), a Web Worker that runs the
 * pipeline, and the viewer (three panels, slice slider, axis switch, hover read-out, per-slice
 * profile, statistics, downloads). All pixels come from src/render, as the CLI's PNGs do.
 */
import { VERSION, downloadBlob } from "../src/index.js";
import type { Kind, Unit } from "../src/index.js";
import {
  viewPlan, extractSlice, sliceCount, scalarToRGBA, labelsToRGBA, overlay, colorBar, profilePlot,
  percentileWindow, threePanelFigure, encodePng, labelColor, NEUROLOGICAL_ORIENTATION,
} from "../src/render/index.js";
import type { RGBAImage, Slice, View, ViewPlan } from "../src/render/index.js";
import type { ErrorMessage, ProbeMessage, Reply, ResultMessage, RunRequest } from "./protocol.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
type Role = "probs" | "image" | "seg" | "props";

const SAMPLE = { probs: "sample/probabilities.npz", image: "sample/image.nii.gz", seg: "sample/seg.nii.gz" };

const state = {
  files: { probs: [] as File[], image: undefined as File | undefined, seg: undefined as File | undefined, props: undefined as File | undefined },
  result: undefined as ResultMessage | undefined,
  view: "axial" as View,
  plan: undefined as ViewPlan | undefined,
  index: 0,
  imageWindow: [0, 1] as [number, number],
  runId: 0,
  probeId: 0,
  hover: undefined as [number, number, number] | undefined,
  /** Screen position (column, row) of the pointer on the panels, kept while the slice changes. */
  cursor: undefined as [number, number] | undefined,
  /** Steps the worker reported for the current run (shown in the progress bar). */
  steps: [] as string[],
};

const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
worker.onmessage = (ev: MessageEvent<Reply>) => {
  const m = ev.data;
  if (m.type === "probe") { if (m.id === state.probeId) showProbe(m); return; }
  if (m.id !== state.runId) return; // a newer run superseded this one
  if (m.type === "progress") setProgress(m.step, m.fraction);
  else if (m.type === "error") showError(m);
  else showResult(m);
};
worker.onerror = (ev) => showError({ type: "error", id: state.runId, message: `the worker failed: ${ev.message}`, known: false });

// ---------------------------------------------------------------- intake

/** Which role a file plays, from its name and (NIfTI) its header. */
async function classify(file: File): Promise<Role | undefined> {
  const n = file.name.toLowerCase();
  if (n.endsWith(".json")) return "props";
  if (n.endsWith(".npz")) return "probs";
  if (n.endsWith(".npy")) return /image|img|t1|t2|slice|_0000|anat/.test(n) && !/prob|softmax|logit/.test(n) ? "image" : "probs";
  if (!/\.nii(\.gz)?$/.test(n)) return undefined;
  const h = await peekNifti(file).catch(() => undefined);
  if (h && ((h.dims[3] ?? 1) > 1 || ((h.dims[3] ?? 1) === 1 && (h.dims[4] ?? 1) > 1))) return "probs";
  if (/prob|softmax|posterior|logit|pve|tpm|^c[1-6]/.test(n)) return "probs";
  if (/seg|label|mask|pred|parc|aseg/.test(n)) return "seg";
  if (/image|img|t1|t2|flair|_0000|anat|ct|mri/.test(n)) return "image";
  // integer data without a name hint: a label map; floating point: an image
  return h && [2, 4, 8, 256, 512, 768].includes(h.datatype) ? "seg" : "image";
}

/** dims and datatype from a NIfTI-1/2 header (inflating only the first bytes of a .gz). */
async function peekNifti(file: Blob): Promise<{ dims: number[]; datatype: number } | undefined> {
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  let stream: ReadableStream<Uint8Array> = file.stream();
  if (head[0] === 0x1f && head[1] === 0x8b) stream = stream.pipeThrough(new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
  const reader = stream.getReader();
  const buf = new Uint8Array(540);
  let got = 0;
  try {
    while (got < 540) {
      const r = await reader.read();
      if (r.done) break;
      const take = Math.min(r.value.length, 540 - got);
      buf.set(r.value.subarray(0, take), got);
      got += take;
    }
  } finally { reader.cancel().catch(() => {}); }
  if (got < 348) return undefined;
  const dv = new DataView(buf.buffer);
  for (const le of [true, false]) {
    const size = dv.getInt32(0, le);
    if (size === 348) {
      const nd = dv.getInt16(40, le);
      return { dims: Array.from({ length: Math.min(7, Math.max(0, nd)) }, (_, i) => dv.getInt16(42 + 2 * i, le)), datatype: dv.getInt16(70, le) };
    }
    if (size === 540 && got >= 540) {
      const nd = Number(dv.getBigInt64(16, le));
      return { dims: Array.from({ length: Math.min(7, Math.max(0, nd)) }, (_, i) => Number(dv.getBigInt64(24 + 8 * i, le))), datatype: dv.getInt16(12, le) };
    }
  }
  return undefined;
}

async function addFiles(list: Iterable<File> | ArrayLike<File>): Promise<void> {
  const files = Array.from(list);
  if (files.length === 0) return;
  const roles = await Promise.all(files.map(classify));
  const probs: File[] = [];
  const unknown: string[] = [];
  files.forEach((f, i) => {
    const r = roles[i];
    if (r === "probs") probs.push(f);
    else if (r === "image" || r === "seg" || r === "props") state.files[r] = f;
    else unknown.push(f.name);
  });
  if (probs.length) {
    state.files.probs = probs;
    // a new probability file starts a new case: forget references that came with an earlier one
    for (const r of ["image", "seg", "props"] as const) if (!files.includes(state.files[r] as File)) state.files[r] = undefined;
  }
  showAssigned();
  if (unknown.length) {
    showError({ type: "error", id: 0, known: true, message: "", file: unknown.join(", "), field: "file type", expected: ".npz, .npy, .nii, .nii.gz or .json", found: "another kind of file" });
    if (!probs.length) return;
  }
  run();
}

function setRole(role: Role, list: FileList | null): void {
  if (!list || list.length === 0) return;
  if (role === "probs") state.files.probs = [...list];
  else state.files[role] = list[0];
  showAssigned();
  run();
}

function showAssigned(): void {
  const f = state.files;
  const parts = [
    `probabilities: ${f.probs.length ? f.probs.map((x) => x.name).join(" + ") : "—"}`,
    `image: ${f.image?.name ?? "—"}`, `segmentation: ${f.seg?.name ?? "—"}`,
    ...(f.props ? [`properties: ${f.props.name}`] : []),
  ];
  $("assigned").textContent = parts.join("   ·   ");
}

async function loadSample(): Promise<void> {
  setProgress("downloading the sample case", 0);
  try {
    const get = async (url: string) => {
      const r = await fetch(url);
      if (!r.ok) throw new Error(`${url}: ${r.status} ${r.statusText}`);
      return new File([await r.blob()], url.slice(url.lastIndexOf("/") + 1));
    };
    const [probs, image, seg] = await Promise.all([get(SAMPLE.probs), get(SAMPLE.image), get(SAMPLE.seg)]);
    state.files = { probs: [probs], image, seg, props: undefined };
    showAssigned();
    run();
  } catch (err) {
    showError({ type: "error", id: 0, message: `could not load the sample case (${err instanceof Error ? err.message : String(err)})`, known: false });
  }
}

function run(): void {
  const f = state.files;
  if (!f.probs.length) { showError({ type: "error", id: 0, known: true, message: "", file: "inputs", field: "probabilities", expected: "a probability file (.npz, .npy or 4-D NIfTI)", found: "only references", hint: "add the model's probability output" }); return; }
  hideError();
  const req: RunRequest = {
    type: "run", id: ++state.runId, probs: f.probs,
    ...(f.image ? { image: f.image } : {}), ...(f.seg ? { seg: f.seg } : {}), ...(f.props ? { props: f.props } : {}),
    ...($<HTMLSelectElement>("kind").value ? { kind: $<HTMLSelectElement>("kind").value as Kind } : {}),
    unit: $<HTMLSelectElement>("unit").value as Unit,
  };
  document.body.dataset.state = "running";
  state.steps = [];
  setProgress("starting", 0);
  worker.postMessage(req);
}

// ---------------------------------------------------------------- status

function setProgress(step: string, fraction: number): void {
  if (state.steps[state.steps.length - 1] !== step) state.steps.push(step);
  const p = $<HTMLProgressElement>("progress");
  p.hidden = fraction >= 1;
  p.value = fraction;
  $("step").textContent = fraction >= 1 ? step : `${step}…`;
}

function showError(m: ErrorMessage): void {
  document.body.dataset.state = "error";
  const box = $("error");
  box.hidden = false;
  box.replaceChildren();
  const title = document.createElement("strong");
  title.textContent = m.known ? `${m.file} can not be used` : "Something went wrong";
  const text = document.createElement("div");
  text.textContent = m.known && m.field
    ? `${m.field}: expected ${m.expected}, but found ${m.found}.${m.hint ? ` Hint: ${m.hint}.` : ""}`
    : m.message;
  box.append(title, text);
  $<HTMLProgressElement>("progress").hidden = true;
  $("step").textContent = "";
}
function hideError(): void { $("error").hidden = true; }

// ---------------------------------------------------------------- viewer

function showResult(r: ResultMessage): void {
  state.result = r;
  hideError();
  setProgress(`done in ${(r.millis / 1000).toFixed(2)} s: ${r.names.probs}`, 1);
  $("viewer").hidden = false;
  state.imageWindow = r.image ? percentileWindow(subsample(r.image, 200_000)) : [0, 1];
  $("image-caption").textContent = r.image ? `input (${r.names.image})` : "input (no image given: entropy in grey)";
  $("seg-caption").textContent = r.labelSource === "segmentation" ? `segmentation (${r.names.seg})` : r.labelSource === "regions" ? "segmentation (regions from the probabilities)" : "segmentation (argmax of the probabilities)";
  setView(state.view, true);
  showStats(r);
  document.body.dataset.state = "done";
}

function subsample(a: Float32Array, n: number): Float32Array {
  if (a.length <= n) return a;
  const step = a.length / n, out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = a[Math.floor(i * step)]!;
  return out;
}

function setView(view: View, jumpToPeak: boolean): void {
  const r = state.result;
  if (!r) return;
  state.view = view;
  state.cursor = undefined;
  state.hover = undefined;
  $("viewer").classList.remove("hovering");
  const plan = viewPlan(r.affine, view);
  state.plan = plan;
  const count = sliceCount(r.dims, plan);
  const slider = $<HTMLInputElement>("slice");
  slider.max = String(count - 1);
  const profile = perSlice(r, plan);
  if (jumpToPeak || state.index >= count) {
    let best = 0;
    for (let i = 1; i < profile.length; i++) if (profile[i]! > profile[best]!) best = i;
    state.index = best;
  }
  $("orientation").textContent = `screen: ${plan.left} ← → ${plan.right}, ${plan.top} top (neurological)`;
  $("orientation").title = NEUROLOGICAL_ORIENTATION;
  drawSlice();
}

function perSlice(r: ResultMessage, plan: ViewPlan): number[] {
  const t = r.summary.perSliceTotal;
  return [t.i, t.j, t.k][plan.sliceAxis]!;
}

const axisName = (a: number) => "ijk"[a]!;

function drawSlice(): void {
  const r = state.result, plan = state.plan;
  if (!r || !plan) return;
  const k = state.index;
  $<HTMLInputElement>("slice").value = String(k);
  $("slice-out").textContent = `${axisName(plan.sliceAxis)} = ${k} / ${sliceCount(r.dims, plan) - 1}`;
  const ent = extractSlice({ data: r.map, dims: r.dims }, plan, k);
  const lab = extractSlice({ data: r.labels, dims: r.dims }, plan, k);
  const img: Slice | undefined = r.image ? extractSlice({ data: r.image, dims: r.dims }, plan, k) : undefined;
  const base = img ? scalarToRGBA(img, { colormap: "gray", min: state.imageWindow[0], max: state.imageWindow[1] }) : scalarToRGBA(ent, { colormap: "gray", min: 0, max: r.maxPossibleEntropy });
  const dimmed = { ...base, data: base.data.map((v, i) => (i % 4 === 3 ? v : v * 0.5)) };
  put("canvas-image", base, plan);
  put("canvas-seg", overlay(dimmed, labelsToRGBA(lab), 0.5), plan);
  put("canvas-entropy", scalarToRGBA(ent, { colormap: "inferno", min: 0, max: r.maxPossibleEntropy }), plan);
  const h = $<HTMLCanvasElement>("canvas-entropy").clientHeight || 300;
  const bar = colorBar("inferno", 0, r.maxPossibleEntropy, { height: Math.round(h / 2), label: r.unit, background: [17, 19, 23, 255] });
  const bc = $<HTMLCanvasElement>("colorbar");
  bc.width = bar.width; bc.height = bar.height; bc.style.width = `${bar.width * 2}px`; bc.style.height = `${bar.height * 2}px`;
  bc.getContext("2d")!.putImageData(new ImageData(new Uint8ClampedArray(bar.data), bar.width, bar.height), 0, 0);
  drawProfile();
  if (state.cursor) showHover(toVoxel(state.cursor[0], state.cursor[1]));
}

/** Draws an RGBA image at voxel resolution; CSS scales it up with the voxel aspect ratio. */
function put(id: string, img: RGBAImage, plan: ViewPlan): void {
  const c = $<HTMLCanvasElement>(id);
  if (c.width !== img.width) c.width = img.width;
  if (c.height !== img.height) c.height = img.height;
  c.getContext("2d")!.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
  const w = img.width * plan.colSpacing, h = img.height * plan.rowSpacing;
  const s = Math.min(340 / w, 340 / h);
  c.style.width = `${Math.round(w * s)}px`;
  c.style.height = `${Math.round(h * s)}px`;
}

function drawProfile(): void {
  const r = state.result, plan = state.plan;
  if (!r || !plan) return;
  const c = $<HTMLCanvasElement>("profile");
  const width = Math.max(200, Math.min(900, c.clientWidth || 900));
  const img = profilePlot(perSlice(r, plan), { width, height: 120, highlight: state.index, label: `total entropy (${r.unit}) per ${axisName(plan.sliceAxis)} slice`, background: [27, 30, 36, 255] });
  c.width = img.width; c.height = img.height;
  c.getContext("2d")!.putImageData(new ImageData(new Uint8ClampedArray(img.data), img.width, img.height), 0, 0);
}

/** Voxel (i, j, k) under a pointer on a panel canvas. */
function voxelAt(c: HTMLCanvasElement, ev: MouseEvent): [number, number, number] | undefined {
  const r = state.result, plan = state.plan;
  if (!r || !plan) return undefined;
  const box = c.getBoundingClientRect();
  const col = Math.floor(((ev.clientX - box.left) / box.width) * c.width);
  const row = Math.floor(((ev.clientY - box.top) / box.height) * c.height);
  if (col < 0 || row < 0 || col >= c.width || row >= c.height) return undefined;
  state.cursor = [col, row];
  return toVoxel(col, row);
}

/** Voxel (i, j, k) shown at screen (column, row) of the current slice. */
function toVoxel(col: number, row: number): [number, number, number] {
  const plan = state.plan!, c = $<HTMLCanvasElement>("canvas-entropy");
  const ijk: [number, number, number] = [0, 0, 0];
  ijk[plan.sliceAxis] = state.index;
  ijk[plan.colAxis] = plan.flipCol ? c.width - 1 - col : col;
  ijk[plan.rowAxis] = plan.flipRow ? c.height - 1 - row : row;
  return ijk;
}

/** The linked cross-hair on all three panels. */
function drawCursor(): void {
  const viewer = $("viewer");
  if (!state.cursor) { viewer.classList.remove("hovering"); return; }
  viewer.classList.add("hovering");
  const c = $<HTMLCanvasElement>("canvas-entropy");
  const [col, row] = state.cursor;
  const fx = (col + 0.5) / c.width, fy = (row + 0.5) / c.height;
  for (const cell of viewer.querySelectorAll<HTMLElement>(".cell")) {
    const canvas = cell.querySelector("canvas")!;
    (cell.querySelector(".xh.v") as HTMLElement).style.left = `${Math.round(fx * canvas.clientWidth)}px`;
    (cell.querySelector(".xh.h") as HTMLElement).style.top = `${Math.round(fy * canvas.clientHeight)}px`;
  }
}

const fmt = (x: number | null | undefined, digits = 6) => (x === null || x === undefined || Number.isNaN(x) ? "n/a" : Number(x.toPrecision(digits)).toString());

function showHover(ijk: [number, number, number]): void {
  const r = state.result;
  if (!r) return;
  state.hover = ijk;
  const [nx, ny] = r.dims as [number, number];
  const v = ijk[0] + nx * (ijk[1] + ny * ijk[2]);
  const a = r.affine;
  const world = [0, 1, 2].map((d) => a[d]![0]! * ijk[0] + a[d]![1]! * ijk[1] + a[d]![2]! * ijk[2] + a[d]![3]!);
  const lines = [
    `voxel (i, j, k) = (${ijk.join(", ")})   world ${world.map((x) => x.toFixed(1)).join(", ")} mm`,
    `entropy ${fmt(r.map[v], 4)} ${r.unit} (of ${fmt(r.maxPossibleEntropy, 4)} possible)   label ${r.labels[v]} (${r.labelSource})${r.image ? `   image ${fmt(r.image[v], 5)}` : ""}`,
    "class probabilities: …",
  ];
  $("hover").textContent = lines.join("\n");
  $("hover").dataset.voxel = ijk.join(",");
  drawCursor();
  worker.postMessage({ type: "probe", id: ++state.probeId, ijk });
}

function showProbe(m: ProbeMessage): void {
  const r = state.result;
  if (!r || !state.hover || m.ijk.join() !== state.hover.join()) return;
  const el = $("hover");
  const lines = (el.textContent ?? "").split("\n").slice(0, 2);
  if (!m.values || !m.probabilities) lines.push("class probabilities: outside the probability grid (cropped nnU-Net v1 case): certain background");
  else {
    const names = m.probabilities.map((_, c) => (r.kind === "tissue" && c === m.probabilities!.length - 1 ? "bg" : `${c}`));
    const probs = m.probabilities.map((p, c) => `${names[c]}: ${p.toFixed(4)}`).join("   ");
    const raw = m.values.some((x, c) => Math.abs(x - m.probabilities![c]!) > 5e-5) ? `\nstored values:       ${m.values.map((x) => fmt(x, 4)).join("   ")}` : "";
    lines.push(`class probabilities: ${probs}${raw}`);
  }
  el.textContent = lines.join("\n");
}

function showStats(r: ResultMessage): void {
  const s = r.report;
  $("input-line").textContent = `${r.names.probs}: ${r.inputLine}. Grid [${r.dims.join(", ")}]${r.names.image ? `, geometry from ${r.names.image}` : ""}.`;
  const rows: Array<[string, string, number | null, string]> = [
    ["totalEntropy", "total entropy", s.totalEntropy, r.unit],
    ["meanEntropy", "mean entropy per voxel", s.meanEntropy, r.unit],
    ["maxEntropy", "largest voxel entropy", s.maxEntropy, `${r.unit} (of ${fmt(s.maxPossibleEntropy)} possible)`],
    ["meanNormalizedEntropy", "mean normalised entropy", s.meanNormalizedEntropy, "(0 = certain, 1 = uniform)"],
    ["meanEntropyForeground", "mean entropy in the foreground (label > 0)", s.meanEntropyForeground, r.unit],
    ["voxels", "voxels", s.voxels, ""],
    ["nanVoxels", "NaN voxels", s.nanVoxels, ""],
    ["zeroSumVoxels", "all-zero voxels", s.zeroSumVoxels, ""],
    ["mostUncertainSlice", "most uncertain axial slice", s.mostUncertainSlice.index, `k (total ${fmt(s.mostUncertainSlice.totalEntropy)} ${r.unit})`],
  ];
  const dl = $("stats");
  dl.replaceChildren();
  for (const [key, label, value, unit] of rows) {
    const dt = document.createElement("dt"); dt.textContent = label;
    const dd = document.createElement("dd");
    dd.dataset.stat = key;
    dd.dataset.value = value === null ? "null" : String(value);
    dd.textContent = `${fmt(value)} ${unit}`.trim();
    dl.append(dt, dd);
  }
  const tbody = $("labels").querySelector("tbody")!;
  tbody.replaceChildren();
  for (const [label, e] of Object.entries(s.perLabel.labels)) {
    const tr = document.createElement("tr");
    tr.dataset.label = label;
    const sw = document.createElement("span");
    sw.className = "swatch";
    const c = Number(label) === 0 ? [0, 0, 0] : labelColor(Number(label));
    sw.style.background = `rgb(${c.join(",")})`;
    const cells = [label, String(e.count), fmt(e.meanEntropy), fmt(e.totalEntropy)];
    cells.forEach((t, n) => {
      const td = document.createElement("td");
      if (n === 0) td.append(sw);
      td.append(t);
      tr.append(td);
    });
    tbody.append(tr);
  }
}

function figurePng(): Uint8Array {
  const r = state.result!, plan = state.plan!;
  const k = state.index;
  return encodePng(threePanelFigure({
    ...(r.image ? { image: extractSlice({ data: r.image, dims: r.dims }, plan, k), imageMin: state.imageWindow[0], imageMax: state.imageWindow[1] } : {}),
    labels: extractSlice({ data: r.labels, dims: r.dims }, plan, k),
    entropy: extractSlice({ data: r.map, dims: r.dims }, plan, k),
    entropyMax: r.maxPossibleEntropy, unitLabel: r.unit, marks: plan,
    title: `${r.names.probs}  ${plan.view} ${axisName(plan.sliceAxis)}=${k}`,
  }));
}

// ---------------------------------------------------------------- wiring

$("version").textContent = VERSION;
$<HTMLInputElement>("files").addEventListener("change", (e) => { void addFiles((e.target as HTMLInputElement).files ?? []); });
for (const role of ["probs", "image", "seg", "props"] as const) {
  $<HTMLInputElement>(`file-${role}`).addEventListener("change", (e) => setRole(role, (e.target as HTMLInputElement).files));
}
for (const id of ["kind", "unit"]) $(id).addEventListener("change", () => { if (state.files.probs.length) run(); });
$("load-sample").addEventListener("click", () => { void loadSample(); });
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); void addFiles(e.dataTransfer?.files ?? []); });
// dropping anywhere on the page works too (and never navigates away from it)
window.addEventListener("dragover", (e) => e.preventDefault());
window.addEventListener("drop", (e) => { if (!drop.contains(e.target as Node)) { e.preventDefault(); void addFiles(e.dataTransfer?.files ?? []); } });

for (const input of document.querySelectorAll<HTMLInputElement>("input[name=axis]")) {
  input.addEventListener("change", () => { if (input.checked) setView(input.value as View, true); });
}
$<HTMLInputElement>("slice").addEventListener("input", (e) => { state.index = Number((e.target as HTMLInputElement).value); drawSlice(); });
for (const id of ["canvas-image", "canvas-seg", "canvas-entropy"]) {
  const c = $<HTMLCanvasElement>(id);
  c.addEventListener("mousemove", (ev) => { const ijk = voxelAt(c, ev); if (ijk && ijk.join() !== state.hover?.join()) showHover(ijk); });
  c.addEventListener("mouseleave", () => { state.cursor = undefined; drawCursor(); });
  c.addEventListener("wheel", (ev) => {
    if (!state.result || !state.plan) return;
    ev.preventDefault();
    const max = sliceCount(state.result.dims, state.plan) - 1;
    state.index = Math.min(max, Math.max(0, state.index + (ev.deltaY > 0 ? -1 : 1)));
    drawSlice();
  }, { passive: false });
}
$<HTMLCanvasElement>("profile").addEventListener("click", (ev) => {
  const r = state.result, plan = state.plan;
  if (!r || !plan) return;
  const c = ev.currentTarget as HTMLCanvasElement;
  const box = c.getBoundingClientRect();
  const x = ((ev.clientX - box.left) / box.width) * c.width;
  const n = perSlice(r, plan).length, plotW = c.width - 4;
  state.index = Math.min(n - 1, Math.max(0, Math.floor(((x - 2) * n) / plotW)));
  drawSlice();
});
$("download-nifti").addEventListener("click", () => {
  const r = state.result;
  if (r) downloadBlob(new Blob([r.niftiGz as BlobPart], { type: "application/gzip" }), "entropy.nii.gz");
});
$("download-png").addEventListener("click", () => {
  if (state.result) downloadBlob(new Blob([figurePng() as BlobPart], { type: "image/png" }), `entropy_${state.view}_${state.index}.png`);
});
$("download-stats").addEventListener("click", () => {
  if (state.result) downloadBlob(new Blob([JSON.stringify(state.result.report, null, 1) + "\n"], { type: "application/json" }), "stats.json");
});
window.addEventListener("resize", () => drawProfile());

// open with the sample case, unless the URL says ?empty
if (!new URLSearchParams(location.search).has("empty")) void loadSample();

// for tests and the curious: the page's state
(window as unknown as { segentropyDemo: unknown }).segentropyDemo = { state, figurePng };
