/**
 * The package in browsers, three ways: (1) src/index.ts bundles for platform=browser with no
 * `node:` import reachable; (2) a tiny app importing "segentropy" (resolved through package.json
 * exports, i.e. dist/) is bundled by esbuild and runs in Chromium; (3) dist/index.js runs
 * unbundled from a plain <script type="module"> with an import map for its dependencies.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "esbuild";
import type { Plugin } from "esbuild";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createHash } from "node:crypto";
import type { Browser } from "playwright-core";
import type { Server } from "node:http";
import { init, analyze, readNiftiFile, readProbabilitiesFile } from "../../src/node/index.js";
import { launch, serve, watchErrors } from "./helpers/chromium.js";

const ROOT = resolve(".");
const SAMPLE = join(ROOT, "samples", "nnunetv2_inia19_1mm");

/** Fails the build on any `node:` (or bare Node builtin) import. */
const noNode: Plugin = {
  name: "no-node-builtins",
  setup(b) {
    b.onResolve({ filter: /^(node:|fs$|path$|zlib$|os$|crypto$|url$|worker_threads$|child_process$)/ }, (args) => ({
      errors: [{ text: `Node builtin "${args.path}" imported by ${args.importer}` }],
    }));
  },
};

let browser: Browser;
let tmp: string;
let expected: { total: number; sha256: string; dims: number[] };

beforeAll(async () => {
  browser = await launch();
  tmp = mkdtempSync(join(tmpdir(), "segentropy-bundle-"));
  await init();
  const a = analyze(await readProbabilitiesFile(join(SAMPLE, "probabilities.npz")), { image: await readNiftiFile(join(SAMPLE, "image.nii.gz")) });
  expected = { total: a.summary.totalEntropy, dims: a.dims, sha256: createHash("sha256").update(new Uint8Array(a.map.buffer, a.map.byteOffset, a.map.byteLength)).digest("hex") };
});
afterAll(async () => {
  await browser?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("bundling for browsers", () => {
  it("src/index.ts bundles for platform=browser with no node: import reachable", async () => {
    const r = await build({
      entryPoints: [join(ROOT, "src/index.ts")], bundle: true, platform: "browser", format: "esm", write: false,
      metafile: true, logLevel: "silent", plugins: [noNode], outfile: join(tmp, "index.js"),
    });
    expect(r.errors).toEqual([]);
    const inputs = Object.keys(r.metafile!.inputs);
    expect(inputs.some((p) => p.includes("src/node/") || p.includes("src/cli/"))).toBe(false);
    expect(inputs.some((p) => p.includes("wasm.generated"))).toBe(true);
  });

  it("the Node entry does import node: modules (the check bites)", async () => {
    const err = await build({
      entryPoints: [join(ROOT, "src/node/index.ts")], bundle: true, platform: "browser", format: "esm", write: false, logLevel: "silent", plugins: [noNode],
    }).catch((e: unknown) => e as Error);
    expect(String(err)).toMatch(/Node builtin "node:/);
  });

  it("a tiny app importing the package, bundled by esbuild, runs in Chromium with the Node results", async () => {
    expect(existsSync(join(ROOT, "dist/index.js")), "dist/ is built by `npm run build` (npm ci runs it)").toBe(true);
    const app = join(tmp, "app");
    mkdirSync(join(app, "node_modules"), { recursive: true });
    mkdirSync(join(app, "www", "sample"), { recursive: true });
    symlinkSync(ROOT, join(app, "node_modules", "segentropy"), "dir");
    copyFileSync(join(ROOT, "test/browser/apps/bundle-app.ts"), join(app, "main.ts"));
    const r = await build({
      entryPoints: [join(app, "main.ts")], bundle: true, platform: "browser", format: "esm", outfile: join(app, "www", "main.js"),
      absWorkingDir: app, logLevel: "silent", plugins: [noNode], metafile: true,
    });
    expect(r.errors).toEqual([]);
    expect(Object.keys(r.metafile!.inputs).some((p) => p.includes("dist/index.js"))).toBe(true);
    for (const f of ["probabilities.npz", "image.nii.gz"]) copyFileSync(join(SAMPLE, f), join(app, "www", "sample", f));
    writeFileSync(join(app, "www", "index.html"), `<!doctype html><meta charset="utf-8"><title>bundle</title><script type="module" src="main.js"></script>`);
    const { server, url } = await serve(join(app, "www"));
    try {
      const result = await runPage(url, browser);
      expect(result).toEqual({ ...result, dims: expected.dims, total: expected.total, sha256: expected.sha256 });
      expect(result.blobBytes).toBeGreaterThan(1000);
    } finally { server.close(); }
  });

  it("dist/index.js runs unbundled from a plain <script type=module> (import map for its dependencies)", async () => {
    const page = `<!doctype html><meta charset="utf-8"><title>plain</title>
<script type="importmap">{ "imports": {
  "nifti-reader-js": "/node_modules/nifti-reader-js/dist/nifti.js",
  "fflate": "/node_modules/fflate/esm/browser.js",
  "fast-png": "/node_modules/fast-png/lib/index.js",
  "iobuffer": "/node_modules/iobuffer/lib/iobuffer.js",
  "pako": "/node_modules/pako/dist/pako.esm.mjs"
} }</script>
<script type="module">
  import { init, readProbabilitiesFrom, readNiftiFrom, analyze } from "/dist/index.js";
  await init();
  const input = await readProbabilitiesFrom(await fetch("/samples/nnunetv2_inia19_1mm/probabilities.npz"));
  const a = analyze(input, { image: await readNiftiFrom(await fetch("/samples/nnunetv2_inia19_1mm/image.nii.gz")) });
  const d = await crypto.subtle.digest("SHA-256", new Uint8Array(a.map.buffer, a.map.byteOffset, a.map.byteLength));
  window.__result = { dims: a.dims, total: a.summary.totalEntropy, sha256: [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("") };
</script>`;
    const www = join(tmp, "plain");
    mkdirSync(www, { recursive: true });
    for (const d of ["dist", "node_modules", "samples"]) symlinkSync(join(ROOT, d), join(www, d), "dir");
    writeFileSync(join(www, "index.html"), page);
    const { server, url } = await serve(www);
    try {
      const result = await runPage(url, browser);
      expect(result).toEqual({ dims: expected.dims, total: expected.total, sha256: expected.sha256 });
    } finally { server.close(); }
  });
});

async function runPage(url: string, b: Browser): Promise<Record<string, unknown>> {
  const page = await b.newPage();
  const errors = watchErrors(page);
  try {
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 60_000 }).catch(() => {
      throw new Error(`page produced no result; errors: ${errors.join("; ") || "none"}`);
    });
    const result = await page.evaluate(() => (window as unknown as { __result: Record<string, unknown> }).__result);
    expect(result.error, errors.join("; ")).toBeUndefined();
    return result;
  } finally { await page.close(); }
}
