/**
 * The demo page in headless Chromium, as a user meets it: it opens with the sample case; files
 * uploaded through the file input are analysed in the worker; the heatmap shows a bright ring at
 * tissue borders and near-zero interiors; the shown statistics are the library's; hover, slider,
 * axis switch, profile click, the entropy.nii.gz download and readable errors all work. A new choice
 * of files replaces the whole case (the sample's image and segmentation never stay behind), files
 * can be removed or given another role, one 3-D NIfTI per class is read as class probabilities, a
 * failed load leaves no stale result or download, the library's CLI hints are put in the page's
 * words, and scripts/build-web.mjs never empties a folder that is not its own build.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { zipSync } from "fflate";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import type { Server } from "node:http";
import { init, analyze, buildReport, readNiftiFile, readProbabilitiesFile, classValuesAt, probabilitiesFor, encodeNpyFloat32, parseNifti } from "../../src/node/index.js";
import type { Analysis, AnalyzeOptions, ProbInput, Report } from "../../src/node/index.js";
import { extractSlice, labelColor, scalarToRGBA, viewPlan } from "../../src/render/index.js";
import type { View } from "../../src/render/index.js";
// @ts-expect-error plain .mjs script without types
import { buildWeb, checkOutDir, BUILD_MARKER } from "../../scripts/build-web.mjs";
import { launch, serve, watchErrors } from "./helpers/chromium.js";
import { analyzeCase, caseNames, manifest, KIND, FIXTURES } from "../helpers/cases.js";
import { readdirSync } from "node:fs";

const ROOT = resolve(".");
const SAMPLE = join(ROOT, "samples/nnunetv2_inia19_1mm");
const SHOTS = join(ROOT, "test/browser/__screenshots__");
const sampleFiles = ["probabilities.npz", "image.nii.gz", "seg.nii.gz"].map((f) => join(SAMPLE, f));

let browser: Browser, server: Server, url: string, site: string;
let input: ProbInput, a: Analysis, report: Report;

interface DemoState { index: number; view: View; steps: string[]; result?: { dims: number[] } }
const demoState = (page: Page) => page.evaluate(() => {
  const s = (window as unknown as { segentropyDemo: { state: DemoState } }).segentropyDemo.state;
  return { index: s.index, view: s.view, steps: s.steps, dims: s.result?.dims };
});

async function open(query = ""): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
  const errors = watchErrors(page);
  await page.goto(url + query);
  return { page, errors };
}
/** Waits until the page is no longer busy, and expects it to be in state `want` (failing with what the page shows). */
async function settled(page: Page, want: "done" | "error" | "waiting" = "done"): Promise<void> {
  await page.waitForFunction(() => ["done", "error", "waiting"].includes(document.body.dataset.state ?? ""), undefined, { timeout: 60_000 });
  const got = await page.evaluate(() => ({ state: document.body.dataset.state, error: document.getElementById("error")!.textContent, step: document.getElementById("step")!.textContent }));
  expect(got.state, `page state (error: ${got.error}; status: ${got.step})`).toBe(want);
}
/** The case's files as the page lists them: file name -> role (probs, image, seg, props, unused). */
const roles = (page: Page) => page.$$eval("#assigned .file", (els) => Object.fromEntries(els.map((e) => [(e as HTMLElement).dataset.file!, (e as HTMLElement).dataset.role!])));
/** Drops files on the drop zone, as a user dragging them from a file manager. */
async function dropFiles(page: Page, paths: string[]): Promise<void> {
  const payload = paths.map((f) => ({ name: basename(f), b64: readFileSync(f).toString("base64") }));
  await page.evaluate((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
    document.getElementById("drop")!.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, payload);
}
/** The statistics shown (data-value of each row), by key. */
const shownStats = (page: Page) => page.$$eval("#stats dd", (dds) => Object.fromEntries(dds.map((d) => [(d as HTMLElement).dataset.stat!, Number((d as HTMLElement).dataset.value)])));
/** Tissue maps labelled by argmax: label C is the added background ("label > 0" would take grey matter out and the background in). */
const tissueArgmax = (r: Report) => r.kind === "tissue" && r.perLabel.source === "argmax";
/** Mean entropy over the tissue classes (labels 0..C-1, not the added background C), from the library's per-label statistics. */
function tissueMean(r: Report): number {
  const labels = Object.keys(r.perLabel.labels).map(Number);
  const bg = Math.max(...labels);
  let total = 0, count = 0;
  for (const [l, e] of Object.entries(r.perLabel.labels)) if (Number(l) !== bg) { total += e.totalEntropy; count += e.count; }
  return total / count;
}
/** The library's numbers for the same statistics. */
function libStats(r: Report): Record<string, number> {
  return {
    totalEntropy: r.totalEntropy ?? NaN, meanEntropy: r.meanEntropy ?? NaN, maxEntropy: r.maxEntropy ?? NaN, meanNormalizedEntropy: r.meanNormalizedEntropy ?? NaN,
    ...(tissueArgmax(r) ? { meanEntropyTissue: tissueMean(r) } : { meanEntropyForeground: r.meanEntropyForeground ?? NaN }),
    voxels: r.voxels, nanVoxels: r.nanVoxels, zeroSumVoxels: r.zeroSumVoxels, mostUncertainSlice: r.mostUncertainSlice.index,
  };
}
/** Shown statistics equal the library's, exactly (and no others are shown). */
async function expectLibraryStats(page: Page, r: Report): Promise<void> {
  const shown = await shownStats(page);
  const lib = libStats(r);
  expect(Object.keys(shown).sort()).toEqual(Object.keys(lib).sort());
  for (const [k, v] of Object.entries(lib)) expect(shown[k], k).toBe(v);
}

beforeAll(async () => {
  site = mkdtempSync(join(tmpdir(), "segentropy-web-"));
  await buildWeb(site);
  ({ server, url } = await serve(site));
  browser = await launch();
  await init();
  input = await readProbabilitiesFile(sampleFiles[0]!);
  a = analyze(input, { image: await readNiftiFile(sampleFiles[1]!), seg: await readNiftiFile(sampleFiles[2]!) });
  report = buildReport(a);
});
afterAll(async () => {
  await browser?.close();
  server?.close();
  if (site) rmSync(site, { recursive: true, force: true });
});

describe("demo page", () => {
  it("opens with the sample case loaded and analysed", async () => {
    const { page, errors } = await open();
    try {
      await settled(page);
      expect(await roles(page)).toEqual({ "probabilities.npz": "probs", "image.nii.gz": "image", "seg.nii.gz": "seg" });
      expect(await page.textContent("#seg-caption")).toContain("seg.nii.gz");
      expect((await demoState(page)).dims).toEqual(a.dims);
      expect(errors).toEqual([]);
    } finally { await page.close(); }
  });

  it("analyses the sample uploaded through the file input: heatmap, stats, screenshot", async () => {
    const { page, errors } = await open("?empty");
    try {
      await page.setInputFiles("#files", sampleFiles);
      await settled(page);
      const st = await demoState(page);
      expect(st.steps.some((s) => s.startsWith("computing entropy"))).toBe(true);
      expect(st.steps.some((s) => s.startsWith("reading probabilities.npz"))).toBe(true);
      expect(st.view).toBe("axial");
      expect(st.index).toBe(report.mostUncertainSlice.index);

      mkdirSync(SHOTS, { recursive: true });
      await page.mouse.move(0, 0);
      await page.screenshot({ path: join(SHOTS, "demo.png"), fullPage: true });

      // the heatmap canvas holds exactly the library's map through the inferno colormap
      const canvas = await page.evaluate(() => {
        const c = document.getElementById("canvas-entropy") as HTMLCanvasElement;
        const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height);
        return { width: d.width, height: d.height, data: Array.from(d.data) };
      });
      const plan = viewPlan(a.geometry.affine, "axial");
      const ent = extractSlice({ data: a.map, dims: a.dims }, plan, st.index);
      const want = scalarToRGBA(ent, { colormap: "inferno", min: 0, max: a.maxPossibleEntropy });
      expect([canvas.width, canvas.height]).toEqual([want.width, want.height]);
      expect(canvas.data).toEqual(Array.from(want.data));

      // a bright ring at tissue borders, near-zero interior (labels from seg.nii.gz, same slice)
      const seg = extractSlice({ data: a.labels, dims: a.dims }, plan, st.index);
      const { width: w, height: h } = seg;
      const lab = (x: number, y: number) => seg.data[y * w + x]!;
      const bright = (x: number, y: number) => { const o = 4 * (y * w + x); return (canvas.data[o]! + canvas.data[o + 1]! + canvas.data[o + 2]!) / 3; };
      const border: number[] = [], tissue: number[] = [], background: number[] = [];
      const uniform = (x: number, y: number, r: number) => {
        for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (lab(x + dx, y + dy) !== lab(x, y)) return false;
        return true;
      };
      for (let y = 3; y < h - 3; y++) {
        for (let x = 3; x < w - 3; x++) {
          const l = lab(x, y);
          const brainEdge = l > 0 && ([[1, 0], [-1, 0], [0, 1], [0, -1]] as const).some(([dx, dy]) => lab(x + dx, y + dy) === 0);
          if (brainEdge) border.push(bright(x, y));
          else if (l > 0 && uniform(x, y, 2)) tissue.push(bright(x, y)); // inside one tissue, 2+ voxels from any other
          else if (l === 0 && uniform(x, y, 3)) background.push(bright(x, y));
        }
      }
      const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
      expect(border.length).toBeGreaterThan(100);
      expect(tissue.length).toBeGreaterThan(200);
      expect(background.length).toBeGreaterThan(1000);
      expect(mean(border), "the ring at the brain's border is bright").toBeGreaterThan(40);
      expect(mean(tissue), "tissue interiors are dark").toBeLessThan(15);
      expect(mean(background), "the background is dark").toBeLessThan(5);
      expect(mean(border)).toBeGreaterThan(5 * mean(tissue));
      expect(tissue.filter((b) => b < 20).length / tissue.length).toBeGreaterThan(0.85);

      // the statistics shown are the library's, exactly
      const shown = await page.$$eval("#stats dd", (dds) => dds.map((d) => ({ key: (d as HTMLElement).dataset.stat!, value: (d as HTMLElement).dataset.value!, text: d.textContent! })));
      const fmt = (x: number) => Number(x.toPrecision(6)).toString();
      const lib: Record<string, number | null> = {
        totalEntropy: report.totalEntropy, meanEntropy: report.meanEntropy, maxEntropy: report.maxEntropy,
        meanNormalizedEntropy: report.meanNormalizedEntropy, meanEntropyForeground: report.meanEntropyForeground,
        voxels: report.voxels, nanVoxels: report.nanVoxels, zeroSumVoxels: report.zeroSumVoxels, mostUncertainSlice: report.mostUncertainSlice.index,
      };
      expect(shown.map((s) => s.key).sort()).toEqual(Object.keys(lib).sort());
      for (const s of shown) {
        expect(Number(s.value), s.key).toBe(lib[s.key]);
        expect(s.text.startsWith(fmt(lib[s.key]!)), `${s.key}: "${s.text}"`).toBe(true);
      }
      const rows = await page.$$eval("#labels tbody tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent!.trim())));
      const labels = Object.entries(a.summary.perLabel);
      expect(rows.length).toBe(labels.length);
      labels.forEach(([l, e], n) => expect(rows[n]).toEqual([l, String(e.count), fmt(e.meanEntropy), fmt(e.totalEntropy)]));
      expect(errors).toEqual([]);
    } finally { await page.close(); }
  });

  it("hover shows the voxel's class probabilities and entropy; slider, axis switch and profile click move the slice", async () => {
    const { page, errors } = await open();
    try {
      await settled(page);
      const st = await demoState(page);
      const c = (await page.$("#canvas-entropy"))!;
      const box = (await c.boundingBox())!;
      const size = await c.evaluate((el) => [(el as HTMLCanvasElement).width, (el as HTMLCanvasElement).height]);
      const col = 40, row = 50;
      await page.mouse.move(box.x + ((col + 0.5) / size[0]!) * box.width, box.y + ((row + 0.5) / size[1]!) * box.height);
      await page.waitForFunction(() => !document.getElementById("hover")!.textContent!.includes("…"));
      const plan = viewPlan(a.geometry.affine, "axial");
      const ijk = [0, 0, 0];
      ijk[plan.sliceAxis] = st.index;
      ijk[plan.colAxis] = plan.flipCol ? size[0]! - 1 - col : col;
      ijk[plan.rowAxis] = plan.flipRow ? size[1]! - 1 - row : row;
      const text = (await page.textContent("#hover"))!;
      expect(text).toContain(`(${ijk.join(", ")})`);
      const v = ijk[0]! + a.dims[0]! * (ijk[1]! + a.dims[1]! * ijk[2]!);
      expect(text).toContain(`entropy ${Number(a.map[v]!.toPrecision(4))} bits`);
      const p = probabilitiesFor("softmax", classValuesAt(input.volume, ijk)!);
      expect(text).toContain(`class probabilities: ${p.map((x, n) => `${n}: ${x.toFixed(4)}`).join("   ")}`);

      await page.check("input[name=axis][value=coronal]");
      const cor = await demoState(page);
      expect(cor.view).toBe("coronal");
      expect(await page.getAttribute("#slice", "max")).toBe(String(a.dims[viewPlan(a.geometry.affine, "coronal").sliceAxis]! - 1));
      await page.fill("#slice", "10");
      expect((await demoState(page)).index).toBe(10);
      expect(await page.textContent("#slice-out")).toContain("j = 10");

      // the profile: clicking the bar of slice n goes to slice n
      const prof = (await page.$("#profile"))!;
      const pb = (await prof.boundingBox())!;
      const pw = await prof.evaluate((el) => (el as HTMLCanvasElement).width);
      const n = a.dims[1]!, target = 70;
      const x = 2 + ((target + 0.5) * (pw - 4)) / n;
      await page.mouse.click(pb.x + (x / pw) * pb.width, pb.y + pb.height / 2);
      expect((await demoState(page)).index).toBe(target);
      expect(errors).toEqual([]);
    } finally { await page.close(); }
  });

  it("downloads entropy.nii.gz holding the library's map", async () => {
    const { page } = await open();
    try {
      await settled(page);
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-nifti")]);
      expect(download.suggestedFilename()).toBe("entropy.nii.gz");
      const path = join(site, "downloaded.nii.gz");
      await download.saveAs(path);
      const nii = gunzipSync(readFileSync(path));
      expect(nii.readInt32LE(0)).toBe(348);
      const map = new Float32Array(nii.buffer.slice(nii.byteOffset + 352, nii.byteOffset + nii.byteLength));
      expect(Buffer.from(map.buffer).equals(Buffer.from(a.map.buffer, a.map.byteOffset, a.map.byteLength))).toBe(true);
    } finally { await page.close(); }
  });

  it("shows readable messages for a wrong format and for a shape mismatch", async () => {
    const { page } = await open("?empty");
    try {
      await page.setInputFiles("#file-probs", { name: "notes.npy", mimeType: "text/plain", buffer: Buffer.from("these are my notes, not probabilities") });
      await settled(page, "error");
      const text1 = (await page.textContent("#error"))!;
      expect(text1).toContain("notes.npy can not be used");
      expect(text1).toMatch(/format: expected NIfTI-1\/2 \(\.nii, \.nii\.gz\), \.npy or \.npz, but found unrecognised bytes/);
      expect(await page.isVisible("#viewer")).toBe(false);

      const other = join(ROOT, "test/fixtures/cases/s03_nifti4d_float32_anatomical/image.nii.gz");
      await page.setInputFiles("#file-probs", sampleFiles[0]!);
      await settled(page);
      await page.setInputFiles("#file-image", other);
      await settled(page, "error");
      const text2 = (await page.textContent("#error"))!;
      expect(text2).toContain("image.nii.gz can not be used");
      expect(text2).toMatch(/image grid: expected the probability grid \[84, 103, 64\].*but found \[33, 41, 25\]/);
      expect(text2).not.toMatch(/--[a-z]/);
    } finally { await page.close(); }
  });

  it("accepts files dropped on the drop zone", async () => {
    const { page, errors } = await open("?empty");
    try {
      await dropFiles(page, sampleFiles);
      await settled(page);
      expect((await roles(page))["image.nii.gz"]).toBe("image");
      expect(await page.getAttribute("[data-stat=totalEntropy]", "data-value")).toBe(String(a.summary.totalEntropy));
      expect(errors).toEqual([]);
    } finally { await page.close(); }
  });
});

const CASES = join(ROOT, "test/fixtures/cases");
const S03 = { probs: join(CASES, "s03_nifti4d_float32_anatomical/probabilities.nii.gz"), image: join(CASES, "s03_nifti4d_float32_anatomical/image.nii.gz") };
const OLDSEG = ["grey", "white", "csf"].map((c) => join(ROOT, `test/fixtures/research/spm12_OldSeg_${c}.nii`));
const libReport = async (probs: string | string[], refs: { image?: string; seg?: string } = {}, options: AnalyzeOptions = {}) =>
  buildReport(analyze(await readProbabilitiesFile(probs), {
    ...(refs.image ? { image: await readNiftiFile(refs.image) } : {}), ...(refs.seg ? { seg: await readNiftiFile(refs.seg) } : {}),
  }, options));
/** The viewer, statistics and downloads hold no result (after an error). */
async function expectNoResult(page: Page): Promise<void> {
  expect(await page.isVisible("#viewer")).toBe(false);
  expect(await page.$$eval("#stats dd", (d) => d.length)).toBe(0);
  expect(await page.$$eval("#labels tbody tr", (d) => d.length)).toBe(0);
  for (const id of ["download-nifti", "download-png", "download-stats"]) expect(await page.isDisabled(`#${id}`), id).toBe(true);
  expect(await page.evaluate(() => (window as unknown as { segentropyDemo: { state: { result?: unknown } } }).segentropyDemo.state.result)).toBeUndefined();
  // even a script's click on the (hidden, disabled) button saves nothing
  const download = page.waitForEvent("download", { timeout: 1500 }).then(() => true, () => false);
  await page.evaluate(() => (document.getElementById("download-nifti") as HTMLButtonElement).click());
  expect(await download, "no download of the previous case's map").toBe(false);
}

describe("demo page: a new choice replaces the whole case", () => {
  const intake: Record<string, (page: Page, files: string[]) => Promise<void>> = {
    "the probabilities picker": (page, files) => page.setInputFiles("#file-probs", files),
    "choose files…": (page, files) => page.setInputFiles("#files", files),
    "a drop": dropFiles,
  };
  it.each(Object.keys(intake))("probabilities chosen with %s after the sample: no image or segmentation of the sample stays", async (how) => {
    const { page, errors } = await open();
    try {
      await settled(page);
      await intake[how]!(page, [S03.probs]);
      await settled(page);
      expect(await roles(page)).toEqual({ "probabilities.nii.gz": "probs" });
      expect((await demoState(page)).dims).toEqual([33, 41, 25]);
      expect(await page.textContent("#image-caption")).toContain("no image given");
      expect(await page.textContent("#seg-caption")).toContain("argmax");
      await expectLibraryStats(page, await libReport(S03.probs, {}, { kind: "softmax" }));
      expect(await page.isVisible("#error")).toBe(false);
      expect(errors).toEqual([]);
    } finally { await page.close(); }
  });

  it("an image chosen while the sample is shown starts a new case; the probabilities chosen next join it", async () => {
    const { page, errors } = await open();
    try {
      await settled(page);
      await page.setInputFiles("#file-image", S03.image);
      await settled(page, "waiting");
      expect(await roles(page)).toEqual({ "image.nii.gz": "image" });
      expect(await page.textContent("#step")).toMatch(/add the model's probabilities/);
      expect(await page.isVisible("#viewer")).toBe(false);
      expect(await page.isVisible("#error")).toBe(false);
      await page.setInputFiles("#file-probs", S03.probs);
      await settled(page);
      expect(await roles(page)).toEqual({ "probabilities.nii.gz": "probs", "image.nii.gz": "image" });
      expect(await page.textContent("#image-caption")).toContain("image.nii.gz");
      await expectLibraryStats(page, await libReport(S03.probs, { image: S03.image }, { kind: "softmax" }));
      expect(errors).toEqual([]);
    } finally { await page.close(); }
  });

  it("remove buttons take the image and the segmentation out of the case", async () => {
    const { page, errors } = await open();
    try {
      await settled(page);
      await page.click('#assigned .file[data-file="image.nii.gz"] button.remove');
      await settled(page);
      expect(await roles(page)).toEqual({ "probabilities.npz": "probs", "seg.nii.gz": "seg" });
      expect(await page.textContent("#image-caption")).toContain("no image given");
      await expectLibraryStats(page, await libReport(sampleFiles[0]!, { seg: sampleFiles[2] }));
      await page.click('#assigned .file[data-file="seg.nii.gz"] button.remove');
      await settled(page);
      expect(await roles(page)).toEqual({ "probabilities.npz": "probs" });
      expect(await page.textContent("#seg-caption")).toContain("argmax");
      const lib = analyze(await readProbabilitiesFile(sampleFiles[0]!), {});
      await expectLibraryStats(page, buildReport(lib));
      const rows = await page.$$eval("#labels tbody tr", (trs) => trs.map((tr) => (tr as HTMLElement).dataset.label));
      expect(rows).toEqual(Object.keys(lib.summary.perLabel));
      // labels from the argmax are class indices: named so
      const names = await page.$$eval("#labels tbody tr td:first-child", (tds) => tds.map((td) => td.textContent!.trim()));
      expect(names).toEqual(Object.keys(lib.summary.perLabel).map((l) => `class ${l}`));
      // removing the probabilities leaves nothing to show
      await page.click('#assigned .file[data-file="probabilities.npz"] button.remove');
      await settled(page, "waiting");
      expect(await roles(page)).toEqual({});
      expect(await page.isVisible("#viewer")).toBe(false);
      expect(errors).toEqual([]);
    } finally { await page.close(); }
  });

  it("a choice made while the sample is still downloading is not overwritten by the sample", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => { release = r; });
      await page.route("**/sample/**", async (route) => { await held; await route.continue(); });
      await page.goto(url);
      await page.setInputFiles("#file-probs", S03.probs);
      await settled(page);
      release();
      await page.waitForTimeout(1500);
      expect(await roles(page)).toEqual({ "probabilities.nii.gz": "probs" });
      expect((await demoState(page)).dims).toEqual([33, 41, 25]);
    } finally { await page.close(); }
  });

  it("a whole folder dropped: an entropy map and other files are listed as not used, the named image wins over a guessed one", async () => {
    const { page, errors } = await open("?empty");
    const dir = mkdtempSync(join(tmpdir(), "segentropy-folder-"));
    try {
      // names sort the unnamed volume first: the image is still the file called image
      copyFileSync(sampleFiles[1]!, join(dir, "brain.nii.gz"));
      copyFileSync(sampleFiles[1]!, join(dir, "entropy.nii.gz"));
      writeFileSync(join(dir, "notes.txt"), "scan notes");
      const files = [join(dir, "brain.nii.gz"), join(dir, "entropy.nii.gz"), join(dir, "notes.txt"), ...sampleFiles];
      await dropFiles(page, files);
      await settled(page);
      expect(await roles(page)).toEqual({ "brain.nii.gz": "unused", "entropy.nii.gz": "unused", "probabilities.npz": "probs", "image.nii.gz": "image", "seg.nii.gz": "seg" });
      expect(await page.textContent("#ignored")).toContain("notes.txt");
      expect(await page.getAttribute("[data-stat=totalEntropy]", "data-value")).toBe(String(report.totalEntropy));
      expect(errors).toEqual([]);
    } finally { await page.close(); rmSync(dir, { recursive: true, force: true }); }
  });

  it("the role menu moves a file to another role", async () => {
    const { page, errors } = await open("?empty");
    try {
      // a label map named like an image: the page guesses "image"; the user corrects it
      const dir = mkdtempSync(join(tmpdir(), "segentropy-roles-"));
      copyFileSync(sampleFiles[2]!, join(dir, "t1.nii.gz"));
      await page.setInputFiles("#files", [sampleFiles[0]!, join(dir, "t1.nii.gz")]);
      await settled(page);
      expect(await roles(page)).toEqual({ "probabilities.npz": "probs", "t1.nii.gz": "image" });
      await page.selectOption('#assigned .file[data-file="t1.nii.gz"] select', "seg");
      await settled(page);
      expect(await roles(page)).toEqual({ "probabilities.npz": "probs", "t1.nii.gz": "seg" });
      expect(await page.textContent("#seg-caption")).toContain("segmentation (t1.nii.gz)");
      await expectLibraryStats(page, await libReport(sampleFiles[0]!, { seg: sampleFiles[2] }));
      rmSync(dir, { recursive: true, force: true });
      expect(errors).toEqual([]);
    } finally { await page.close(); }
  });
});

