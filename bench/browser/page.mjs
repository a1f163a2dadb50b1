// The Chromium side of the benchmark suite: bundled by bench/browser.mjs into page.js, served with
// COOP/COEP (cross-origin isolated) and driven by playwright-core, which calls window.runBench.
// The page generates input (b) itself with bench/data.mjs (the same deterministic generator as
// the Node rows) and times it with the same RoundBench method. It returns raw medians only; the
// derived figures and the table are made in Node (bench/browser.mjs).
import { makePlanar, toFloat16 } from "../data.mjs";
import { RoundBench } from "../round-bench.mjs";

/**
 * One build of the library. src/kernel/wasm.ts owns a single wasm instance per module instance;
 * importing lib.js under a second URL gives a second module instance, so the base and FMA builds
 * are both live and the timed loop never needs reset() + init().
 */
async function loadBuild(relaxedSimd) {
  const lib = await import(new URL(`./lib.js?build=${relaxedSimd ? "relaxed" : "base"}`, import.meta.url).href);
  await lib.init({ relaxedSimd });
  return lib;
}

function planarVolume(lib, data, dtype, C, [nx, ny, nz]) {
  const shape = [C, nz, ny, nx];
  return { data, dtype, shape, strides: lib.stridesFor(shape, "C"), classAxis: 0, gridAxes: [3, 2, 1], name: "bench" };
}

/** Same map statistics from every way of running, else the timings would compare different work. */
function checkAgree(label, a, b, tolerance) {
  const d = Math.abs(a.stats.total - b.stats.total);
  if (!(d <= tolerance)) throw new Error(`bench page: ${label}: total entropy ${b.stats.total} differs from ${a.stats.total} by ${d}`);
}

/** Adds one task and the bytes one run of it reads (for GB/s). */
function task(bench, bytes, variant, perRunBytes, fn) {
  bench.add(variant, fn);
  bytes[variant] = perRunBytes;
}

window.runBench = async ({ C, dims, rounds, time, iterations }) => {
  const base = await loadBuild(false);
  // shared memory is what the Node rows use (the workers read the volume in place); without it
  // the pool would fall back to transferred slabs, a different measurement
  if (!base.canShareMemory()) throw new Error("bench page: not cross-origin isolated (no SharedArrayBuffer for the workers)");
  const relaxedValidates = base.relaxedSimdSupported();
  const fma = relaxedValidates ? await loadBuild(true) : undefined;
  if (fma && !fma.usesRelaxedSimd()) throw new Error("bench page: the relaxed-SIMD build validated but did not load");

  let t0 = performance.now();
  const gen = makePlanar(C, ...dims, { shared: true });
  const f16 = toFloat16(gen.data, true);
  console.log(`input (b) C=${C} ${dims.join("x")}: generated in the page in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const N = gen.N;
  const vol = planarVolume(base, gen.data, "float32", C, dims);
  const f16Vol = planarVolume(base, f16, "float16", C, dims);
  // reused maps in shared memory, as in run.mjs: the pools write into them in place
  const out = new Float32Array(new SharedArrayBuffer(4 * N));
  const narrowOut = new Float32Array(new SharedArrayBuffer(4 * N));

  const pool = await base.createBrowserPool({ threads: 2 });
  const fmaPool = fma ? await fma.createBrowserPool({ threads: 2 }) : undefined;
  try {
    t0 = performance.now();
    const ref = base.computeEntropySync(vol);
    checkAgree("2 workers", ref, await pool.computeEntropy(vol), 0);
    // FMA rounds differently: the map stays within 1e-6 bits per voxel of the base build
    if (fma) checkAgree("relaxed-SIMD FMA", ref, fma.computeEntropySync(vol), 1e-6 * N);
    if (fmaPool) checkAgree("relaxed-SIMD FMA, 2 workers", ref, await fmaPool.computeEntropy(vol), 1e-6 * N);
    console.log(`builds agree (checked in ${((performance.now() - t0) / 1000).toFixed(1)} s); timing`);

    const bench = new RoundBench({ rounds, time, iterations });
    const bytes = {};
    const f32Bytes = 4 * C * N;
    task(bench, bytes, "read floor (sumF32)", f32Bytes, () => base.streamSum(base.volumeSource(vol)));
    task(bench, bytes, "wasm 1 thread", f32Bytes, () => base.computeEntropySync(vol));
    task(bench, bytes, "wasm 1 thread, map reused", f32Bytes, () => base.computeEntropySync(vol, { out }));
    if (fma) {
      task(bench, bytes, "wasm 1 thread, relaxed-SIMD FMA", f32Bytes, () => fma.computeEntropySync(vol));
      task(bench, bytes, "wasm 1 thread, relaxed-SIMD FMA, map reused", f32Bytes, () => fma.computeEntropySync(vol, { out }));
    }
    task(bench, bytes, "wasm 2 workers", f32Bytes, () => pool.computeEntropy(vol));
    task(bench, bytes, "wasm 2 workers, map reused", f32Bytes, () => pool.computeEntropy(vol, { out }));
    if (fmaPool) {
      task(bench, bytes, "wasm 2 workers, relaxed-SIMD FMA", f32Bytes, () => fmaPool.computeEntropy(vol));
      task(bench, bytes, "wasm 2 workers, relaxed-SIMD FMA, map reused", f32Bytes, () => fmaPool.computeEntropy(vol, { out }));
    }
    task(bench, bytes, "wasm f16, map reused", 2 * C * N, () => base.computeEntropySync(f16Vol, { out: narrowOut }));
    await bench.run();
    return {
      N, relaxedValidates,
      tasks: bench.tasks.map((t) => ({ variant: t.name, ms: bench.ms.get(t.name), samples: bench.count.get(t.name), bytes: bytes[t.name] })),
    };
  } finally {
    pool.close();
    fmaPool?.close();
  }
};
