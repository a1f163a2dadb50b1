/**
 * The demo page: file intake (drop, pickers, the bundled sample), a Web Worker that runs the
 * pipeline, and the viewer (three panels, slice slider, axis switch, hover read-out, per-slice
 * profile, statistics, downloads). All pixels come from src/render, as the CLI's PNGs do.
 */
import { VERSION, downloadBlob } from "../src/index.js";
import type { Kind, MostUncertainSlice, Unit } from "../src/index.js";
import {
  viewPlan, extractSlice, sliceCount, scalarToRGBA, labelsToRGBA, overlay, colorBar, profilePlot,
  percentileWindow, threePanelFigure, encodePng, labelColor, NEUROLOGICAL_ORIENTATION,
} from "../src/render/index.js";
import type { RGBAImage, Slice, View, ViewPlan } from "../src/render/index.js";
import type { ErrorMessage, ProbeMessage, ProbeRequest, Reply, ResultMessage, RunRequest } from "./protocol.js";
import { KIND_LABEL, geometryWords, pageHint, pageWords } from "./messages.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
type Role = "probs" | "image" | "seg" | "props";
/** A file's place in the case: a role, or listed but not used. */
type Slot = Role | "unused";
interface Entry { file: File; role: Slot }

const SAMPLE = { probs: "sample/probabilities.npz", image: "sample/image.nii.gz", seg: "sample/seg.nii.gz" };

const state = {
  /** The case's files and their roles, in the order chosen (class files: class 0, 1, …). */
  entries: [] as Entry[],
  /** The case shown is the bundled sample (any choice of the user replaces it whole). */
  sample: false,
  /** The kind was set by an error's or notice's one-click fix: it belongs to that case, and a new case goes back to auto. */
  kindFromHint: false,
  /** The class axis was set by an error's one-click fix: a new case goes back to auto. */
  axisFromHint: false,
  /** Counts the user's choices: an older, slower intake (the sample's download) must not overwrite a newer one. */
  intake: 0,
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
  if (m.type === "probe") { if (m.id === state.probeId && m.run !== null && m.run === state.result?.id) showProbe(m); return; }
  if (m.id !== state.runId) return; // a newer run superseded this one
  if (m.type === "progress") setProgress(m.step, m.fraction);
  else if (m.type === "error") showError(m);
  else showResult(m);
};
worker.onerror = (ev) => showError({ type: "error", id: state.runId, message: `the worker failed: ${ev.message}`, known: false });

// ---------------------------------------------------------------- intake

type FileType = "nifti" | "npy" | "npz" | "json";
const fileType = (name: string): FileType | undefined =>
  /\.nii(\.gz)?$/i.test(name) ? "nifti" : /\.npy$/i.test(name) ? "npy" : /\.npz$/i.test(name) ? "npz" : /\.json$/i.test(name) ? "json" : undefined;

/** Words of a file name without its extension ("sub-01_T1w.nii.gz" → sub, 01, t1w). */
function nameTokens(name: string): string[] {
  return name.toLowerCase().replace(/\.(nii\.gz|nii|npy|npz|json|gz)$/, "").split(/[^a-z0-9]+/).filter(Boolean);
}

/** What a file's name says about its role: words that start with seg, label, image, … ("OldSeg" is no segmentation). */
function roleFromName(name: string): Role | undefined {
  const t = nameTokens(name);
  const starts = (...words: string[]) => t.some((x) => words.some((w) => x.startsWith(w)));
  if (starts("prob", "softmax", "posterior", "logit", "pve", "tpm") || /^[rwms]*c[1-6]/.test(name.toLowerCase())) return "probs";
  if (starts("seg", "label", "mask", "parc", "aseg", "aparc", "pred", "dseg")) return "seg";
  if (starts("image", "img", "t1", "t2", "flair", "anat", "mri") || t.includes("ct") || t.includes("0000")) return "image";
  return undefined;
}

type Header = { dims: number[]; datatype: number };
const is3D = (h: Header) => (h.dims[3] ?? 1) <= 1 && (h.dims[4] ?? 1) <= 1;

/** A file's role as the page guesses it; `sure` when the name or the file's structure says so (not just its data type). */
interface Guess { role: Slot; sure: boolean }

