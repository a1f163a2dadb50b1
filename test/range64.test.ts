/**
 * float64 values float32 cannot hold (found by a fresh-user pass): a float64 softmax x 1e-60 or
 * x 1e-300 narrowed to 0 and ran as zero-sum voxels (exit 0, total 0 bits); with
 * --allow-unnormalized a volume with one slab x 1e-60 was up to 1.76 bits wrong; finite values
 * ~1e300 were reported as "infinite values". They are now seen in float64 before the narrowing
 * and refused with the real range and the --scale that fits (or, for voxels scaled differently, a
 * word on renormalising them), on every path: one thread, a worker pool with shared or transferred
 * slabs, and an .npy streamed from disk. Files whose tiny values carry no weight (a confident f64
 * softmax, sigmoid channels at 1e-50) run as before. Expected maps and ranges come from numpy float64.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { init } from "../src/kernel/wasm.js";
import { computeEntropySync } from "../src/kernel/entropy.js";
import type { EntropyPool } from "../src/kernel/pool.js";
import { createNodePool } from "../src/node/pool.js";
import { readProbabilitiesFile, SegentropyError } from "../src/node/index.js";
import { cli, tempDir } from "./helpers/cli.js";

const WORKER = new URL("../dist/node/pool-worker.js", import.meta.url);
let pool: EntropyPool;
beforeAll(async () => { await init(); pool = await createNodePool({ threads: 2, batchBytes: 64 * 1024, workerUrl: WORKER }); });
afterAll(() => pool.close());

const dir = tempDir();

interface Made { bits: number[]; min: string; max: string }

/**
 * Writes float64 (C=3, 4, 5, 6) arrays (.npy and .npz) from one Dirichlet softmax `p`: `expr` gives
 * the stored array. Returns numpy's float64 entropy (bits) of the renormalised voxels, in NIfTI
 * voxel order (i fastest), and the finite min/max as '%.6g'.
 */
function make(name: string, expr: string): Made {
  const py = spawnSync("/usr/bin/python3", ["-c", `
import sys, json, numpy as np
rng = np.random.default_rng(7)
p = np.moveaxis(rng.dirichlet(np.ones(3) * 0.7, size=(4, 5, 6)), -1, 0)
a = ${expr}
np.save(sys.argv[1] + '.npy', a)
np.savez_compressed(sys.argv[1] + '.npz', probabilities=a)
q = a / a.sum(axis=0)
with np.errstate(divide='ignore', invalid='ignore'):
    h = -np.where(q > 0, q * np.log2(q), 0).sum(axis=0)
print(json.dumps({"bits": h.transpose(2, 1, 0).ravel(order='F').tolist(), "min": '%.6g' % np.nanmin(a), "max": '%.6g' % np.nanmax(a)}))
`, join(dir, name)], { encoding: "utf8" });
  expect(py.status, `python3 with numpy is needed: ${py.stderr}`).toBe(0);
  return JSON.parse(py.stdout) as Made;
}