describe("demo page: one 3-D NIfTI per class", () => {
  const tissue = () => libReport(OLDSEG, {}, { kind: "tissue" });

  it("SPM OldSeg grey/white/csf chosen together with kind 'tissue maps' are the three classes", async () => {
    const { page, errors } = await open();
    try {
      await settled(page);
      await page.selectOption("#kind", "tissue");
      await settled(page); // the sample, re-analysed
      await page.setInputFiles("#files", OLDSEG);
      await settled(page);
      expect(await roles(page)).toEqual(Object.fromEntries(OLDSEG.map((f) => [basename(f), "probs"])));
      expect(await page.$$eval("#assigned .file .name", (e) => e.map((x) => x.textContent))).toEqual(OLDSEG.map((f, c) => `class ${c}: ${basename(f)}`));
      expect((await demoState(page)).dims).toEqual([91, 109, 91]);
      const r = await tissue();
      await expectLibraryStats(page, r);
      const rows = await page.$$eval("#labels tbody tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent!.trim())));
      const fmt = (x: number) => Number(x.toPrecision(6)).toString();
      const name = (l: string) => (Number(l) === 3 ? "3: background (added: 1 − sum)" : `class ${l}: ${basename(OLDSEG[Number(l)]!)}`);
      expect(Object.keys(r.perLabel.labels)).toEqual(["0", "1", "2", "3"]);
      expect(rows).toEqual(Object.entries(r.perLabel.labels).map(([l, e]) => [name(l), String(e.count), fmt(e.meanEntropy!), fmt(e.totalEntropy)]));
      expect(await page.textContent("#input-line")).toContain("nifti-per-class");
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, "demo-class-files.png"), fullPage: true });
      expect(errors).toEqual([]);
    } finally { await page.close(); }
  });

  it("with kind auto, the same files are still class files, and the page offers tissue maps in one click", async () => {
    const { page, errors } = await open("?empty");
    try {
      await dropFiles(page, OLDSEG);
      await page.waitForFunction(() => ["done", "error", "waiting"].includes(document.body.dataset.state ?? ""), undefined, { timeout: 60_000 });
      expect(await roles(page)).toEqual(Object.fromEntries(OLDSEG.map((f) => [basename(f), "probs"])));
      // the library either refuses the class sums as softmax (the error's hint) or accepts them (a notice): both offer tissue maps
      const state = await page.evaluate(() => document.body.dataset.state);
      const offer = state === "error" ? "#use-kind" : "#notice-tissue";
      const box = (await page.textContent(state === "error" ? "#error" : "#notice"))!;
      expect(box).toContain("tissue maps (SPM)");
      expect(box).not.toMatch(/--[a-z]/);
      await page.click(offer);
      await settled(page);
      expect(await page.inputValue("#kind")).toBe("tissue");
      await expectLibraryStats(page, await tissue());
      expect(await page.isVisible("#notice")).toBe(false);
      expect(errors).toEqual([]);
    } finally { await page.close(); }
  });

  it("named image and segmentation files keep their roles beside class files", async () => {
    const { page } = await open("?empty");
    const dir = mkdtempSync(join(tmpdir(), "segentropy-classfiles-"));
    try {
      await page.selectOption("#kind", "tissue");
      // the grey map under an image's name: an image beside two class files
      copyFileSync(OLDSEG[0]!, join(dir, "image.nii"));
      await page.setInputFiles("#files", [join(dir, "image.nii"), OLDSEG[1]!, OLDSEG[2]!]);
      await settled(page);
      expect(await roles(page)).toEqual({ "image.nii": "image", [basename(OLDSEG[1]!)]: "probs", [basename(OLDSEG[2]!)]: "probs" });
      await expectLibraryStats(page, await libReport(OLDSEG.slice(1), { image: join(dir, "image.nii") }, { kind: "tissue" }));
    } finally { await page.close(); rmSync(dir, { recursive: true, force: true }); }
  });
});

