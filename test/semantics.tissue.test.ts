/**
 * --kind tissue clips to [0, 1] as the README says: small interpolation overshoot (values down to
 * -0.1 and up to 1.1, as spline-resliced SPM maps have) runs, and the map is the SPM rule applied in
 * float64 by numpy to the same file. Found by a fresh-user pass: a map with one -0.02 and one 1.03
 * was refused with a hint about logits. Values far outside still stop the run, with a fitting hint.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempDir } from "./helpers/cli.js";
import { init } from "../src/kernel/wasm.js";
import { analyze } from "../src/analyze.js";
import { readProbabilities } from "../src/read/probabilities.js";
import { SegentropyError } from "../src/errors.js";

beforeAll(async () => { await init(); });

function python(code: string, ...args: string[]): string {
  const py = spawnSync("/usr/bin/python3", ["-c", code, ...args], { encoding: "utf8" });
  expect(py.status, `python3 with numpy is needed: ${py.stderr}`).toBe(0);
  return py.stdout;
}

/**
 * Writes tissue_neg.npy (float32 (3, 4, 6, 7), values in [0, 0.6] with excursions to -0.02, -0.1,
 * 1.03 and 1.1, and voxels whose clipped sum exceeds 1) and returns numpy's float64 SPM rule:
 * clip to [0, 1], divide by the sum where it exceeds 1, background = 1 - sum as a last class.
 * The entropies are in (z, y, x) C order, which is the map's F order over (x, y, z).
 */
function writeTissue(dir: string, extra = ""): Float64Array {
  const out = python(`
import sys, json, numpy as np
rng = np.random.default_rng(3)
t = (rng.random((3, 4, 6, 7)) * 0.6).astype(np.float32)
t[0, 0, 0, 0] = -0.02
t[1, 1, 1, 1] = 1.03
t[:, 2, 2, 2] = [1.1, 0.5, -0.1]
t[:, 3, 5, 6] = [0.7, 0.6, 0.5]
${extra}
np.save(sys.argv[1], t)
x = np.clip(t.astype(np.float64), 0, 1)
s = x.sum(axis=0)
p = np.where(s > 1, x / np.where(s > 1, s, 1), x)
p = np.concatenate([p, np.maximum(1 - p.sum(axis=0), 0)[None]], axis=0)
h = -(np.where(p > 0, p * np.log2(np.where(p > 0, p, 1)), 0)).sum(axis=0)
print(json.dumps(h.ravel().tolist()))
`, join(dir, "tissue_neg.npy"));
  return Float64Array.from(JSON.parse(out) as number[]);
}

describe("--kind tissue: interpolation overshoot", () => {
  it("values in [-0.1, 1.1] run, clipped as the SPM rule says: the map is numpy's float64 reference (library and CLI)", async () => {
    const dir = tempDir();
    const want = writeTissue(dir);
    const file = join(dir, "tissue_neg.npy");
    const input = await readProbabilities(new Uint8Array(readFileSync(file)), "tissue_neg.npy");
    const a = analyze(input, {}, { kind: "tissue" });
    expect(a.map.length).toBe(want.length);
    let worst = 0;
    for (let v = 0; v < want.length; v++) worst = Math.max(worst, Math.abs(a.map[v]! - want[v]!));
    expect(worst).toBeLessThan(1e-6);
    expect(a.kernel.minValue).toBeCloseTo(-0.1, 6);   // the raw range is still reported
    expect(a.kernel.maxValue).toBeCloseTo(1.1, 6);

    const out = join(dir, "o");
    const r = cli([file, "--kind", "tissue", "--out", out, "--no-png"]);
    expect(r.code, r.stderr).toBe(0);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8")) as { totalEntropy: number };
    const total = want.reduce((x, y) => x + y, 0);
    expect(Math.abs(stats.totalEntropy - total) / total).toBeLessThan(1e-6);
  });

  it("values far outside stop the run: far below 0 without the sigmoid-logits hint, above 1.1 with --scale", async () => {
    const dir = tempDir();
    const caught = async (extra: string): Promise<SegentropyError> => {
      writeTissue(dir, extra);
      const input = await readProbabilities(new Uint8Array(readFileSync(join(dir, "tissue_neg.npy"))), "t.npy");
      try { analyze(input, {}, { kind: "tissue" }); } catch (err) {
        expect(err).toBeInstanceOf(SegentropyError);
        return err as SegentropyError;
      }
      throw new Error(`expected a refusal for ${extra}`);
    };
    const low = await caught("t[2, 0, 1, 2] = -0.5");
    expect(low.field).toBe("values");
    expect(low.message).toMatch(/expected probabilities in \[0, 1\] for --kind tissue \(interpolation overshoot within 0\.1 is clipped\), found min -0\.5, max 1\.1/);
    expect(low.hint).toMatch(/not interpolation overshoot/);
    expect(low.hint).not.toMatch(/apply a sigmoid/);
    const high = await caught("t[2, 0, 1, 2] = 1.5");
    expect(high.message).toMatch(/found min -0\.1, max 1\.5/);
    expect(high.hint).toMatch(/--scale/);
    expect(high.hint).not.toMatch(/logits/);
    // the margin is the tissue kind's: softmax still refuses the small overshoot
    writeTissue(dir);
    const input = await readProbabilities(new Uint8Array(readFileSync(join(dir, "tissue_neg.npy"))), "t.npy");
    expect(() => analyze(input, {}, { kind: "softmax" })).toThrow(/look like logits/);
  });
});
