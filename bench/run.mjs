// Benchmark suite (tinybench): `npm run bench` (full) or `npm run bench -- --quick` (< 1 min).
// Options: --quick, --only=a,b,c,d, --no-numpy, --no-relaxed, --no-browser, --no-e2e, --json=path.
// Runs against dist/ (npm run build). With input (b), the same input is also timed in headless
// Chromium (bench/browser.mjs) and printed as a second table; --json rows from it carry `runtime`.
import { execFileSync } from "node:child_process";
import { writeFileSync, mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { makePlanar, toInterleaved, toFloat16, toUint8 } from "./data.mjs";
import { jsEntropyPlanar, jsEntropyInterleaved } from "./baseline.mjs";
import { RoundBench } from "./round-bench.mjs";
import { runChromium, chromiumTable } from "./browser.mjs";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = (args.find((a) => a.startsWith("--only="))?.slice(7) ?? "a,b,c,d").split(",");
const jsonOut = args.find((a) => a.startsWith("--json="))?.slice(7);
const noNumpy = args.includes("--no-numpy") || quick;
// --relaxed-child: run by this script itself under --experimental-wasm-relaxed-simd, to time the
// relaxed-SIMD (FMA) build; prints its rows as JSON
const relaxedChild = args.includes("--relaxed-child");
const noRelaxed = args.includes("--no-relaxed");
const noBrowser = args.includes("--no-browser");

const dist = new URL("../dist/", import.meta.url);
if (!existsSync(new URL("index.js", dist))) throw new Error("bench: run `npm run build` first");
const lib = await import(new URL("node/index.js", dist).href);
const kern = await import(new URL("kernel/entropy.js", dist).href);
const poolMod = await import(new URL("node/pool.js", dist).href).catch(() => undefined);
await lib.init({ relaxedSimd: relaxedChild });
if (relaxedChild && !lib.usesRelaxedSimd()) throw new Error("bench: the relaxed-SIMD build did not validate");

// --quick: every input at 1/8 of its voxels (each axis halved), so the suite runs in under a minute;
// the ratios (to the JS baseline, to the read floor) are what it reports
const half = (d) => (quick ? d.map((x) => x / 2) : d);
const INPUTS = {
  a: { C: 4, dims: half([128, 128, 128]) },
  b: { C: 8, dims: half([256, 256, 256]) },
  c: { C: 2, dims: half([512, 512, 200]) },
  d: { C: 117, dims: half([96, 96, 96]) },
};

function planarVolume(data, dtype, C, [nx, ny, nz], scale) {
  const shape = [C, nz, ny, nx];
  return { data, dtype, shape, strides: lib.stridesFor(shape, "C"), classAxis: 0, gridAxes: [3, 2, 1], name: "bench", ...(scale ? { scale } : {}) };
}
function interleavedVolume(data, dtype, C, [nx, ny, nz]) {
  const shape = [nz, ny, nx, C];
  return { data, dtype, shape, strides: lib.stridesFor(shape, "C"), classAxis: 3, gridAxes: [2, 1, 0], name: "bench" };
}

const rows = [];
const relaxedRows = [];

const ROUNDS = quick ? 2 : 3;
// RoundBench's settings, the same for the Node rows and the Chromium page
const BENCH = { rounds: ROUNDS, time: quick ? 80 : 500, iterations: quick ? 1 : 2 };

let pool;
if (poolMod) pool = await poolMod.createNodePool({ threads: 2 });

for (const key of only) {
  const spec = INPUTS[key];
  if (!spec) continue;
  const t0 = performance.now();
  const gen = makePlanar(spec.C, ...spec.dims);
  const il = toInterleaved(gen);
  const f16 = toFloat16(gen.data);
  const u8 = toUint8(gen.data);
  console.error(`input (${key}) C=${spec.C} ${spec.dims.join("x")}: generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const N = gen.N, C = spec.C;
  const vols = {
    planar: planarVolume(gen.data, "float32", C, spec.dims),
    interleaved: interleavedVolume(il, "float32", C, spec.dims),
  };
  const bench = new RoundBench(BENCH);
  if (relaxedChild) {
    for (const layout of ["planar", "interleaved"]) {
      bench.add(`${key}|${layout}|wasm 1 thread, relaxed-SIMD FMA`, () => lib.computeEntropySync(vols[layout]));
      if (pool) bench.add(`${key}|${layout}|wasm 2 workers, relaxed-SIMD FMA`, () => pool.computeEntropy(vols[layout]));
    }
    await bench.run();
    for (const t of bench.tasks) relaxedRows.push({ name: t.name, ms: bench.ms.get(t.name) });
    continue;
  }
  const bytes = {};
  // plain JS baseline: in --quick mode on the first 1/4 of the voxels, scaled (it is linear)
  const jsFrac = quick ? 4 : 1;
  const jsOut = new Float32Array(N);
  for (const layout of ["planar", "interleaved"]) {
    const name = (v) => `${key}|${layout}|${v}`;
    const vol = vols[layout];
    const fn = layout === "planar" ? () => jsEntropyPlanar(gen.data, C, N, Math.floor(N / jsFrac), jsOut) : () => jsEntropyInterleaved(il, C, Math.floor(N / jsFrac), jsOut);
    bench.add(name("js Math.log2"), fn, { });
    bytes[name("js Math.log2")] = (4 * C * N) / jsFrac;
    bench.add(name("read floor (sumF32)"), () => kern.streamSum(kern.volumeSource(vol)));
    bytes[name("read floor (sumF32)")] = 4 * C * N;
    bench.add(name("wasm 1 thread"), () => lib.computeEntropySync(vol));
    bytes[name("wasm 1 thread")] = 4 * C * N;
    // the same with one output map reused across calls (as a pipeline over many cases would):
    // no allocation and page faults of a fresh map in the timed loop
    const out = new Float32Array(new SharedArrayBuffer(4 * N));
    bench.add(name("wasm 1 thread, map reused"), () => lib.computeEntropySync(vol, { out }));
    bytes[name("wasm 1 thread, map reused")] = 4 * C * N;
    if (pool) {
      bench.add(name("wasm 2 workers"), () => pool.computeEntropy(vol));
      bytes[name("wasm 2 workers")] = 4 * C * N;
      bench.add(name("wasm 2 workers, map reused"), () => pool.computeEntropy(vol, { out }));
      bytes[name("wasm 2 workers, map reused")] = 4 * C * N;
    }
  }
  const f16Vol = planarVolume(f16, "float16", C, spec.dims), u8Vol = planarVolume(u8, "uint8", C, spec.dims, { slope: 1 / 255, inter: 0 });
  const narrowOut = new Float32Array(new SharedArrayBuffer(4 * N));
  bench.add(`${key}|planar|wasm f16`, () => lib.computeEntropySync(f16Vol));
  bytes[`${key}|planar|wasm f16`] = 2 * C * N;
  bench.add(`${key}|planar|wasm f16, map reused`, () => lib.computeEntropySync(f16Vol, { out: narrowOut }));
  bytes[`${key}|planar|wasm f16, map reused`] = 2 * C * N;
  bench.add(`${key}|planar|wasm u8 scaled`, () => lib.computeEntropySync(u8Vol));
  bytes[`${key}|planar|wasm u8 scaled`] = C * N;
  bench.add(`${key}|planar|wasm u8 scaled, map reused`, () => lib.computeEntropySync(u8Vol, { out: narrowOut }));
  bytes[`${key}|planar|wasm u8 scaled, map reused`] = C * N;
  if (!quick || key === "a") {
    // f64 (made per input, freed after), logits and sigmoid kinds
    const f64 = Float64Array.from(gen.data);
    bench.add(`${key}|planar|wasm f64`, () => lib.computeEntropySync(planarVolume(f64, "float64", C, spec.dims)));
    bytes[`${key}|planar|wasm f64`] = 8 * C * N;
    bench.add(`${key}|planar|wasm logits`, () => lib.computeEntropySync(vols.planar, { kind: "logits" }));
    bytes[`${key}|planar|wasm logits`] = 4 * C * N;
    bench.add(`${key}|planar|wasm sigmoid`, () => lib.computeEntropySync(vols.planar, { kind: "sigmoid" }));
    bytes[`${key}|planar|wasm sigmoid`] = 4 * C * N;
  }
  await bench.run();
  const ms = {};
  for (const t of bench.tasks) ms[t.name] = bench.ms.get(t.name) * (t.name.includes("js Math") ? jsFrac : 1);
  for (const t of bench.tasks) {
    const [, layout, variant] = t.name.split("|");
    const m = ms[t.name];
    const floor = ms[`${key}|${layout === "interleaved" ? "interleaved" : "planar"}|read floor (sumF32)`];
    const js = ms[`${key}|${layout}|js Math.log2`];
    rows.push({ key, input: `(${key}) C=${C} ${spec.dims.join("×")}`, layout, variant, ms: m, voxPerS: N / (m / 1000), gbPerS: (bytes[t.name] * (t.name.includes("js Math") ? jsFrac : 1)) / (m / 1000) / 1e9, vsJs: js / m, vsFloor: m / floor, samples: bench.count.get(t.name) });
  }
  if (key === "b" && !noNumpy) rows.push(...numpyRow(gen, spec, ms[`${key}|planar|read floor (sumF32)`], ms[`${key}|planar|js Math.log2`]));
}
if (pool) await pool.close();
if (relaxedChild) {
  console.log(JSON.stringify(relaxedRows));
  process.exit(0);
}
// relaxed-SIMD rows: Node 20 validates the FMA build only under a flag, so a child process times them
if (!noRelaxed) {
  const relaxedOn = only.filter((k) => k === "b" || k === "d");
  const child = relaxedOn.length === 0 ? "[]" : execFileSync(process.execPath, ["--experimental-wasm-relaxed-simd", new URL(import.meta.url).pathname, "--relaxed-child", `--only=${relaxedOn.join(",")}`, ...(quick ? ["--quick"] : [])], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24 });
  for (const r of JSON.parse(child.trim().split("\n").pop())) {
    const [key, layout, variant] = r.name.split("|");
    const base = rows.find((x) => x.key === key && x.layout === layout && x.variant === "wasm 1 thread");
    if (!base) continue;
    const jsMs = base.ms * base.vsJs, floorMs = base.ms / base.vsFloor;
    rows.push({ ...base, variant: `${variant} (node --experimental-wasm-relaxed-simd)`, ms: r.ms, voxPerS: base.voxPerS * base.ms / r.ms, gbPerS: base.gbPerS * base.ms / r.ms, vsJs: jsMs / r.ms, vsFloor: r.ms / floorMs });
  }
}

// Chromium rows: input (b) again in headless Chromium, after every Node row (nothing else runs
// meanwhile), compared with the Node rows of this run
const chromiumRun = only.includes("b") && !noBrowser ? await runChromium({ input: INPUTS.b, quick, bench: BENCH, nodeRows: rows }) : undefined;

function numpyRow(gen, spec, floor, js) {
  try {
    execFileSync("/usr/bin/python3", ["-c", "import numpy"], { stdio: "ignore" });
  } catch {
    console.error("numpy: not importable by /usr/bin/python3, skipped");
    return [];
  }
  const dir = mkdtempSync(join(tmpdir(), "segentropy-bench-"));
  try {
    const npy = join(dir, "b.npy");
    const [nx, ny, nz] = spec.dims;
    writeFileSync(npy, lib.encodeNpyFloat32 ? npyBytes(gen.data, [spec.C, nz, ny, nx]) : new Uint8Array());
    const out = execFileSync("/usr/bin/python3", [new URL("numpy_ref.py", import.meta.url).pathname, npy, quick ? "2" : "5"], { encoding: "utf8" });
    const m = Number(out.trim());
    return [{ key: "b", input: `(b) C=${spec.C} ${spec.dims.join("×")}`, layout: "planar", variant: "numpy reference", ms: m, voxPerS: gen.N / (m / 1000), gbPerS: (4 * spec.C * gen.N) / (m / 1000) / 1e9, vsJs: js / m, vsFloor: m / floor }];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The speed targets of issue 3 on input (b) planar, read off this run's rows: each against the
 * fresh-map and the map-reused row, with met / MISSED, so that nobody has to work the ratios out.
 */
function targetLines(rows, chromium) {
  const row = (variant) => rows.find((r) => r.key === "b" && r.layout === "planar" && r.variant === variant);
  const numpy = row("numpy reference"), f32 = row("wasm 1 thread"), f32r = row("wasm 1 thread, map reused");
  const verdict = (x, ok) => (x === undefined ? "n/a" : `${f(x)}× ${ok(x) ? "met" : "MISSED"}`);
  const pair = (variant, pick, ok) => [row(variant), row(`${variant}, map reused`)].map((r) => verdict(r && pick(r), ok)).join(" | ");
  const vsNumpy = (r) => (numpy ? numpy.ms / r.ms : undefined);
  const lines = [
    "Targets (issue 3), input (b) planar, Node, this run" + (numpy ? "" : " (no numpy row: run without --quick / --no-numpy for those)") + ":",
    "",
    "| target | fresh map | map reused |",
    "| --- | ---: | ---: |",
    `| 1 thread ≤ 3.5× the read floor | ${pair("wasm 1 thread", (r) => r.vsFloor, (x) => x <= 3.5)} |`,
    `| 1 thread ≥ 6× faster than numpy | ${pair("wasm 1 thread", vsNumpy, (x) => x >= 6)} |`,
    `| 2 workers ≤ 2.0× the 1-thread read floor | ${pair("wasm 2 workers", (r) => r.vsFloor, (x) => x <= 2)} |`,
    `| 2 workers ≥ 10× faster than numpy | ${pair("wasm 2 workers", vsNumpy, (x) => x >= 10)} |`,
    `| float16 GB/s > float32 GB/s (ratio) | ${[row("wasm f16"), row("wasm f16, map reused")].map((r, i) => verdict(r && [f32, f32r][i] && r.gbPerS / [f32, f32r][i].gbPerS, (x) => x > 1)).join(" | ")} |`,
    `| uint8 GB/s > float32 GB/s (ratio) | ${[row("wasm u8 scaled"), row("wasm u8 scaled, map reused")].map((r, i) => verdict(r && [f32, f32r][i] && r.gbPerS / [f32, f32r][i].gbPerS, (x) => x > 1)).join(" | ")} |`,
  ];
  const c = chromium?.rows;
  if (c) {
    const cr = (v) => c.find((r) => r.variant === v);
    const cells = (v, ok) => [cr(v), cr(`${v}, map reused`)].map((r) => verdict(r?.vsFloor, ok)).join(" | ");
    lines.push(`| Chromium: 1 thread ≤ 3.5× its read floor | ${cells("wasm 1 thread", (x) => x <= 3.5)} |`);
    lines.push(`| Chromium: 2 workers ≤ 2.0× its read floor | ${cells("wasm 2 workers", (x) => x <= 2)} |`);
    lines.push(`| Chromium, relaxed-SIMD FMA: 2 workers ≤ 2.0× its read floor | ${cells("wasm 2 workers, relaxed-SIMD FMA", (x) => x <= 2)} |`);
  }
  return lines;
}

function npyBytes(data, shape) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(", ")}), }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  out[8] = header.length & 0xff; out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
const f = (x, d = 2) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
console.log(`\nsegentropy bench: Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}${quick ? ", --quick (inputs at 1/8 of their voxels; JS baseline timed on 1/4 of those, scaled)" : ""}\n`);
console.log("| input | layout | variant | median ms | Mvoxel/s | GB/s | × faster than JS | × read floor |");
console.log("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) console.log(`| ${r.input} | ${r.layout} | ${r.variant} | ${f(r.ms)} | ${f(r.voxPerS / 1e6)} | ${f(r.gbPerS)} | ${f(r.vsJs)} | ${f(r.vsFloor)} |`);
if (chromiumRun) console.log(["", ...chromiumTable(chromiumRun, { quick })].join("\n"));
if (only.includes("b")) console.log(["", ...targetLines(rows, chromiumRun)].join("\n"));
if (jsonOut) writeFileSync(jsonOut, JSON.stringify([...rows, ...(chromiumRun?.rows ?? [])], null, 1));
// end-to-end figures of the CLI (bench/e2e.mjs), unless --no-e2e
if (!args.includes("--no-e2e")) {
  console.log("");
  execFileSync(process.execPath, [new URL("e2e.mjs", import.meta.url).pathname, ...(quick ? ["--quick"] : [])], { stdio: "inherit" });
}