describe("demo page: tissue maps (class files without a background class)", () => {
  it("names the classes after their files, draws them in colour and the added background in none; the tissue mean replaces 'label > 0'; no image is no grey entropy", async () => {
    const { page, errors } = await open("?empty");
    try {
      await page.selectOption("#kind", "tissue");
      await page.setInputFiles("#files", OLDSEG);
      await settled(page);
      const lib = analyze(await readProbabilitiesFile(OLDSEG), {}, { kind: "tissue" });
      const r = buildReport(lib);
      const C = lib.classes;
      expect(C).toBe(3);
      expect(lib.labelSource).toBe("argmax");

      // the label table: class names from the files in class order, the added background named so
      const rows = await page.$$eval("#labels tbody tr", (trs) => trs.map((tr) => ({
        label: (tr as HTMLElement).dataset.label!, name: tr.querySelector("td")!.textContent!.trim(),
        none: tr.querySelector(".swatch")!.classList.contains("none"), colour: (tr.querySelector(".swatch") as HTMLElement).style.background,
      })));
      expect(rows.map((x) => x.label)).toEqual(Object.keys(r.perLabel.labels));
      expect(rows.map((x) => x.name)).toEqual(Object.keys(r.perLabel.labels).map((l) => (Number(l) === C ? `${C}: background (added: 1 − sum)` : `class ${l}: ${basename(OLDSEG[Number(l)]!)}`)));
      expect(rows.map((x) => x.none)).toEqual(Object.keys(r.perLabel.labels).map((l) => Number(l) === C));
      for (const x of rows.filter((x) => !x.none)) expect(x.colour).toBe(`rgb(${labelColor(Number(x.label) + 1).join(", ")})`);

      // the statistics: no "label > 0" line (it would drop grey matter, label 0, and count the background); the tissue mean instead
      const dts = await page.$$eval("#stats dt", (d) => d.map((x) => x.textContent!));
      expect(dts).toContain("mean entropy over the tissue classes (not the added background)");
      expect(dts.join(" ")).not.toContain("label > 0");
      const shown = await shownStats(page);
      expect(shown.meanEntropyForeground).toBeUndefined();
      let total = 0, count = 0;
      for (const [l, e] of Object.entries(r.perLabel.labels)) if (Number(l) < C) { total += e.totalEntropy; count += e.count; }
      expect(shown.meanEntropyTissue).toBe(total / count);
      await expectLibraryStats(page, r);

      // the segmentation panel: classes in colour (class l as colour l + 1), the added background uncoloured, on the shown slice
      const st = await demoState(page);
      const plan = viewPlan(lib.geometry.affine, "axial");
      const lab = extractSlice({ data: lib.labels, dims: lib.dims }, plan, st.index);
      const pixels = (id: string) => page.evaluate((cid) => {
        const c = document.getElementById(cid) as HTMLCanvasElement;
        return Array.from(c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data);
      }, id);
      const seg = await pixels("canvas-seg");
      expect(seg.length).toBe(lab.width * lab.height * 4);
      const seen = new Set<number>();
      for (let i = 0; i < lab.width * lab.height; i++) {
        const l = lab.data[i]!, rgb = seg.slice(4 * i, 4 * i + 3);
        seen.add(l);
        if (l === C) expect(rgb, `background voxel ${i}`).toEqual([0, 0, 0]);
        else {
          const want = labelColor(l + 1);
          // the class colour over black; its hue is the colour table's
          expect(Math.max(...rgb), `class ${l} voxel ${i} is coloured`).toBeGreaterThan(60);
          const scale = Math.max(...rgb) / Math.max(...want);
          rgb.forEach((v, c) => expect(Math.abs(v - want[c]! * scale), `class ${l} voxel ${i}`).toBeLessThanOrEqual(2));
        }
      }
      expect([...seen].sort()).toEqual([0, 1, 2, 3]);

      // no image given: the left panel says so and shows no grey copy of the entropy
      expect(await page.textContent("#image-caption")).toContain("no image given");
      expect(await page.isVisible("#no-image")).toBe(true);
      expect(await page.textContent("#no-image")).toContain("no image");
      const left = await pixels("canvas-image");
      const first = left.slice(0, 4);
      expect(left.every((v, n) => v === first[n % 4]), "the image panel is one plain colour").toBe(true);

      // hovering a voxel names its label
      const c = (await page.$("#canvas-entropy"))!;
      const box = (await c.boundingBox())!;
      let at = -1;
      for (let i = 0; i < lab.width * lab.height; i++) if (lab.data[i] === 0) { at = i; break; }
      const col = at % lab.width, row = Math.floor(at / lab.width);
      await page.mouse.move(box.x + ((col + 0.5) / lab.width) * box.width, box.y + ((row + 0.5) / lab.height) * box.height);
      await page.waitForFunction(() => !document.getElementById("hover")!.textContent!.includes("…"));
      expect(await page.textContent("#hover")).toContain(`label class 0: ${basename(OLDSEG[0]!)} (argmax)`);
      await page.mouse.move(0, 0);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, "demo-tissue.png"), fullPage: true });
      expect(errors).toEqual([]);
    } finally { await page.close(); }
  });
});