/** Which role one file plays, from its name and (NIfTI) its header. */
function classify(file: File, type: FileType | undefined, h: Header | undefined, nnunetProps: boolean): Guess | undefined {
  const n = file.name.toLowerCase();
  // a .json is the nnU-Net properties only if it holds their keys (a case folder's manifest.json is not)
  if (type === "json") return { role: nnunetProps ? "props" : "unused", sure: true };
  if (type === undefined) return undefined;
  // an entropy map (this page's own output, or the CLI's) is no input
  if (nameTokens(n).some((t) => t.startsWith("entropy"))) return { role: "unused", sure: true };
  if (type === "npz") return { role: "probs", sure: true };
  const named = roleFromName(n);
  if (type === "npy") return { role: (named === "image" || /slice/.test(n)) && named !== "probs" ? "image" : "probs", sure: named !== undefined };
  if (h && !is3D(h)) return { role: "probs", sure: true };
  if (named) return { role: named, sure: true };
  // integer data without a name hint: a label map; floating point: an image
  return { role: h && [2, 4, 8, 256, 512, 768].includes(h.datatype) ? "seg" : "image", sure: false };
}

/**
 * Roles for the files chosen together. Several 3-D NIfTI volumes of one grid, beside no other
 * probability file, are one file per class (SPM c1/c2/c3, OldSeg grey/white/csf, FSL pve_N) unless
 * their names call them an image or a segmentation (with kind "tissue", only an image name counts).
 * Only class files may share the probabilities role: of other probability files the first is used.
 * An image, segmentation or properties file that two files claim goes to the one whose name says so.
 */
async function assignRoles(files: File[]): Promise<Array<Guess | undefined>> {
  const types = files.map((f) => fileType(f.name));
  const headers = await Promise.all(files.map((f, i) => (types[i] === "nifti" ? peekNifti(f).catch(() => undefined) : Promise.resolve(undefined))));
  const props = await Promise.all(files.map((f, i) => (types[i] === "json" ? isNnunetProperties(f) : Promise.resolve(false))));
  const guesses = files.map((f, i) => classify(f, types[i], headers[i], props[i]!));
  const volumes = files.map((_, i) => i).filter((i) => types[i] === "nifti" && headers[i] && is3D(headers[i]!) && guesses[i]?.role !== "unused");
  const otherProbs = guesses.some((g, i) => g?.role === "probs" && !volumes.includes(i));
  if (!otherProbs) {
    const tissue = $<HTMLSelectElement>("kind").value === "tissue";
    const classFiles = volumes.filter((i) => {
      const named = roleFromName(files[i]!.name);
      return named !== "image" && (tissue || named !== "seg");
    });
    const grid = (i: number) => headers[i]!.dims.slice(0, 3).join();
    if (classFiles.length >= 2 && classFiles.every((i) => grid(i) === grid(classFiles[0]!))) for (const i of classFiles) guesses[i] = { role: "probs", sure: true };
  }
  const probs = files.map((_, i) => i).filter((i) => guesses[i]?.role === "probs");
  if (probs.length > 1 && !probs.every((i) => volumes.includes(i))) {
    const keep = probs.find((i) => !volumes.includes(i))!;
    for (const i of probs) if (i !== keep) guesses[i] = { role: "unused", sure: false };
  }
  for (const role of ["image", "seg", "props"] as const) {
    const claim = files.map((_, i) => i).filter((i) => guesses[i]?.role === role);
    const keep = claim.find((i) => guesses[i]!.sure) ?? claim[0];
    for (const i of claim) if (i !== keep) guesses[i] = { role: "unused", sure: false };
  }
  return guesses;
}

/** Keys of nnU-Net's properties (.pkl saved as .json): v1 (crop_bbox, original_size_of_raw_data, …) and v2 (shape_before_cropping, …). */
const NNUNET_KEYS = [
  "crop_bbox", "regions_class_order", "spacing", "shape_before_cropping", "bbox_used_for_cropping", "shape_after_cropping_and_before_resampling",
  "sitk_stuff", "original_size_of_raw_data", "size_after_cropping", "original_spacing", "itk_spacing", "itk_origin", "itk_direction", "class_locs",
];

/** The file is a JSON object with at least one key of nnU-Net's properties. */
async function isNnunetProperties(file: File): Promise<boolean> {
  if (file.size > 16 * 1024 * 1024) return false;
  try {
    const obj = JSON.parse(await file.text()) as unknown;
    return typeof obj === "object" && obj !== null && !Array.isArray(obj) && NNUNET_KEYS.some((k) => k in obj);
  } catch { return false; }
}

