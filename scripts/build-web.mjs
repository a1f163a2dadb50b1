#!/usr/bin/env node
// Builds the demo page (web/) and the NiiVue example (examples/niivue/) into a static folder
// (default web-dist/) with the sample case, ready for any static host. Usage:
//   node scripts/build-web.mjs [OUTDIR] [--serve [PORT]] [--port PORT]
// PORT defaults to the PORT environment variable, else 8080; it is bound before OUTDIR is touched,
// so a busy port stops the script with one line and the previous build kept.
// OUTDIR is emptied first only if it is empty or a previous build (it holds .segentropy-demo-build).
import { build } from "esbuild";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Written into every build: only a folder holding it (or an empty one) is emptied by the next build. */
export const BUILD_MARKER = ".segentropy-demo-build";
/** What a build writes at the top level (a build from before the marker holds only these). */
const BUILD_ENTRIES = new Set([BUILD_MARKER, "index.html", "style.css", "main.js", "main.js.map", "worker.js", "worker.js.map", "sample", "niivue"]);

/**
 * Throws unless outDir may be emptied: it does not exist, is an empty folder, or is a previous demo
 * build (holds the marker, or, from before the marker, only a build's own files). So a mistyped
 * `node scripts/build-web.mjs ~/x` never deletes ~/x.
 */
export function checkOutDir(outDir) {
  if (!existsSync(outDir)) return;
  if (!statSync(outDir).isDirectory()) throw new Error(`build-web: ${outDir} is a file, not a folder: choose another output folder`);
  const entries = readdirSync(outDir);
  if (entries.length === 0 || entries.includes(BUILD_MARKER)) return;
  const legacy = entries.includes("index.html") && entries.includes("main.js") && entries.includes("worker.js") && entries.every((e) => BUILD_ENTRIES.has(e));
  if (legacy) return;
  const shown = entries.slice(0, 5).join(", ") + (entries.length > 5 ? `, … (${entries.length} entries)` : "");
  throw new Error(`build-web: refusing to empty ${outDir}: it is not empty (${shown}) and is no previous demo build (no ${BUILD_MARKER} file). Nothing was deleted. Choose a new or empty folder, or delete this one yourself.`);
}

/** Builds the static site into outDir (emptied first, if it is a previous build; see checkOutDir). */
export async function buildWeb(outDir) {
  if (!existsSync(join(root, "src/kernel/wasm.generated.ts"))) throw new Error("build-web: src/kernel/wasm.generated.ts is missing: run `npm run build:wasm` first");
  checkOutDir(outDir);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, "sample"), { recursive: true });
  writeFileSync(join(outDir, BUILD_MARKER), "segentropy demo build (scripts/build-web.mjs): the next build empties this folder.\n");
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
  // the port: --serve PORT, or --port PORT (which also serves), else PORT from the environment, else 8080
  const valueAfter = (flag) => { const i = args.indexOf(flag); return i >= 0 && args[i + 1] !== undefined && !args[i + 1].startsWith("--") ? i + 1 : -1; };
  const portAt = valueAfter("--port") >= 0 ? valueAfter("--port") : valueAfter("--serve");
  const serve = args.includes("--serve") || args.includes("--port");
  const portArg = portAt >= 0 ? args[portAt] : undefined;
  const outArg = args.find((a, i) => !a.startsWith("--") && i !== valueAfter("--port") && i !== valueAfter("--serve"));
  const out = resolve(outArg ?? join(root, "web-dist"));
  let server;
  if (serve) {
    // the port is taken before anything is built, so a busy port leaves the previous build as it was
    const { serveStatic, parsePort, listenFailure } = await import("./serve-static.mjs");
    const portText = portArg ?? process.env.PORT ?? "8080";
    const port = parsePort(portText);
    if (port === undefined) {
      console.error(`build-web: ${JSON.stringify(portText)} is no port number: give one from 0 to 65535 (--serve PORT, --port PORT or the PORT environment variable; 0: any free port)`);
      process.exit(2);
    }
    try {
      ({ server } = await serveStatic(out, port));
    } catch (err) {
      const how = (p) => (outArg === undefined || outArg === "web-dist" ? `PORT=${p} npm run demo:web` : `node scripts/build-web.mjs ${outArg} --serve ${p}`);
      console.error(`build-web: ${listenFailure(err, port, how)}; nothing was built, ${out} is unchanged`);
      process.exit(1);
    }
  }
  try {
    await buildWeb(out);
  } catch (err) {
    server?.close();
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
  console.log(`build-web: ${out}`);
  if (server) {
    const url = `http://127.0.0.1:${server.address().port}/`;
    console.log(`demo: ${url}   (NiiVue example: ${url}niivue/)   Ctrl-C to stop`);
  }
}