const TINY = (what: string) => `values: expected for --kind softmax, class values below FLT_MIN (1.17549e-38) holding at most 2^-24 (5.96046e-8) of a voxel's probability mass: they are computed in float32, where values below FLT_MIN count as 0, found ${what}`;

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<SegentropyError> {
  let err: unknown = null;
  try { await (typeof p === "function" ? p() : p); } catch (e) { err = e; }
  expect(err, String(err)).toBeInstanceOf(SegentropyError);
  return err as SegentropyError;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("a float64 softmax x 1e-60 (every voxel below FLT_MIN)", () => {
  const m = make("em60", "p * 1e-60");
  const want = TINY(`120 of 120 voxels where class values below FLT_MIN hold more than that share, which would come out zero-sum or wrong (values min ${m.min}, max ${m.max}) (pass --scale 1e60 to bring them into [0, 1])`);

  it("is refused on one thread, on the pool (shared and transferred slabs), as .npy and .npz", async () => {
    for (const ext of [".npy", ".npz"]) {
      const path = join(dir, `em60${ext}`);
      const input = await readProbabilitiesFile(path);
      expect(input.info.dtype).toBe("float64");
      expect((await rejection(() => computeEntropySync(input.volume))).message).toBe(`${path}: ${want}`);
      expect((await rejection(pool.computeEntropy(input.volume))).message, ext).toBe(`${path}: ${want}`);
      expect((await rejection(pool.computeEntropy(input.volume, { kind: "softmax", labels: true }))).message, ext).toBe(`${path}: ${want}`);
    }
  });

  it("the CLI refuses it streamed from disk (1 and 2 threads) and read whole (.npz), with or without --allow-unnormalized", () => {
    for (const [file, extra] of [["em60.npy", ["--threads", "1"]], ["em60.npy", ["--threads", "2"]], ["em60.npz", []], ["em60.npy", ["--allow-unnormalized"]]] as const) {
      const path = join(dir, file);
      const r = cli([path, ...extra, "--out", join(dir, "o"), "--no-png", "--force"]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split("\n")).toEqual([`segentropy: ${path}: ${want}`]);
    }
  });

  it("with the --scale the message names, the map is numpy's float64 entropy (within 1e-6 bits)", () => {
    const out = join(dir, "o_scaled");
    const r = cli([join(dir, "em60.npy"), "--scale", "1e60", "--out", out, "--no-png", "--force", "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    const map = readNiftiFloats(join(out, "entropy.nii.gz"));
    expect(maxDiff(map, m.bits)).toBeLessThan(1e-6);
  });
});

describe("a float64 softmax x 1e-300, and one z-slab x 1e-60", () => {
  it("x 1e-300 names --scale 1e300", async () => {
    const m = make("em300", "p * 1e-300");
    const path = join(dir, "em300.npy");
    expect((await rejection(readProbabilitiesFile(path).then((i) => computeEntropySync(i.volume)))).message)
      .toBe(`${path}: ${TINY(`120 of 120 voxels where class values below FLT_MIN hold more than that share, which would come out zero-sum or wrong (values min ${m.min}, max ${m.max}) (pass --scale 1e300 to bring them into [0, 1])`)}`);
  });

  it("one slab x 1e-60 is refused with --allow-unnormalized too (it was 1.76 bits wrong), naming the voxels; renormalised in float64 it runs", () => {
    const m = make("mixed", "p.copy(); a[:, 0] *= 1e-60");
    const path = join(dir, "mixed.npy");
    const want = TINY(`30 of 120 voxels where class values below FLT_MIN hold more than that share, which would come out zero-sum or wrong (values min ${m.min}, max ${m.max}) `
      + "(the voxels are scaled differently (some hold probabilities, some values below FLT_MIN): renormalise each voxel in float64 before saving, e.g. p / p.sum(axis=0))");
    for (const extra of [[], ["--allow-unnormalized"], ["--threads", "1", "--allow-unnormalized"]]) {
      const r = cli([path, ...extra, "--out", join(dir, "o"), "--no-png", "--force"]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split("\n")).toEqual([`segentropy: ${path}: ${want}`]);
    }
    const fixed = make("renormalised", "p.copy(); a[:, 0] *= 1e-60; a = a / a.sum(axis=0)");
    const out = join(dir, "o_fixed");
    const r = cli([join(dir, "renormalised.npy"), "--out", out, "--no-png", "--force", "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    expect(maxDiff(readNiftiFloats(join(out, "entropy.nii.gz")), fixed.bits)).toBeLessThan(1e-6);
  });
});

describe("finite float64 values beyond float32's range", () => {
  it("x 1e300: 'beyond float32's range' (not 'infinite values'), --scale 1e-300 suggested and right", async () => {
    const m = make("e300", "p * 1e300");
    const path = join(dir, "e300.npy");
    const want = `values: expected values within float32's range (magnitude up to 3.40282e+38): they are computed in float32, found min ${m.min}, max ${m.max} (360 finite values beyond it, which would read as infinite) (pass --scale 1e-300 to bring them into [0, 1])`;
    for (const ext of [".npy", ".npz"]) {
      const p = join(dir, `e300${ext}`);
      const input = await readProbabilitiesFile(p);
      expect((await rejection(pool.computeEntropy(input.volume))).message).toBe(`${p}: ${want}`);
      // every kind: the values would read as ±Infinity
      expect((await rejection(() => computeEntropySync(input.volume, { kind: "sigmoid" }))).message).toBe(`${p}: ${want}`);
    }
    const r = cli([path, "--out", join(dir, "o"), "--no-png", "--force"]);
    expect(r.stderr.trim().split("\n")).toEqual([`segentropy: ${path}: ${want}`]);
    const out = join(dir, "o_e300");
    const ok = cli([path, "--scale", "1e-300", "--out", out, "--no-png", "--force", "--quiet"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(maxDiff(readNiftiFloats(join(out, "entropy.nii.gz")), m.bits)).toBeLessThan(1e-6);
  });

  it("logits of 1e300 are named as such", async () => {
    make("logit300", "np.log(p) * 1e298");
    const path = join(dir, "logit300.npz");
    const input = await readProbabilitiesFile(path);
    const err = await rejection(() => computeEntropySync(input.volume, { kind: "logits" }));
    expect(err.field).toBe("values");
    // log(p) * 1e298 is below -FLT_MAX for every class of every voxel: no logit is left to hold the
    // softmax's maximum in float32 (logits below it alone, a mask, would read as -Infinity and run)
    expect(err.expected).toBe("for --kind logits, at least one logit per voxel within float32's range (logits below it, masks such as np.finfo(float).min, read as -Infinity: probability 0)");
    expect(err.hint).toBe("in float32 they read as -Infinity or Infinity and their softmax is lost: subtract each voxel's maximum in float64 before saving (x - x.max(axis=0)), which keeps the softmax");
  });
});

describe("float64 files whose tiny values carry no weight run as before", () => {
  it("a confident softmax (classes at 1e-50 beside ~1), sigmoid channels at 1e-50", async () => {
    const m = make("confident", "p.copy(); a[1:, 0] = 1e-50; a[0, 0] = 1 - 2e-50");
    const input = await readProbabilitiesFile(join(dir, "confident.npy"));
    const one = computeEntropySync(input.volume);
    expect(maxDiff(one.map, m.bits)).toBeLessThan(1e-6);
    expect(Array.from((await pool.computeEntropy(input.volume)).map)).toEqual(Array.from(one.map));
    make("sig", "np.full((3, 4, 5, 6), 1e-50)");
    const sig = await readProbabilitiesFile(join(dir, "sig.npz"));
    const h = computeEntropySync(sig.volume, { kind: "sigmoid" });
    expect(Math.max(...h.map)).toBeLessThan(1e-30);
  });
});

/** The float32 voxels of a .nii.gz written by the CLI (vox_offset 352, datatype float32). */
function readNiftiFloats(path: string): Float32Array {
  const py = spawnSync("/usr/bin/python3", ["-c", "import sys, json, numpy as np, nibabel as nib; print(json.dumps(np.asarray(nib.load(sys.argv[1]).dataobj, dtype=np.float64).ravel(order='F').tolist()))", path], { encoding: "utf8" });
  expect(py.status, py.stderr).toBe(0);
  return Float32Array.from(JSON.parse(py.stdout) as number[]);
}

describe("the kernel's quick float64 range (rangeF64)", () => {
  it("equals a plain loop: NaN ignored, ±Infinity kept, values in (0, FLT_MIN) flagged, any length and plane count", async () => {
    const { kernelExports, arenaStart, ensureMemory } = await import("../src/kernel/wasm.js");
    const ex = kernelExports();
    const base = arenaStart();
    ensureMemory(base + 65536);
    const specials = [NaN, Infinity, -Infinity, 1e-40, -1e-40, 5e-324, 2 ** -126, 0, -0, 1e300, -1e300, 0.5];
    let seed = 3;
    const rand = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
    for (let trial = 0; trial < 300; trial++) {
      const planes = 1 + (trial % 3), n = trial % 11, stride = n + (trial % 4);
      const mem = new Float64Array(ex.memory.buffer, base, planes * stride + 3);
      mem.fill(12345); // between the planes: never read
      let lo = Infinity, hi = -Infinity, tiny = false;
      for (let c = 0; c < planes; c++) {
        for (let i = 0; i < n; i++) {
          const x = rand() < 0.3 ? specials[Math.floor(rand() * specials.length)]! : rand() * 2 - 0.5;
          mem[c * stride + i] = x;
          if (x < lo) lo = x;
          if (x > hi) hi = x;
          if (x > 0 && x < 2 ** -126) tiny = true;
        }
      }
      const dst = base + 8 * (planes * stride + 8);
      ex.rangeF64(base, planes, n, stride * 8, dst);
      const got = new Float64Array(ex.memory.buffer, dst, 3);
      expect([got[0], got[1], got[2]], `trial ${trial}`).toEqual([lo, hi, tiny ? 1 : 0]);
    }
  });
});

/**
 * breaker3 #6: a float64 softmax times a soft brain mask (the report's example), run with
 * --allow-unnormalized, was refused with "3 of 27000 voxels with their mass below FLT_MIN",
 * although voxel (0,0,0) = [1.89e-37, 5.44e-40, 3.78e-38] has a mass of 19x FLT_MIN: what lies
 * below FLT_MIN is one class value holding 0.24% of it. The refusal stands (narrowed to float32
 * that voxel gives 0.650 bits, numpy float64 0.673), and now says what is refused: class values
 * below FLT_MIN holding more than 2^-24 of a voxel's mass. Counts, ranges and entropies: numpy.
 */
describe("a float64 softmax times a soft mask (voxels with one class value below FLT_MIN)", () => {
  it("is refused naming the class values below FLT_MIN, not the voxels' mass; renormalised in float64 it runs", () => {
    const py = spawnSync("/usr/bin/python3", ["-c", `
import sys, json, numpy as np
z, y, x = np.mgrid[0:30, 0:30, 0:30].astype(float); mask = np.exp(-((x-15)**2 + (y-15)**2 + (z-15)**2) / 8.)
rng = np.random.default_rng(7); lg = rng.normal(size=(3, 30, 30, 30)) * 3; p = np.exp(lg - lg.max(0)); p /= p.sum(0)
a = p * mask
np.save(sys.argv[1] + '/masked_f64.npy', a)
np.save(sys.argv[1] + '/masked_f32.npy', a.astype(np.float32))
np.save(sys.argv[1] + '/masked_renorm.npy', a / a.sum(0))
FLT_MIN = 2.0 ** -126
small = np.where((a > 0) & (a < FLT_MIN), a, 0).sum(0); kept = np.where(a >= FLT_MIN, a, 0).sum(0)
q = a / a.sum(0)
h = -np.where(q > 0, q * np.log2(q), 0).sum(0)
v = a[:, 0, 0, 0]
print(json.dumps({"damaged": int(((small > 0) & (small > kept * 2.0 ** -24)).sum()), "min": '%.6g' % a.min(), "max": '%.6g' % a.max(),
  "v0": v.tolist(), "share": float(v[1] / v.sum()), "h0": float(h[0, 0, 0]), "bits": h.transpose(2, 1, 0).ravel(order='F').tolist()}))
`, dir], { encoding: "utf8" });
    expect(py.status, py.stderr).toBe(0);
    const m = JSON.parse(py.stdout) as { damaged: number; min: string; max: string; v0: number[]; share: number; h0: number; bits: number[] };
    // the report's voxel: mass 19x FLT_MIN, one value below FLT_MIN at 0.24% of it
    expect(m.damaged).toBe(3);
    expect((m.v0[0]! + m.v0[1]! + m.v0[2]!) / 2 ** -126).toBeGreaterThan(19);
    expect(m.share).toBeCloseTo(0.0024, 4);
    const path = join(dir, "masked_f64.npy");
    const r = cli([path, "--allow-unnormalized", "--out", join(dir, "o_masked"), "--no-png", "--force"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([`segentropy: ${path}: ${TINY(`3 of 27000 voxels where class values below FLT_MIN hold more than that share, which would come out zero-sum or wrong (values min ${m.min}, max ${m.max}) `
      + "(the voxels are scaled differently (some hold probabilities, some values below FLT_MIN): renormalise each voxel in float64 before saving, e.g. p / p.sum(axis=0))")}`]);
    expect(r.stderr).not.toMatch(/mass below FLT_MIN/);
    // why it is refused: narrowed to float32, voxel (0,0,0) is 0.02 bits off numpy's float64 entropy
    const f32 = cli([join(dir, "masked_f32.npy"), "--allow-unnormalized", "--out", join(dir, "o_masked32"), "--no-png", "--force", "--quiet"]);
    expect(f32.code, f32.stderr).toBe(0);
    expect(m.h0 - readNiftiFloats(join(dir, "o_masked32", "entropy.nii.gz"))[0]!).toBeGreaterThan(0.02);
    // the hint's fix: renormalised in float64, the file runs and matches numpy to 1e-6 bits
    const fixed = cli([join(dir, "masked_renorm.npy"), "--out", join(dir, "o_renorm"), "--no-png", "--force", "--quiet"]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(maxDiff(readNiftiFloats(join(dir, "o_renorm", "entropy.nii.gz")), m.bits)).toBeLessThan(1e-6);
  });
});
