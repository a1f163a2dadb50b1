// Chromium rows of the benchmark suite: input (b) timed in headless Chromium in the same run as
// the Node rows, so the two runtimes can be compared as ratios. Uses Debian's Chromium
// (/usr/bin/chromium, or CHROMIUM_PATH) through playwright-core; never downloads a browser.
// The page (bench/browser/page.mjs) is bundled with esbuild into a temp dir at bench time and
// served cross-origin isolated by scripts/serve-static.mjs, so its Web Worker pool shares memory.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "../scripts/serve-static.mjs";

// the values of test/browser/helpers/chromium-flags.ts (a .ts file that plain Node cannot import)
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run",
  "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
];
// (playwright adds --disable-background-timer-throttling and --disable-renderer-backgrounding
// itself, so nothing throttles the page or its workers while they are timed)

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/** Bundles the page and the library (from src/) into `dir`, with an index.html that loads them. */
async function buildPage(dir) {
  const { build } = await import("esbuild");
  await build({
    // two files: page.js imports lib.js at run time under two URLs (one module instance per build)
    entryPoints: { page: here("browser/page.mjs"), lib: here("browser/lib.mjs") },
    bundle: true, format: "esm", platform: "browser", outdir: dir, absWorkingDir: ROOT, logLevel: "warning",
  });
  writeFileSync(join(dir, "index.html"), `<!doctype html><meta charset="utf-8"><title>segentropy bench</title><script type="module" src="page.js"></script>`);
}

/** Derived figures of one page task, and its ratio to the Node row of the same variant. */
function toRow(t, { version, C, dims, N, floorMs, nodeRows }) {
  const node = nodeRows.find((r) => r.key === "b" && r.layout === "planar" && nodeVariant(r.variant) === t.variant);
  return {
    runtime: `chromium ${version}`, key: "b", input: `(b) C=${C} ${dims.join("×")}`, layout: "planar", variant: t.variant,
    ms: t.ms, voxPerS: N / (t.ms / 1000), gbPerS: t.bytes / (t.ms / 1000) / 1e9, vsFloor: t.ms / floorMs, samples: t.samples,
    nodeMs: node?.ms, vsNode: node ? node.ms / t.ms : undefined,
  };
}

/** Node's relaxed-SIMD rows carry the flag they ran under; the measurement is the same variant. */
function nodeVariant(v) {
  return v.replace(/ \(node --experimental-wasm-relaxed-simd\)$/, "");
}

/**
 * Times input (b) planar in headless Chromium. `input` is run.mjs's spec of (b) ({ C, dims }, at
 * 1/8 size in --quick mode), `bench` RoundBench's settings of the Node rows ({ rounds, time,
 * iterations }), `nodeRows` the Node rows of this run, for the ratios.
 * Resolves to { version, rows, relaxedValidates }, or to { skipped: reason } when Chromium is missing or
 * fails: the Node bench must never fail for the browser.
 */
export async function runChromium({ input: { C, dims }, quick, bench, nodeRows = [] }) {
  if (!existsSync(CHROMIUM_PATH)) return { skipped: `${CHROMIUM_PATH} not found (install Debian's chromium or set CHROMIUM_PATH)` };
  const dir = mkdtempSync(join(tmpdir(), "segentropy-bench-page-"));
  let browser, server;
  try {
    await buildPage(dir);
    const served = await serveStatic(dir, 0);
    server = served.server;
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    const version = browser.version();
    const page = await browser.newPage();
    const errors = [];
    page.on("console", (m) => (m.type() === "error" ? errors.push(m.text()) : console.error(`chromium: ${m.text()}`)));
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(served.url);
    await page.waitForFunction(() => typeof window.runBench === "function", undefined, { timeout: 30_000 });
    // a hung page must not hang the suite: closing the browser makes evaluate() reject
    const guard = setTimeout(() => { errors.push("timed out"); browser.close().catch(() => {}); }, quick ? 120_000 : 600_000);
    let res;
    try {
      res = await page.evaluate((o) => window.runBench(o), { C, dims, ...bench });
    } catch (e) {
      throw new Error(`${String(e?.message ?? e).split("\n")[0]}${errors.length ? ` (${errors.join("; ")})` : ""}`);
    } finally {
      clearTimeout(guard);
    }
    const floorMs = res.tasks.find((t) => t.variant === "read floor (sumF32)").ms;
    const rows = res.tasks.map((t) => toRow(t, { version, C, dims, N: res.N, floorMs, nodeRows }));
    return { version, rows, relaxedValidates: res.relaxedValidates };
  } catch (e) {
    // one line: playwright's messages append a multi-line call log
    return { skipped: `Chromium run failed: ${String(e?.message ?? e).split("\n")[0]}` };
  } finally {
    await browser?.close().catch(() => {});
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x) => (x === undefined ? "" : x >= 100 ? x.toFixed(0) : x.toPrecision(3));

/** The markdown lines of the Chromium table (or the one line saying why it was skipped). */
export function chromiumTable(result, { quick }) {
  if (result.skipped) return [`Chromium rows skipped: ${result.skipped}`];
  const { version, rows, relaxedValidates } = result;
  const lines = [
    `Chromium ${version} (headless), same machine: ${rows[0]?.input} planar float32${quick ? " (--quick: 1/8 size)" : ""}, generated in the page; cross-origin isolated, 2 workers on shared memory; relaxed SIMD ${relaxedValidates ? "validated" : "NOT validated (no FMA rows)"}`,
    "",
    "| variant | median ms | Mvoxel/s | GB/s | × read floor (Chromium) | Node ms (same run) | × faster than Node |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows) lines.push(`| ${r.variant} | ${fmt(r.ms)} | ${fmt(r.voxPerS / 1e6)} | ${fmt(r.gbPerS)} | ${fmt(r.vsFloor)} | ${fmt(r.nodeMs)} | ${fmt(r.vsNode)} |`);
  return lines;
}