describe("demo page: where the map's geometry comes from", () => {
  it("2-D .npy probabilities with an image.npy: no geometry, and the .npy image is named as giving none", async () => {
    const dir = join(CASES, "s06_2d_npy_t1slice");
    const { page, errors } = await open("?empty");
    try {
      await page.setInputFiles("#files", [join(dir, "probabilities.npy"), join(dir, "image.npy")]);
      await settled(page);
      const line = (await page.textContent("#input-line"))!;
      expect(line).not.toContain("geometry from");
      expect(line).toContain("no geometry (1 mm voxels, no transform): image.npy is only shown, a .npy holds none.");
      expect(errors).toEqual([]);
    } finally { await page.close(); }
  });

  it("NIfTI probabilities alone: the geometry is their own header's (qform/sform codes 1), named", async () => {
    const { page, errors } = await open("?empty");
    try {
      await page.setInputFiles("#files", S03.probs);
      await settled(page);
      expect(await page.textContent("#input-line")).toContain(", geometry from probabilities.nii.gz.");
      expect(errors).toEqual([]);
    } finally { await page.close(); }
  });
});

describe("demo page: a channel-last .npy (z, y, x, C)", () => {
  /** s03's 4-D NIfTI probabilities (x, y, z, C) written as a C-order .npy of shape (z, y, x, C). */
  function channelLast(dir: string): string {
    const nii = parseNifti(gunzipSync(readFileSync(S03.probs)), "probabilities.nii.gz");
    const [nx, ny, nz, C] = nii.dims as [number, number, number, number];
    const n = nx * ny * nz, out = new Float32Array(n * C);
    for (let v = 0; v < n; v++) for (let c = 0; c < C; c++) out[v * C + c] = Number(nii.data[c * n + v]);
    const path = join(dir, "probabilities_zyxc.npy");
    writeFileSync(path, encodeNpyFloat32(out, [nz, ny, nx, C]));
    return path;
  }

  it("the class-axis hint becomes the page's class axis menu, with a button that uses the last axis and reruns", async () => {
    const { page, errors } = await open("?empty");
    const dir = mkdtempSync(join(tmpdir(), "segentropy-npy-"));
    try {
      const path = channelLast(dir);
      // the library refuses axis 0 as the classes, and reads axis 3 as the CLI's --class-axis 3 does
      await expect(readProbabilitiesFile(path).then((p) => analyze(p, {}, {}))).rejects.toThrow(/class sums/);
      const lib = buildReport(analyze(await readProbabilitiesFile(path, { classAxis: 3 }), {}, {}));
      const ref = await libReport(S03.probs, {}, { kind: "softmax" });

      expect(await page.inputValue("#class-axis")).toBe("");
      await page.setInputFiles("#files", path);
      await settled(page, "error");
      const text = (await page.textContent("#error"))!;
      expect(text).toContain("class sums");
      expect(text).toContain("choose 3 under class axis");
      expect(text).not.toMatch(/--[a-z]/);
      expect(await page.getAttribute("#use-class-axis", "data-axis")).toBe("3");
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, "demo-class-axis-error.png") });
      await page.click("#use-class-axis");
      await settled(page);
      expect(await page.inputValue("#class-axis")).toBe("3");
      await expectLibraryStats(page, lib);
      expect(lib.totalEntropy).toBeCloseTo(ref.totalEntropy, 6); // the same probabilities as the NIfTI
      expect((await demoState(page)).dims).toEqual([33, 41, 25]);
      expect(await page.textContent("#input-line")).toContain("[25, 41, 33, 3]");

      // the menu by hand: 'last' reads the same; auto again gives the error
      await page.selectOption("#class-axis", "-1");
      await settled(page);
      await expectLibraryStats(page, lib);
      await page.selectOption("#class-axis", "");
      await settled(page, "error");

      // the one-click axis belonged to that case: a new case is read with auto again
      await page.click("#use-class-axis");
      await settled(page);
      await page.setInputFiles("#file-probs", S03.probs);
      await settled(page);
      expect(await page.inputValue("#class-axis")).toBe("");
      await expectLibraryStats(page, ref);
      expect(errors).toEqual([]);
    } finally { await page.close(); rmSync(dir, { recursive: true, force: true }); }
  });
});

