/**
 * runPipeline (the browser path, also run in Node) applies the CLI's region-model rules: one
 * region order (regionLabels must agree with the properties' regions_class_order), a malformed
 * regions_class_order is refused, and a region model is read only as sigmoid channels.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runPipeline, isSegentropyError } from "../src/index.js";
import type { Kind } from "../src/index.js";
import { tempDir } from "./helpers/cli.js";

/** Two sigmoid channels of 0.5 over a 2 x 2 x 2 grid: 2 bits per voxel (two binary entropies of 1 bit). */
function halfNpy(): Uint8Array {
  const dir = tempDir();
  const r = spawnSync("/usr/bin/python3", ["-c", "import sys, numpy as np; np.save(sys.argv[1], np.full((2, 2, 2, 2), 0.5, np.float32))", join(dir, "p.npy")], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return new Uint8Array(readFileSync(join(dir, "p.npy")));
}
const json = (v: unknown) => new Blob([JSON.stringify(v)]);

async function run(extra: { properties?: unknown; regionLabels?: number[]; kind?: Kind }) {
  return runPipeline({
    probabilities: new Blob([halfNpy()]), probabilitiesName: "p.npy",
    ...(extra.properties !== undefined ? { properties: json(extra.properties), propertiesName: "props.json" } : {}),
    ...(extra.regionLabels ? { regionLabels: extra.regionLabels } : {}),
    ...(extra.kind ? { kind: extra.kind } : {}),
  });
}
async function refusal(extra: Parameters<typeof run>[0]): Promise<string> {
  const err = await run(extra).then(() => undefined, (e: unknown) => e);
  expect(isSegentropyError(err), String(err)).toBe(true);
  return (err as Error).message;
}

describe("runPipeline: region models", () => {
  it("the properties' order alone, or the same order twice: sigmoid, 2 bits per voxel", async () => {
    for (const extra of [{ properties: { regions_class_order: [1, 2] } }, { properties: { regions_class_order: [1, 2] }, regionLabels: [1, 2] }, { regionLabels: [1, 2], kind: "sigmoid" as const }]) {
      const r = await run(extra);
      expect(r.analysis.kind).toBe("sigmoid");
      expect(r.analysis.summary.totalEntropy).toBe(16);
    }
  });

  it("regionLabels that differ from regions_class_order are refused, naming both", async () => {
    const m = await refusal({ properties: { regions_class_order: [1, 2] }, regionLabels: [2, 1] });
    expect(m).toMatch(/regionLabels: expected the regions_class_order of properties props\.json \(1,2\), or no regionLabels, found 2,1/);
  });

  it("a malformed regions_class_order is refused, not read as absent", async () => {
    const m = await refusal({ properties: { regions_class_order: "abc" } });
    expect(m).toMatch(/props\.json: regions_class_order: expected a list of integer labels/);
  });

  it("a region model read as softmax or logits is refused", async () => {
    for (const kind of ["softmax", "logits"] as const) {
      const m = await refusal({ properties: { regions_class_order: [1, 2] }, kind });
      expect(m).toMatch(new RegExp(`kind: expected kind sigmoid, or no kind \\(properties props\\.json names a region model: regions_class_order 1,2\\), found kind ${kind}`));
    }
  });

  it("regionLabels alone do not turn a softmax file into sigmoid channels: refused without kind sigmoid", async () => {
    for (const extra of [{ regionLabels: [1, 2] }, { regionLabels: [1, 2], kind: "softmax" as const }]) {
      expect(await refusal(extra)).toMatch(/^options: regionLabels: expected regionLabels only with kind "sigmoid" .*, found kind "softmax" \(pass kind: "sigmoid"/);
    }
  });
});
