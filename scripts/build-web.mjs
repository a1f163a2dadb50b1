#!/usr/bin/env node
// Builds the demo page (web/) and the NiiVue example (examples/niivue/) into a static folder
// (default web-dist/) with the sample case, ready for any static host. Usage:
//   node scripts/build-web.mjs [OUTDIR] [--serve [PORT]]
import { build } from "esbuild";
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Builds the static site into outDir (emptied first). */
export async function buildWeb(outDir) {
  if (!existsSync(join(root, "src/kernel/wasm.generated.ts"))) throw new Error("build-web: src/kernel/wasm.generated.ts is missing: run `npm run build:wasm` first");
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, "sample"), { recursive: true });
  const common = { bundle: true, format: "esm", platform: "browser", target: "es2022", sourcemap: true, minify: true, logLevel: "warning", absWorkingDir: root };
  await build({ ...common, entryPoints: { main: "web/main.ts", worker: "web/worker.ts" }, outdir: outDir });
  for (const f of ["index.html", "style.css"]) cpSync(join(root, "web", f), join(outDir, f));
  for (const f of ["probabilities.npz", "image.nii.gz", "seg.nii.gz", "SOURCE.md"]) cpSync(join(root, "samples/nnunetv2_inia19_1mm", f), join(outDir, "sample", f));
  if (existsSync(join(root, "examples/niivue/main.ts"))) {
    mkdirSync(join(outDir, "niivue"), { recursive: true });
    await build({ ...common, entryPoints: { main: "examples/niivue/main.ts" }, outdir: join(outDir, "niivue") });
    cpSync(join(root, "examples/niivue/index.html"), join(outDir, "niivue/index.html"));
  }
  return outDir;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  const serveAt = args.indexOf("--serve");
  const portArg = serveAt >= 0 && args[serveAt + 1] && !args[serveAt + 1].startsWith("--") ? args[serveAt + 1] : undefined;
  const out = resolve(args.find((a, i) => !a.startsWith("--") && !(portArg !== undefined && i === serveAt + 1)) ?? join(root, "web-dist"));
  await buildWeb(out);
  console.log(`build-web: ${out}`);
  if (serveAt >= 0) {
    const { serveStatic } = await import("./serve-static.mjs");
    const { url } = await serveStatic(out, Number(portArg ?? process.env.PORT ?? 8080));
    console.log(`demo: ${url}   (NiiVue example: ${url}niivue/)   Ctrl-C to stop`);
  }
}