describe("demo page: a case folder's .json files", () => {
  it("manifest.json is not the nnU-Net properties: only a .json with their keys is", async () => {
    const { page, errors } = await open("?empty");
    const dir = mkdtempSync(join(tmpdir(), "segentropy-json-"));
    try {
      const logits = join(CASES, "s10_logits_inia19_2mm");
      // the whole folder, as "select all" in a file dialog gives it
      await page.setInputFiles("#files", readdirSync(logits).map((f) => join(logits, f)));
      await settled(page);
      expect(await roles(page)).toEqual({ "logits.npz": "probs", "image.nii.gz": "image", "manifest.json": "unused", "expected_entropy_bits.nii.gz": "unused" });
      await expectLibraryStats(page, await libReport(join(logits, "logits.npz"), { image: join(logits, "image.nii.gz") }, { kind: "logits" }));

      // beside real properties: the properties file is used, the manifest not (whatever the order)
      const v1 = join(CASES, "s02_nnunetv1_avg152_float16");
      copyFileSync(join(v1, "manifest.json"), join(dir, "a_manifest.json"));
      writeFileSync(join(dir, "notes.json"), JSON.stringify({ spacing_note: "no nnU-Net keys", crop: [1, 2] }));
      await page.setInputFiles("#files", [join(dir, "a_manifest.json"), join(dir, "notes.json"), join(v1, "softmax.npz"), join(v1, "image.nii.gz"), join(v1, "properties.json")]);
      await settled(page);
      expect(await roles(page)).toEqual({ "a_manifest.json": "unused", "notes.json": "unused", "softmax.npz": "probs", "image.nii.gz": "image", "properties.json": "props" });
      // the user can still make any .json the properties with the role menu
      expect(await page.$$eval('#assigned .file[data-file="a_manifest.json"] select option', (o) => o.map((x) => (x as HTMLOptionElement).value))).toEqual(["props", "unused"]);
      expect(errors).toEqual([]);
    } finally { await page.close(); rmSync(dir, { recursive: true, force: true }); }
  });
});