/** dims and datatype from a NIfTI-1/2 header (inflating only the first bytes of a .gz). */
async function peekNifti(file: Blob): Promise<Header | undefined> {
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

/** The files of the case, by role, in the order they were chosen. */
function caseFiles(): { probs: File[]; image?: File; seg?: File; props?: File } {
  const one = (r: Role) => state.entries.find((e) => e.role === r)?.file;
  const image = one("image"), seg = one("seg"), props = one("props");
  return { probs: state.entries.filter((e) => e.role === "probs").map((e) => e.file), ...(image ? { image } : {}), ...(seg ? { seg } : {}), ...(props ? { props } : {}) };
}

/**
 * A new choice of probabilities (or any choice while the sample is shown) starts a new case: every
 * file of the previous load goes, whatever its role. Files chosen while no probabilities were
 * assigned yet (an image picked first) were never loaded and stay.
 */
function newCase(): void {
  if (state.sample || state.entries.some((e) => e.role === "probs")) {
    state.entries = [];
    if (state.kindFromHint) { $<HTMLSelectElement>("kind").value = ""; state.kindFromHint = false; }
    if (state.axisFromHint) { $<HTMLSelectElement>("class-axis").value = ""; state.axisFromHint = false; }
  }
  state.sample = false;
}

/** Files dropped or chosen with "choose files…": roles found by the page. */
async function addFiles(list: Iterable<File> | ArrayLike<File>): Promise<void> {
  const files = Array.from(list);
  if (files.length === 0) return;
  const intake = ++state.intake;
  state.runId++; // a run still under way is superseded by this choice
  document.body.dataset.state = "running";
  setProgress("looking at the files", 0);
  const roles = await assignRoles(files);
  if (intake !== state.intake) return; // a later choice or the sample superseded this one
  const usable: Entry[] = [];
  files.forEach((file, i) => { const g = roles[i]; if (g) usable.push({ file, role: g.role }); });
  const ignored = files.filter((_, i) => roles[i] === undefined).map((f) => f.name);
  // probabilities start a new case; an image, segmentation or properties file alone joins the case shown (not the sample)
  if (usable.some((e) => e.role === "probs") || usable.length === 0 || state.sample) newCase();
  for (const e of usable) {
    if (e.role !== "probs" && e.role !== "unused") state.entries = state.entries.filter((x) => x.role !== e.role); // replaces the case's file in that role
    state.entries.push(e);
  }
  $("ignored").hidden = ignored.length === 0;
  $("ignored").textContent = ignored.length ? `Not used: ${ignored.join(", ")} (not a .npz, .npy, .nii, .nii.gz or .json file).` : "";
  if (usable.length === 0) {
    showAssigned();
    state.runId++;
    showError({ type: "error", id: 0, known: true, message: "", file: ignored.join(", "), field: "file type", expected: ".npz, .npy, .nii, .nii.gz or .json", found: "another kind of file" });
    return;
  }
  changed();
}

/** A file chosen with one role's "choose…" button. Probabilities start a new case. */
function setRole(role: Role, input: HTMLInputElement): void {
  const list = [...(input.files ?? [])];
  input.value = ""; // the same file can be chosen again later
  if (list.length === 0) return;
  state.intake++;
  $("ignored").hidden = true;
  if (role === "probs") {
    newCase();
    state.entries = state.entries.filter((e) => e.role !== "probs");
    for (const f of list) state.entries.push({ file: f, role: "probs" });
  } else {
    if (state.sample) newCase();
    state.entries = state.entries.filter((e) => e.role !== role);
    state.entries.push({ file: list[0]!, role });
  }
  changed();
}

/** The user changed a file's role in the list. */
function reassign(entry: Entry, role: Slot): void {
  if (role !== "probs" && role !== "unused") for (const e of state.entries) if (e !== entry && e.role === role) e.role = "unused";
  entry.role = role;
  changed();
}

function removeEntry(entry: Entry): void {
  state.entries = state.entries.filter((e) => e !== entry);
  changed();
}

/** After any change of the case: show it, and analyse it when it has probabilities. */
function changed(): void {
  showAssigned();
  if (caseFiles().probs.length) run();
  else waiting();
}

const ROLE_NAME: Record<Slot, string> = { probs: "probabilities", image: "image", seg: "segmentation", props: "nnU-Net properties", unused: "not used" };
const ROLE_NONE: Record<Role, string> = {
  probs: "none yet: the model's output (.npz, .npy, a 4-D NIfTI, or one 3-D NIfTI per class)",
  image: "none (optional: the grey-scale panel and the scanner geometry)",
  seg: "none (optional: without it the page shows the most likely class)",
  props: "none (optional .json: needed for cropped nnU-Net v1 output and region models)",
};
/** The roles a file of this type can take in the list's role menu. */
const ROLE_CHOICES: Record<FileType, Slot[]> = { nifti: ["probs", "image", "seg", "unused"], npy: ["probs", "image", "unused"], npz: ["probs", "unused"], json: ["props", "unused"] };

/** The case's files by role: each with a role menu and a remove button; empty roles with a choose… button. */
function showAssigned(): void {
  const body = $("assigned").querySelector("tbody")!;
  body.replaceChildren();
  const el = <T extends HTMLElement = HTMLElement>(tag: string, props: Record<string, unknown> = {}, ...kids: Array<Node | string>): T => {
    const e = Object.assign(document.createElement(tag), props) as unknown as T;
    e.append(...kids);
    return e;
  };
  const probsCount = state.entries.filter((e) => e.role === "probs").length;
  const slots: Slot[] = ["probs", "image", "seg", "props", ...(state.entries.some((e) => e.role === "unused") ? ["unused" as const] : [])];
  for (const slot of slots) {
    const tr = el("tr");
    tr.dataset.slot = slot;
    const cell = el("td", { className: "files" });
    const entries = state.entries.filter((e) => e.role === slot);
    entries.forEach((entry, n) => {
      const row = el("div", { className: "file" });
      row.dataset.file = entry.file.name;
      row.dataset.role = entry.role;
      const label = slot === "probs" && probsCount > 1 ? `class ${n}: ${entry.file.name}` : entry.file.name;
      row.append(el("span", { className: "name", title: entry.file.name }, label));
      const choices = ROLE_CHOICES[fileType(entry.file.name) ?? "npz"];
      if (choices.length > 2 || slot === "unused") {
        const sel = el<HTMLSelectElement>("select", { className: "role-select", title: "change the role of this file" });
        sel.setAttribute("aria-label", `role of ${entry.file.name}`);
        for (const c of choices) sel.append(el("option", { value: c, selected: c === entry.role }, c === "probs" ? (probsCount > 1 || slot !== "probs" ? "class probabilities" : "probabilities") : ROLE_NAME[c]));
        sel.addEventListener("change", () => reassign(entry, sel.value as Slot));
        row.append(el("span", { className: "as muted" }, "used as"), sel);
      }
      const rm = el<HTMLButtonElement>("button", { type: "button", className: "remove small", title: `remove ${entry.file.name} from the case` }, "remove");
      rm.setAttribute("aria-label", `remove ${entry.file.name}`);
      rm.addEventListener("click", () => removeEntry(entry));
      row.append(rm);
      cell.append(row);
    });
    if (!entries.length && slot !== "unused") cell.append(el("span", { className: "none muted" }, ROLE_NONE[slot]));
    const actions = el("td", { className: "actions" });
    if (slot !== "unused") {
      const choose = el<HTMLLabelElement>("label", { className: "button small", htmlFor: `file-${slot}` }, entries.length ? (slot === "probs" ? "choose other…" : "replace…") : "choose…");
      choose.tabIndex = 0;
      actions.append(choose);
    }
    tr.append(el("th", { scope: "row" }, ROLE_NAME[slot]), cell, actions);
    body.append(tr);
  }
  $("assigned").dataset.sample = String(state.sample);
  $("case-title").textContent = state.sample
    ? "Sample case: nnU-Net v2-style probabilities on the INIA19 macaque brain template (1 mm). Choose or drop your own files to replace it."
    : state.entries.length ? "Your case: these files are analysed together." : "No case yet.";
}

async function loadSample(): Promise<void> {
  const intake = ++state.intake;
  state.runId++;
  clearResult();
  hideError();
  document.body.dataset.state = "running";
  state.steps = [];
  setProgress("downloading the sample case", 0);
  try {
    const get = async (url: string) => {
      const r = await fetch(url);
      if (!r.ok) throw new Error(`${url}: ${r.status} ${r.statusText}`);
      return new File([await r.blob()], url.slice(url.lastIndexOf("/") + 1));
    };
    const [probs, image, seg] = await Promise.all([get(SAMPLE.probs), get(SAMPLE.image), get(SAMPLE.seg)]);
    if (intake !== state.intake) return; // the user chose files meanwhile
    newCase();
    $<HTMLSelectElement>("kind").value = ""; // the sample is nnU-Net softmax output: shown as it is meant
    state.kindFromHint = false;
    state.entries = [{ file: probs, role: "probs" }, { file: image, role: "image" }, { file: seg, role: "seg" }];
    state.sample = true;
    $("ignored").hidden = true;
    changed();
  } catch (err) {
    if (intake !== state.intake) return;
    showError({ type: "error", id: 0, message: `could not load the sample case (${err instanceof Error ? err.message : String(err)})`, known: false });
  }
}

/** Analyses the case. `sameCase` (kind or unit changed): the old panels stay, dimmed, until the new result. */
function run(sameCase = false): void {
  const f = caseFiles();
  hideError();
  const req: RunRequest = {
    type: "run", id: ++state.runId, probs: f.probs,
    ...(f.image ? { image: f.image } : {}), ...(f.seg ? { seg: f.seg } : {}), ...(f.props ? { props: f.props } : {}),
    ...($<HTMLSelectElement>("kind").value ? { kind: $<HTMLSelectElement>("kind").value as Kind } : {}),
    unit: $<HTMLSelectElement>("unit").value as Unit,
    ...($<HTMLSelectElement>("class-axis").value ? { classAxis: Number($<HTMLSelectElement>("class-axis").value) } : {}),
  };
  if (sameCase && state.result) invalidate();
  else clearResult();
  document.body.dataset.state = "running";
  state.steps = [];
  setProgress("starting", 0);
  worker.postMessage(req);
}

/** No probabilities yet: nothing to show, and a prompt for what is missing. */
function waiting(): void {
  state.runId++; // a run still under way belongs to the previous case
  clearResult();
  hideError();
  $<HTMLProgressElement>("progress").hidden = true;
  $("step").textContent = state.entries.length
    ? "Now add the model's probabilities for this case (choose… next to probabilities, or drop the file)."
    : "Drop or choose a case's files to begin, or load the sample case.";
  document.body.dataset.state = "waiting";
}

// ---------------------------------------------------------------- status

function setProgress(step: string, fraction: number): void {
  if (state.steps[state.steps.length - 1] !== step) state.steps.push(step);
  const p = $<HTMLProgressElement>("progress");
  p.hidden = fraction >= 1;
  p.value = fraction;
  $("step").textContent = fraction >= 1 ? step : `${step}…`;
}

/** Shows an error. The previous case's panels, statistics and downloads go: they do not belong to these files. */
function showError(m: ErrorMessage): void {
  clearResult();
  document.body.dataset.state = "error";
  const box = $("error");
  box.hidden = false;
  box.replaceChildren();
  const title = document.createElement("strong");
  title.textContent = m.known ? `${m.file} can not be used` : "Something went wrong";
  const text = document.createElement("div");
  text.className = "what";
  text.textContent = m.known && m.field
    ? `${pageWords(m.field)}: expected ${pageWords(m.expected ?? "")}, but found ${pageWords(m.found ?? "")}.`
    : pageWords(m.message);
  box.append(title, text);
  const hint = pageHint(m.hint);
  if (hint.text) {
    const todo = document.createElement("div");
    todo.className = "hint";
    todo.textContent = `Hint: ${hint.text}.`;
    if (hint.classAxis !== undefined && caseFiles().probs.length) {
      const axis = String(hint.classAxis);
      const menu = $<HTMLSelectElement>("class-axis");
      const b = document.createElement("button");
      b.type = "button";
      b.id = "use-class-axis";
      b.dataset.axis = axis;
      b.textContent = hint.classAxis < 0 ? "Use the last axis as the classes" : `Use axis ${axis} as the classes`;
      b.addEventListener("click", () => { menu.value = axis; state.axisFromHint = true; run(); });
      todo.append(" ", b);
    }
    if (hint.kind && hint.kind !== $<HTMLSelectElement>("kind").value && caseFiles().probs.length) {
      const kind = hint.kind;
      const b = document.createElement("button");
      b.type = "button";
      b.id = "use-kind";
      b.dataset.kind = kind;
      b.textContent = `Use ${KIND_LABEL[kind]}`;
      b.addEventListener("click", () => { $<HTMLSelectElement>("kind").value = kind; state.kindFromHint = true; run(); });
      todo.append(" ", b);
    }
    if (hint.properties) {
      const l = document.createElement("label");
      l.className = "button";
      l.htmlFor = "file-props";
      l.textContent = "choose the properties file…";
      l.tabIndex = 0;
      todo.append(" ", l);
    }
    box.append(todo);
  }
  $<HTMLProgressElement>("progress").hidden = true;
  $("step").textContent = "";
}
function hideError(): void { $("error").hidden = true; }

/** One 3-D file per class analysed as softmax (kind auto): SPM tissue maps usually lack the background class. */
function showNotice(r: ResultMessage): void {
  const box = $("notice");
  box.replaceChildren();
  box.hidden = !(r.format === "nifti-per-class" && r.kind === "softmax" && !$<HTMLSelectElement>("kind").value);
  if (box.hidden) return;
  const text = document.createElement("span");
  text.textContent = `These ${r.classes} class files were read as softmax: their probabilities add up to 1. `
    + `If they are SPM tissue maps without a background class (grey, white, CSF), choose '${KIND_LABEL.tissue}' under kind: the page then adds the background as 1 − sum.`;
  const b = document.createElement("button");
  b.type = "button";
  b.id = "notice-tissue";
  b.textContent = `Use ${KIND_LABEL.tissue}`;
  b.addEventListener("click", () => { $<HTMLSelectElement>("kind").value = "tissue"; state.kindFromHint = true; run(true); });
  box.append(text, b);
}

const DOWNLOADS = ["download-nifti", "download-png", "download-stats"];
const HOVER_PROMPT = "Hover over a panel to read a voxel's class probabilities and entropy.";

/** Forgets the shown result: hides the viewer, empties the statistics, disables the downloads. */
function clearResult(): void {
  state.result = undefined;
  $("notice").hidden = true;
  state.plan = undefined;
  state.hover = undefined;
  state.cursor = undefined;
  const viewer = $("viewer");
  viewer.hidden = true;
  viewer.classList.remove("stale", "hovering");
  for (const id of DOWNLOADS) $<HTMLButtonElement>(id).disabled = true;
  $("stats").replaceChildren();
  $("labels").querySelector("tbody")!.replaceChildren();
  $("input-line").textContent = "";
  $("hover").textContent = HOVER_PROMPT;
  delete $("hover").dataset.voxel;
}

/** A new analysis of the same files is under way: the panels stay, dimmed and inert; downloads wait. */
function invalidate(): void {
  state.result = undefined;
  $("notice").hidden = true;
  state.hover = undefined;
  state.cursor = undefined;
  $("viewer").classList.add("stale");
  $("viewer").classList.remove("hovering");
  for (const id of DOWNLOADS) $<HTMLButtonElement>(id).disabled = true;
}

// ---------------------------------------------------------------- viewer

function showResult(r: ResultMessage): void {
  state.result = r;
  hideError();
  setProgress(`done in ${(r.millis / 1000).toFixed(2)} s: ${r.names.probs} (kind ${KIND_LABEL[r.kind]})`, 1);
  $("viewer").hidden = false;
  $("viewer").classList.remove("stale");
  for (const id of DOWNLOADS) $<HTMLButtonElement>(id).disabled = false;
  state.imageWindow = r.image ? percentileWindow(subsample(r.image, 200_000)) : [0, 1];
  $("image-caption").textContent = r.image ? `input (${r.names.image})` : "input (no image given)";
  $("seg-caption").textContent = r.labelSource === "segmentation" ? `segmentation (${r.names.seg})` : r.labelSource === "regions" ? "segmentation (regions from the probabilities)" : "segmentation (argmax of the probabilities)";
  setView(state.view, true);
  showStats(r);
  showNotice(r);
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

/** Tissue maps labelled by argmax: the label of the added background class (C, after classes 0..C-1); else undefined. */
const addedBackground = (r: ResultMessage): number | undefined => (r.kind === "tissue" && r.labelSource === "argmax" ? r.classes : undefined);

/** Label l as the page names it: when the labels are the probabilities' argmax, the class (and its file) it stands for. */
function labelName(r: ResultMessage, l: number): string {
  if (r.labelSource !== "argmax") return String(l);
  if (l === addedBackground(r)) return `${l}: background (added: 1 − sum)`;
  const file = r.classFiles[l];
  return file ? `class ${l}: ${file}` : `class ${l}`;
}

/**
 * Label l as the colour table draws it (0: no colour). Tissue maps have no background among their
 * classes: class l is drawn as l + 1 and the added background gets no colour.
 */
function displayLabel(r: ResultMessage, l: number): number {
  const bg = addedBackground(r);
  return bg === undefined ? l : l === bg ? 0 : l + 1;
}
function displayLabels(r: ResultMessage, lab: Slice): Slice {
  return addedBackground(r) === undefined ? lab : { ...lab, data: lab.data.map((l) => displayLabel(r, l)) };
}
/** The panel colour behind a missing image. */
const NO_IMAGE: [number, number, number, number] = [27, 30, 36, 255];
const solid = (width: number, height: number, c: readonly number[]): RGBAImage => {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let o = 0; o < data.length; o += 4) data.set(c, o);
  return { width, height, data };
};

function drawSlice(): void {
  const r = state.result, plan = state.plan;
  if (!r || !plan) return;
  const k = state.index;
  $<HTMLInputElement>("slice").value = String(k);
  $("slice-out").textContent = `${axisName(plan.sliceAxis)} = ${k} / ${sliceCount(r.dims, plan) - 1}`;
  const ent = extractSlice({ data: r.map, dims: r.dims }, plan, k);
  const lab = displayLabels(r, extractSlice({ data: r.labels, dims: r.dims }, plan, k));
  const img: Slice | undefined = r.image ? extractSlice({ data: r.image, dims: r.dims }, plan, k) : undefined;
  // no image: the left panel stays empty (an entropy map in grey would pass for a scan)
  const base = img ? scalarToRGBA(img, { colormap: "gray", min: state.imageWindow[0], max: state.imageWindow[1] }) : solid(ent.width, ent.height, NO_IMAGE);
  const dimmed = img ? { ...base, data: base.data.map((v, i) => (i % 4 === 3 ? v : v * 0.5)) } : solid(ent.width, ent.height, [0, 0, 0, 255]);
  put("canvas-image", base, plan);
  $("no-image").hidden = Boolean(img);
  put("canvas-seg", overlay(dimmed, labelsToRGBA(lab), img ? 0.5 : 0.8), plan);
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
    `entropy ${fmt(r.map[v], 4)} ${r.unit} (of ${fmt(r.maxPossibleEntropy, 4)} possible)   label ${labelName(r, r.labels[v]!)} (${r.labelSource})${r.image ? `   image ${fmt(r.image[v], 5)}` : ""}`,
    "class probabilities: …",
  ];
  $("hover").textContent = lines.join("\n");
  $("hover").dataset.voxel = ijk.join(",");
  drawCursor();
  worker.postMessage({ type: "probe", id: ++state.probeId, run: r.id, ijk } satisfies ProbeRequest);
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

/** The slice the figures call axial, with its voxel axis; along k, said so, when there is no geometry. */
function mostUncertainRow(m: MostUncertainSlice, unit: string): [string, string, number | null, string] {
  const where = m.view === "axial" ? `voxel axes ${m.voxelAxes}` : "no geometry: along grid axis k";
  return ["mostUncertainSlice", m.view === "axial" ? "most uncertain axial slice" : "most uncertain slice", m.index, `along ${m.axis} (total ${fmt(m.totalEntropy)} ${unit}; ${where})`];
}

function showStats(r: ResultMessage): void {
  const s = r.report;
  $("input-line").textContent = `${r.names.probs}: ${r.inputLine}. Grid [${r.dims.join(", ")}], ${geometryWords(r.report.grid.geometrySource, r.names.image)}.`;
  const rows: Array<[string, string, number | null, string]> = [
    ["totalEntropy", "total entropy", s.totalEntropy, r.unit],
    ["meanEntropy", "mean entropy per voxel", s.meanEntropy, r.unit],
    ["maxEntropy", "largest voxel entropy", s.maxEntropy, `${r.unit} (of ${fmt(s.maxPossibleEntropy)} possible)`],
    ["meanNormalizedEntropy", "mean normalised entropy", s.meanNormalizedEntropy, "(0 = certain, 1 = uniform)"],
    foregroundRow(r),
    ["voxels", "voxels", s.voxels, ""],
    ["nanVoxels", "NaN voxels", s.nanVoxels, ""],
    ["zeroSumVoxels", "all-zero voxels", s.zeroSumVoxels, ""],
    mostUncertainRow(s.mostUncertainSlice, r.unit),
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
    const shown = displayLabel(r, Number(label));
    if (shown === 0 && Number(label) !== 0) sw.classList.add("none"); // drawn without colour (the added background)
    else sw.style.background = `rgb(${(shown === 0 ? [0, 0, 0] : labelColor(shown)).join(",")})`;
    const cells = [labelName(r, Number(label)), String(e.count), fmt(e.meanEntropy), fmt(e.totalEntropy)];
    cells.forEach((t, n) => {
      const td = document.createElement("td");
      if (n === 0) td.append(sw);
      td.append(t);
      tr.append(td);
    });
    tbody.append(tr);
  }
}

/**
 * The foreground line. Tissue maps labelled by argmax: label 0 is grey matter and label C the added
 * background, so "label > 0" means nothing; the mean over the tissue classes (labels 0..C-1) is
 * computed from the per-label statistics instead.
 */
function foregroundRow(r: ResultMessage): [string, string, number | null, string] {
  const bg = addedBackground(r);
  if (bg === undefined) return ["meanEntropyForeground", "mean entropy in the foreground (label > 0)", r.report.meanEntropyForeground, r.unit];
  let total = 0, count = 0;
  for (const [label, e] of Object.entries(r.report.perLabel.labels)) {
    if (Number(label) === bg) continue;
    total += e.totalEntropy;
    count += e.count;
  }
  return ["meanEntropyTissue", "mean entropy over the tissue classes (not the added background)", count ? total / count : null, r.unit];
}

function figurePng(): Uint8Array {
  const r = state.result!, plan = state.plan!;
  const k = state.index;
  return encodePng(threePanelFigure({
    ...(r.image ? { image: extractSlice({ data: r.image, dims: r.dims }, plan, k), imageMin: state.imageWindow[0], imageMax: state.imageWindow[1] } : {}),
    labels: displayLabels(r, extractSlice({ data: r.labels, dims: r.dims }, plan, k)),
    entropy: extractSlice({ data: r.map, dims: r.dims }, plan, k),
    entropyMax: r.maxPossibleEntropy, unitLabel: r.unit, marks: plan,
    title: `${r.names.probs}  ${plan.view} ${axisName(plan.sliceAxis)}=${k}`,
  }));
}

// ---------------------------------------------------------------- wiring

$("version").textContent = VERSION;
$<HTMLInputElement>("files").addEventListener("change", (e) => {
  const input = e.target as HTMLInputElement;
  const list = [...(input.files ?? [])];
  input.value = ""; // the same files can be chosen again later
  void addFiles(list);
});
for (const role of ["probs", "image", "seg", "props"] as const) {
  $<HTMLInputElement>(`file-${role}`).addEventListener("change", (e) => setRole(role, e.target as HTMLInputElement));
}
for (const id of ["kind", "unit", "class-axis"]) {
  $(id).addEventListener("change", () => {
    if (id === "kind") state.kindFromHint = false; // the user's own choice stays for the next case
    if (id === "class-axis") state.axisFromHint = false;
    if (caseFiles().probs.length) run(true);
  });
}
$("load-sample").addEventListener("click", () => { void loadSample(); });
// labels styled as buttons open their file picker from the keyboard too
for (const l of document.querySelectorAll<HTMLLabelElement>("label.button")) l.tabIndex = 0;
document.addEventListener("keydown", (ev) => {
  const t = ev.target as HTMLElement;
  if ((ev.key === "Enter" || ev.key === " ") && t instanceof HTMLLabelElement && t.classList.contains("button") && t.htmlFor) {
    ev.preventDefault();
    $(t.htmlFor).click();
  }
});
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
showAssigned();
if (!new URLSearchParams(location.search).has("empty")) void loadSample();
else waiting();

// for tests and the curious: the page's state
(window as unknown as { segentropyDemo: unknown }).segentropyDemo = { state, figurePng };
