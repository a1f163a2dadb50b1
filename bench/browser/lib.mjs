// What the Chromium bench page needs from the library, bundled from src/ by bench/browser.mjs into
// its own file (lib.js). The page imports that file under two URLs, so it gets two module
// instances, each owning one wasm instance: the base build and the relaxed-SIMD (FMA) build.
export { init, usesRelaxedSimd, relaxedSimdSupported, computeEntropySync, volumeSource, stridesFor, createBrowserPool, canShareMemory } from "../../src/index.ts";
// the read floor (not part of the public API; bench/run.mjs takes it from dist/kernel/entropy.js)
export { streamSum } from "../../src/kernel/entropy.ts";
