/**
 * Global setup (runs in Node): every shared case is analysed with the Node path (fs + zlib, the
 * CLI's readers), and the SHA-256 of each entropy map is provided to the tests, which recompute
 * the maps with the browser path (in Node and in Chromium) and must get identical bits.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { init } from "../../../src/node/index.js";
import { analyzeCase } from "../../helpers/cases.js";
import { CASES_DIR, type CaseSpec, type NodeReference } from "./cases.js";

declare module "vitest" {
  export interface ProvidedContext {
    nodeReference: NodeReference[];
  }
}

export default async function setup(project: TestProject): Promise<void> {
  await init();
  const out: NodeReference[] = [];
  for (const name of readdirSync(CASES_DIR).filter((d) => existsSync(join(CASES_DIR, d, "manifest.json"))).sort()) {
    const m = JSON.parse(readFileSync(join(CASES_DIR, name, "manifest.json"), "utf8")) as CaseSpec["manifest"];
    const a = await analyzeCase(name, false);
    const bytes = new Uint8Array(a.map.buffer, a.map.byteOffset, a.map.byteLength);
    out.push({
      name, manifest: m,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      voxels: a.map.length, dims: a.dims, totalEntropy: a.summary.totalEntropy, maxEntropy: a.summary.maxEntropy,
    });
  }
  project.provide("nodeReference", out);
}