describe("demo page: a failed load", () => {
  it("clears the previous case's panels, statistics and downloads (the sample, then garbage)", async () => {
    const { page } = await open();
    try {
      await settled(page);
      expect(await page.isDisabled("#download-nifti")).toBe(false);
      await page.setInputFiles("#file-probs", { name: "notes.npy", mimeType: "text/plain", buffer: Buffer.from("these are my notes, not probabilities") });
      await settled(page, "error");
      expect(await page.isVisible("#error")).toBe(true);
      expect(await page.textContent("#error")).toContain("notes.npy can not be used");
      await expectNoResult(page);
    } finally { await page.close(); }
  });

  it("clears a user case's result when a segmentation added to it does not fit", async () => {
    const { page } = await open("?empty");
    try {
      await page.setInputFiles("#file-probs", S03.probs);
      await settled(page);
      await page.setInputFiles("#file-seg", sampleFiles[2]!);
      await settled(page, "error");
      expect(await page.textContent("#error")).toMatch(/seg\.nii\.gz can not be used.*segmentation grid/);
      await expectNoResult(page);
    } finally { await page.close(); }
  });
});

describe("demo page: the library's CLI hints in the page's words", () => {
  it("'pass --kind sigmoid; … --allow-unnormalized' becomes the kind menu's sigmoid, with a button", async () => {
    const { page } = await open("?empty");
    try {
      await page.setInputFiles("#files", join(CASES, "s09_sigmoid_regions_inia19_2mm/probabilities.npz"));
      await settled(page, "error");
      const text = (await page.textContent("#error"))!;
      expect(text).toContain("choose 'sigmoid (regions)' under kind");
      expect(text).toContain("kind 'softmax'");
      expect(text).not.toMatch(/--[a-z]|allow-unnormalized|renormalise anyway/);
      await page.click("#use-kind");
      await settled(page);
      expect(await page.inputValue("#kind")).toBe("sigmoid");
      await expectLibraryStats(page, await libReport(join(CASES, "s09_sigmoid_regions_inia19_2mm/probabilities.npz"), {}, { kind: "sigmoid" }));
      // the one-click kind belonged to that case: the next case is read with kind auto again
      await page.setInputFiles("#file-probs", S03.probs);
      await settled(page);
      expect(await page.inputValue("#kind")).toBe("");
      await expectLibraryStats(page, await libReport(S03.probs, {}, { kind: "softmax" }));
    } finally { await page.close(); }
  });

  it("'pass --kind logits' becomes the kind menu's logits", async () => {
    const { page } = await open("?empty");
    try {
      await page.selectOption("#kind", "softmax");
      const logits = join(CASES, "s10_logits_inia19_2mm/logits.npz");
      await page.setInputFiles("#files", logits);
      await settled(page, "error");
      const text = (await page.textContent("#error"))!;
      expect(text).toContain("choose 'logits' under kind");
      expect(text).not.toMatch(/--[a-z]/);
      await page.click("#use-kind");
      await settled(page);
      await expectLibraryStats(page, await libReport(logits, {}, { kind: "logits" }));
    } finally { await page.close(); }
  });

  it("'pass --crop-bbox or --properties' becomes the properties file, which the page can take", async () => {
    const { page } = await open("?empty");
    const dir = join(CASES, "s02_nnunetv1_avg152_float16");
    try {
      await page.setInputFiles("#files", [join(dir, "softmax.npz"), join(dir, "image.nii.gz")]);
      await settled(page, "error");
      const text = (await page.textContent("#error"))!;
      expect(text).toContain("add the case's nnU-Net properties file (.json) under nnU-Net properties");
      expect(text).not.toMatch(/--[a-z]/);
      expect(await page.getAttribute("#error label.button", "for")).toBe("file-props");
      await page.setInputFiles("#file-props", join(dir, "properties.json"));
      await settled(page);
      expect(await roles(page)).toEqual({ "softmax.npz": "probs", "image.nii.gz": "image", "properties.json": "props" });
    } finally { await page.close(); }
  });

  it("'choose one with --key' is dropped: the page has no such choice", async () => {
    const { page } = await open("?empty");
    try {
      const npy = readFileSync(join(CASES, "s06_2d_npy_t1slice/probabilities.npy"));
      const npz = Buffer.from(zipSync({ "first.npy": new Uint8Array(npy), "second.npy": new Uint8Array(npy) }, { level: 0 }));
      await page.setInputFiles("#files", { name: "two.npz", mimeType: "application/zip", buffer: npz });
      await settled(page, "error");
      const text = (await page.textContent("#error"))!;
      expect(text).toContain("two.npz can not be used");
      expect(text).toContain("'first', 'second'");
      expect(text).not.toMatch(/--[a-z]|Hint/);
    } finally { await page.close(); }
  });

  it("a sagittal acquisition: the most uncertain axial slice is along the voxel axis nibabel calls S-I, as the viewer shows it", async () => {
    // voxel axes S, A, R; only the plane i = 10 is uncertain (24 * 16 voxels at 1 bit), every k slice holds 24 bits
    const dir = mkdtempSync(join(tmpdir(), "segentropy-sag-"));
    try {
      const py = spawnSync("/usr/bin/python3", ["-c", `
import sys, numpy as np, nibabel as nib
d = sys.argv[1]
p = np.zeros((20, 24, 16, 2), np.float32); p[..., 0] = 1; p[10] = 0.5
aff = np.array([[0, 0, 1, -8], [0, 1, 0, -12], [1, 0, 0, -10], [0, 0, 0, 1]], float)
img = nib.Nifti1Image(p, aff); img.header.set_sform(aff, 1); img.header.set_qform(aff, 1); nib.save(img, d + '/sag.nii.gz')
print(''.join(nib.aff2axcodes(aff)))
`, dir], { encoding: "utf8" });
      expect(py.status, py.stderr).toBe(0);
      const codes = py.stdout.trim();
      expect(codes).toBe("SAR");
      const axis = "ijk"[[...codes].findIndex((c) => c === "S" || c === "I")]!;
      const { page, errors } = await open("?empty");
      try {
        await page.setInputFiles("#files", [join(dir, "sag.nii.gz")]);
        await settled(page);
        const row = await page.$eval('#stats dd[data-stat="mostUncertainSlice"]', (dd) => ({ label: dd.previousElementSibling!.textContent, value: (dd as HTMLElement).dataset.value, text: dd.textContent }));
        expect(row.label).toBe("most uncertain axial slice");
        expect(row.value).toBe("10");
        expect(row.text).toBe(`10 along ${axis} (total 384 bits; voxel axes SAR)`);
        const st = await demoState(page);
        expect(st.view).toBe("axial");
        expect(st.index).toBe(10);
        expect(errors).toEqual([]);
      } finally { await page.close(); }
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});

describe("scripts/build-web.mjs output folder", () => {
  it("refuses to empty a folder that is no previous build, and deletes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "segentropy-precious-"));
    try {
      writeFileSync(join(dir, "thesis.tex"), "years of work");
      mkdirSync(join(dir, "data"));
      await expect(buildWeb(dir)).rejects.toThrow(/refusing to empty .*not empty .*no previous demo build .*Nothing was deleted/);
      expect(readdirSync(dir).sort()).toEqual(["data", "thesis.tex"]);
      // the command line says so and fails
      const r = spawnSync(process.execPath, [join(ROOT, "scripts/build-web.mjs"), dir], { encoding: "utf8" });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/refusing to empty/);
      expect(readFileSync(join(dir, "thesis.tex"), "utf8")).toBe("years of work");
      // a file in place of the folder
      expect(() => checkOutDir(join(dir, "thesis.tex"))).toThrow(/is a file/);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it("rebuilds into its own previous build (the marker file), an empty folder, or a build from before the marker", async () => {
    expect(readdirSync(site)).toContain(BUILD_MARKER);
    expect(() => checkOutDir(site)).not.toThrow();
    expect(() => checkOutDir(join(tmpdir(), "segentropy-does-not-exist-" + process.pid))).not.toThrow();
    const dir = mkdtempSync(join(tmpdir(), "segentropy-rebuild-"));
    try {
      expect(() => checkOutDir(dir)).not.toThrow();
      for (const f of ["index.html", "main.js", "worker.js", "style.css"]) writeFileSync(join(dir, f), "");
      mkdirSync(join(dir, "sample"));
      expect(() => checkOutDir(dir), "a build from before the marker").not.toThrow();
      writeFileSync(join(dir, "notes.txt"), "");
      expect(() => checkOutDir(dir), "… with a file it would not have written").toThrow(/refusing/);
      rmSync(join(dir, "notes.txt"));
      await buildWeb(dir);
      writeFileSync(join(dir, "stale.js"), "");
      await buildWeb(dir); // its own build: emptied and rebuilt
      expect(readdirSync(dir)).not.toContain("stale.js");
      expect(readdirSync(dir)).toContain(BUILD_MARKER);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});

describe("demo page with every shared case (all files of a case uploaded at once, roles found by the page)", () => {
  it.each(caseNames())("%s", async (name) => {
    const m = manifest(name);
    const dir = join(FIXTURES, name);
    // the whole folder but the expected maps: the case's manifest.json is listed but is no nnU-Net properties file
    const files = readdirSync(dir).filter((f) => !f.startsWith("expected_")).map((f) => join(dir, f));
    const want = await analyzeCase(name, true);
    const { page, errors } = await open("?empty");
    try {
      const kind = KIND[m.semantics.kind]!;
      if (kind !== "softmax" && kind !== "logits") await page.selectOption("#kind", kind);
      await page.setInputFiles("#files", files);
      await settled(page);
      const assigned = await roles(page);
      const probs = m.files.probabilities!;
      for (const p of probs.paths ?? [probs.path!]) expect(assigned[p], p).toBe("probs");
      if (m.files.image?.path) expect(assigned[m.files.image.path]).toBe("image");
      if (m.files.segmentation?.path) expect(assigned[m.files.segmentation.path]).toBe("seg");
      if (m.files.properties?.path) expect(assigned[m.files.properties.path]).toBe("props");
      expect(assigned["manifest.json"]).toBe("unused");
      const stat = (k: string) => page.getAttribute(`[data-stat=${k}]`, "data-value");
      expect(Number(await stat("totalEntropy"))).toBe(want.summary.totalEntropy);
      expect(Number(await stat("voxels"))).toBe(want.summary.voxels);
      expect(Number(await stat("nanVoxels"))).toBe(want.summary.nanVoxels);
      expect((await demoState(page)).dims).toEqual(want.dims);
      // where the geometry comes from: every case's NIfTI image has qform/sform codes > 0 in its
      // header; the 2-D .npy case (s06) has no NIfTI at all, and its image.npy gives no geometry
      const image = m.files.image?.path;
      const line = (await page.textContent("#input-line"))!;
      if (image && /\.nii(\.gz)?$/.test(image)) expect(line).toContain(`geometry from ${image}.`);
      else {
        expect(line).toContain("no geometry (1 mm voxels, no transform)");
        expect(line).not.toContain("geometry from");
      }
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, `case-${name}.png`), fullPage: false });
      expect(errors).toEqual([]);
    } finally { await page.close(); }
  });
});
