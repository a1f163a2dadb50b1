/**
 * The demo page in headless Chromium, as a user meets it: it opens with the sample case; files
 * uploaded through the file input are analysed in the worker; the heatmap shows a bright ring at
 * tissue borders and near-zero interiors; the shown statistics are the library's; hover, slider,
 * axis switch, profile click, the entropy.nii.gz download and readable errors all work.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import type { Server } from "node:http";
import { init, analyze, buildReport, readNiftiFile, readProbabilitiesFile, classValuesAt, probabilitiesFor } from "../../src/node/index.js";
import type { Analysis, ProbInput, Report } from "../../src/node/index.js";
import { extractSlice, scalarToRGBA, viewPlan } from "../../src/render/index.js";
import type { View } from "../../src/render/index.js";
// @ts-expect-error plain .mjs script without types
import { buildWeb } from "../../scripts/build-web.mjs";
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
async function settled(page: Page, want: "done" | "error" = "done"): Promise<void> {
  await page.waitForFunction((w) => document.body.dataset.state === w, want, { timeout: 60_000 });
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
      expect(await page.textContent("#assigned")).toContain("probabilities.npz");
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
      await page.setInputFiles("#file-image", other);
      await page.setInputFiles("#file-probs", sampleFiles[0]!);
      await settled(page, "error");
      const text2 = (await page.textContent("#error"))!;
      expect(text2).toContain("image.nii.gz can not be used");
      expect(text2).toMatch(/expected the probability grid \[84, 103, 64\].*but found \[33, 41, 25\]/);
    } finally { await page.close(); }
  });

  it("accepts files dropped on the drop zone", async () => {
    const { page, errors } = await open("?empty");
    try {
      const payload = sampleFiles.map((f) => ({ name: f.slice(f.lastIndexOf("/") + 1), b64: readFileSync(f).toString("base64") }));
      await page.evaluate((files) => {
        const dt = new DataTransfer();
        for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
        document.getElementById("drop")!.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, payload);
      await settled(page);
      expect(await page.textContent("#assigned")).toContain("image: image.nii.gz");
      expect(await page.getAttribute("[data-stat=totalEntropy]", "data-value")).toBe(String(a.summary.totalEntropy));
      expect(errors).toEqual([]);
    } finally { await page.close(); }
  });
});

describe("demo page with every shared case (all files of a case uploaded at once, roles found by the page)", () => {
  it.each(caseNames())("%s", async (name) => {
    const m = manifest(name);
    const dir = join(FIXTURES, name);
    const files = readdirSync(dir).filter((f) => f !== "manifest.json" && !f.startsWith("expected_")).map((f) => join(dir, f));
    const want = await analyzeCase(name, true);
    const { page, errors } = await open("?empty");
    try {
      const kind = KIND[m.semantics.kind]!;
      if (kind !== "softmax" && kind !== "logits") await page.selectOption("#kind", kind);
      await page.setInputFiles("#files", files);
      await settled(page);
      const assigned = (await page.textContent("#assigned"))!;
      const probs = m.files.probabilities!;
      for (const p of probs.paths ?? [probs.path!]) expect(assigned).toContain(p);
      if (m.files.image?.path) expect(assigned).toContain(`image: ${m.files.image.path}`);
      if (m.files.segmentation?.path) expect(assigned).toContain(`segmentation: ${m.files.segmentation.path}`);
      const stat = (k: string) => page.getAttribute(`[data-stat=${k}]`, "data-value");
      expect(Number(await stat("totalEntropy"))).toBe(want.summary.totalEntropy);
      expect(Number(await stat("voxels"))).toBe(want.summary.voxels);
      expect(Number(await stat("nanVoxels"))).toBe(want.summary.nanVoxels);
      expect((await demoState(page)).dims).toEqual(want.dims);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, `case-${name}.png`), fullPage: false });
      expect(errors).toEqual([]);
    } finally { await page.close(); }
  });
});
