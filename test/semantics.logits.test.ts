/**
 * Logits: a logit of +Infinity has no finite softmax (the voxel came out NaN with rc 0, found by a
 * fresh-user pass) and is refused as softmax input with Inf is; -Infinity is a masked class
 * (probability 0, as scipy and torch give it). --allow-unnormalized changes only
 * the softmax kind, so it is refused with logits, sigmoid and tissue (it was accepted silently).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cli, tempDir } from "./helpers/cli.js";
import { FIXTURES } from "./helpers/cases.js";
import { init } from "../src/kernel/wasm.js";
import { analyze } from "../src/analyze.js";
import { readProbabilities } from "../src/read/probabilities.js";
import { encodeNpyFloat32 } from "../src/write/npy.js";
import { caught } from "./helpers/errors.js";

beforeAll(async () => { await init(); });

/** (5, 8) logits: voxel 0 is `first` (classes 0 in the others), the rest finite. */
function logits(first: number[]): Uint8Array {
  const C = 5, N = 8;
  const data = new Float32Array(C * N);
  for (let v = 0; v < N; v++) for (let c = 0; c < C; c++) data[c * N + v] = v === 0 ? first[c]! : (c - v) * 0.7;
  return encodeNpyFloat32(data, [C, N]);
}


describe("infinite logits", () => {
  it("[inf, 0, 0, 0, 0] is refused naming the value (library and CLI); -inf is a masked class", async () => {
    const pos = await readProbabilities(logits([Infinity, 0, 0, 0, 0]), "inf.npy");
    const e = caught(() => analyze(pos, {}, { kind: "logits" }));
    expect(e.field).toBe("values");
    expect(e.message).toMatch(/expected finite logits for --kind logits, found min -4\.9, max Infinity/);
    expect(e.hint).toMatch(/a logit of Infinity/);
    // -Infinity is a masked class (PyTorch masked_fill): probability 0, as scipy's softmax gives it
    const neg = await readProbabilities(logits([-Infinity, 0, 0, 0, 0]), "ninf.npy");
    const a = analyze(neg, {}, { kind: "logits" });
    const py = spawnSync("/usr/bin/python3", ["-c", `
import numpy as np
C, N = 5, 8
x = np.array([[(-np.inf if c == 0 else 0.0) if v == 0 else (c - v) * 0.7 for v in range(N)] for c in range(C)], np.float64)
x = x.astype(np.float32).astype(np.float64)
e = np.exp(x - x.max(0)); p = e / e.sum(0)
with np.errstate(divide='ignore', invalid='ignore'): t = np.where(p > 0, p * np.log2(p), 0.0)
print(' '.join(repr(float(h)) for h in -t.sum(0)))`], { encoding: "utf8" });
    expect(py.status, py.stderr).toBe(0);
    const want = py.stdout.trim().split(" ").map(Number);
    expect(want[0]).toBeCloseTo(2, 12); // four equal logits left: log2 4
    Array.from(a.map).forEach((h, v) => expect(Math.abs(h - want[v]!)).toBeLessThan(1e-6));
    // every logit -Infinity: no softmax, reported as NaN, not a number
    const all = await readProbabilities(logits([-Infinity, -Infinity, -Infinity, -Infinity, -Infinity]), "allninf.npy");
    const b = analyze(all, {}, { kind: "logits" });
    expect(Number.isNaN(b.map[0])).toBe(true);
    expect(b.summary.nanVoxels).toBe(1);

    const dir = tempDir();
    writeFileSync(join(dir, "inf.npy"), logits([Infinity, 0, 0, 0, 0]));
    const r = cli([join(dir, "inf.npy"), "--kind", "logits", "--out", join(dir, "o"), "--no-png"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/inf\.npy: values: expected finite logits/);
  });
});

describe("--allow-unnormalized with a kind other than softmax", () => {
  it("is refused on the command line with --kind logits, sigmoid or tissue, and for an .npz whose 'logits' member sets the kind", () => {
    const dir = tempDir();
    const s10 = join(FIXTURES, "s10_logits_inia19_2mm", "logits.npz");
    for (const kind of ["logits", "sigmoid", "tissue"]) {
      const r = cli([s10, "--kind", kind, "--allow-unnormalized", "--out", join(dir, kind), "--no-png"]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`command line: --allow-unnormalized: expected --allow-unnormalized only with the softmax kind .*found --kind ${kind}`));
    }
    const detected = cli([s10, "--allow-unnormalized", "--out", join(dir, "d"), "--no-png"]);
    expect(detected.code, detected.stderr).toBe(2);
    expect(detected.stderr).toMatch(/allowUnnormalized.*found kind 'logits'.*drop allowUnnormalized \(--allow-unnormalized\)/);
  });

  it("is refused by analyze before computing", async () => {
    const input = await readProbabilities(logits([1, 0, 0, 0, 0]), "l.npy");
    for (const kind of ["logits", "sigmoid", "tissue"] as const) {
      const e = caught(() => analyze(input, {}, { kind, allowUnnormalized: true }));
      expect(e.file).toBe("options");
      expect(e.field).toBe("allowUnnormalized");
    }
  });
});

describe("float64 logits masked below float32's range", () => {
  it("np.finfo(float).min as a mask reads as a class of probability 0 (numpy's softmax); +1e300 is still refused", async () => {
    const dir = tempDir();
    const py = spawnSync("/usr/bin/python3", ["-c", `
import sys, numpy as np
rng = np.random.default_rng(5)
x = rng.normal(size=(4, 3, 4, 5)) * 2
x[3, :, :, :2] = np.finfo(float).min
np.save(sys.argv[1], x)
y = x.copy(); y[0, 0, 0, 0] = 1e300; np.save(sys.argv[2], y)
e = np.exp(x - x.max(0)); p = e / e.sum(0)
with np.errstate(divide='ignore', invalid='ignore'): t = np.where(p > 0, p * np.log2(p), 0.0)
print(repr(float(-t.sum())))`, join(dir, "masked.npy"), join(dir, "big.npy")], { encoding: "utf8" });
    expect(py.status, py.stderr).toBe(0);
    const r = cli([join(dir, "masked.npy"), "--kind", "logits", "--out", join(dir, "o"), "--no-png"]);
    expect(r.code, r.stderr).toBe(0);
    const total = JSON.parse((await import("node:fs")).readFileSync(join(dir, "o", "stats.json"), "utf8")).totalEntropy as number;
    expect(Math.abs(total - Number(py.stdout.trim()))).toBeLessThan(60 * 1e-6);
    const big = cli([join(dir, "big.npy"), "--kind", "logits", "--out", join(dir, "b"), "--no-png"]);
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/values: expected values within float32's range/);
  });
});
