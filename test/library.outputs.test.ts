/**
 * The caller's output arrays: `out` / `labelsOut` always hold the grid-ordered result (also for
 * layouts whose memory order is not the grid order), must not overlap, and a user's slab source
 * that writes fewer values than asked never sees another volume's data.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init } from "../src/kernel/wasm.js";
import { computeEntropySync, streamEntropy } from "../src/kernel/entropy.js";
import type { ProbVolume } from "../src/layout/volume.js";
import { createNodePool } from "../src/node/pool.js";
import type { EntropyPool } from "../src/kernel/pool.js";
import { SegentropyError } from "../src/errors.js";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

let pool: EntropyPool;
const WORKER = new URL("../dist/node/pool-worker.js", import.meta.url);
beforeAll(async () => { await init(); pool = await createNodePool({ threads: 2, batchBytes: 4096, workerUrl: WORKER }); });
afterAll(() => pool?.close());

// channel-first (C, x, y, z) in C order, as MONAI-style arrays are laid out: z fastest in memory,
// while maps are F order over (x, y, z), x fastest
const C = 3, X = 5, Y = 4, Z = 3, V = X * Y * Z;
function monaiVolume(shared: boolean): ProbVolume {
  const data = new Float32Array(shared ? new SharedArrayBuffer(C * V * 4) : new ArrayBuffer(C * V * 4));
  for (let i = 0; i < data.length; i++) data[i] = ((i * 37) % 11) / 11 + 0.01;
  return { data, dtype: "float32", shape: [C, X, Y, Z], strides: [V, Y * Z, Z, 1], classAxis: 0, gridAxes: [1, 2, 3], name: "monai" };
}

/** float64 entropy (bits) and first-max label of grid voxel (i, j, k), read straight off the array. */
function reference(vol: ProbVolume): { h: Float64Array; labels: Int32Array } {
  const d = vol.data as Float32Array;
  const h = new Float64Array(V), labels = new Int32Array(V);
  for (let k = 0; k < Z; k++) for (let j = 0; j < Y; j++) for (let i = 0; i < X; i++) {
    const p = Array.from({ length: C }, (_, c) => d[c * V + i * Y * Z + j * Z + k]!);
    const s = p.reduce((a, x) => a + x, 0);
    const v = i + X * (j + Y * k);
    h[v] = -p.reduce((a, x) => a + (x > 0 ? (x / s) * Math.log2(x / s) : 0), 0);
    labels[v] = p.indexOf(Math.max(...p));
  }
  return { h, labels };
}

/** The result is (a view of) the caller's array. */
function expectSameArray(a: Float32Array | Int32Array, b: Float32Array | Int32Array): void {
  expect(a.buffer).toBe(b.buffer);
  expect([a.byteOffset, a.length]).toEqual([b.byteOffset, b.length]);
}

function expectGridResult(map: Float32Array, labels: Int32Array | undefined, vol: ProbVolume): void {
  const ref = reference(vol);
  let worst = 0;
  for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(map[v]! - ref.h[v]!));
  expect(worst).toBeLessThan(1e-6);
  if (labels) expect(Array.from(labels)).toEqual(Array.from(ref.labels));
}

describe("out and labelsOut hold the grid-ordered result", () => {
  it("single thread, a layout that needs a permutation", () => {
    const vol = monaiVolume(false);
    const out = new Float32Array(V), labelsOut = new Int32Array(V);
    const r = computeEntropySync(vol, { out, labels: true, labelsOut });
    expectSameArray(r.map, out);
    expectSameArray(r.labels!, labelsOut);
    expectGridResult(out, labelsOut, vol);
  });

  it("worker pool: shared input with shared or plain outputs, and transferred slabs", async () => {
    for (const [shared, sharedOut] of [[true, true], [true, false], [false, false], [false, true]] as const) {
      const vol = monaiVolume(shared);
      const mk = (n: number) => sharedOut ? new SharedArrayBuffer(n * 4) : new ArrayBuffer(n * 4);
      const out = new Float32Array(mk(V)), labelsOut = new Int32Array(mk(V));
      const r = await pool.computeEntropy(vol, { out, labels: true, labelsOut });
      expectSameArray(r.map, out);
      expectSameArray(r.labels!, labelsOut);
      expectGridResult(out, labelsOut, vol);
      // and the same bits as the single thread
      const sync = computeEntropySync(vol, { labels: true });
      expect(Array.from(out)).toEqual(Array.from(sync.map));
    }
  });

  it("without out, the result is the same grid-ordered map", async () => {
    const vol = monaiVolume(true);
    expectGridResult(computeEntropySync(vol).map, undefined, vol);
    expectGridResult((await pool.computeEntropy(vol)).map, undefined, vol);
  });
});

describe("out and labelsOut must not share memory", () => {
  const vol = monaiVolume(false);
  it("overlapping views of one buffer are refused, sync and pool", async () => {
    const ab = new ArrayBuffer(V * 4);
    const call = () => computeEntropySync(vol, { labels: true, out: new Float32Array(ab), labelsOut: new Int32Array(ab) });
    expect(call).toThrow(SegentropyError);
    expect(call).toThrow("options: labelsOut: expected an array that does not share memory with out, found one overlapping out");
    const sab = new SharedArrayBuffer(V * 4 + 8);
    await expect(pool.computeEntropy(vol, { labels: true, out: new Float32Array(sab, 0, V), labelsOut: new Int32Array(sab, 8, V) })).rejects.toThrow(/does not share memory with out/);
  });

  it("disjoint views of one buffer are fine", () => {
    const ab = new ArrayBuffer(2 * V * 4);
    const out = new Float32Array(ab, 0, V), labelsOut = new Int32Array(ab, V * 4, V);
    computeEntropySync(vol, { labels: true, out, labelsOut });
    expectGridResult(out, labelsOut, vol);
  });
});

describe("a user's slab source that writes fewer values than asked", () => {
  it("leaves zeros (zero-sum voxels), not the previous volume's values", () => {
    const run = (fill: (dst: Float32Array, v0: number, n: number, stride: number) => void) =>
      streamEntropy({ classes: 3, voxels: 1000, interleaved: false, fill }, {}, () => {});
    const uniform = run((dst, _v0, n, stride) => { for (let c = 0; c < 3; c++) dst.fill(1 / 3, c * stride, c * stride + n); });
    expect(Math.abs(uniform.total - 1000 * Math.log2(3))).toBeLessThan(1000 * 1e-6);
    const empty = run(() => {});
    expect(empty.total).toBe(0);
    expect(empty.nZeroSum).toBe(1000);
    // one class written only: one-hot voxels (0 bits), whatever ran before
    run((dst, _v0, n, stride) => { for (let c = 0; c < 3; c++) dst.fill(0.25, c * stride, c * stride + n); });
    const partial = run((dst, _v0, n) => { dst.fill(0.7, 0, n); });
    expect(partial.total).toBe(0);
    expect(partial.nZeroSum).toBe(0);
  });
});

describe("what a JavaScript caller can pass by mistake", () => {
  const vol = monaiVolume(false);
  const bad = (fn: () => unknown, message: RegExp) => {
    let err: unknown;
    try { fn(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(SegentropyError);
    expect((err as Error).message).toMatch(message);
  };
  it("a missing volume or options that are not an object", async () => {
    bad(() => computeEntropySync(null as unknown as ProbVolume), /^volume: volume: expected a ProbVolume object, found null/);
    await expect(pool.computeEntropy(undefined as unknown as ProbVolume)).rejects.toThrow(/^volume: volume: expected a ProbVolume object, found undefined/);
    bad(() => computeEntropySync(vol, "bits" as never), /^options: options: expected an object of EntropyOptions, found string/);
    bad(() => computeEntropySync(vol, { labels: "yes" as never }), /^options: labels: expected true or false, found string/);
  });

  it("a slab source without fill, interleaved or numeric counts", () => {
    const ok = { classes: 2, voxels: 8, interleaved: false, fill: () => {} };
    bad(() => streamEntropy({ ...ok, fill: undefined } as never, {}, () => {}), /^source: fill: expected a function/);
    bad(() => streamEntropy({ ...ok, interleaved: undefined } as never, {}, () => {}), /^source: interleaved: expected true or false, found undefined/);
    bad(() => streamEntropy({ ...ok, voxels: "10" } as never, {}, () => {}), /^source: voxels: expected a number, found string/);
    bad(() => streamEntropy(ok, {}, null as never), /^options: sink: expected a function/);
  });

  it("too many classes are refused before a view per class is made, naming the volume", () => {
    const C = 5_000_000, N = 4;
    const many: ProbVolume = { data: new Float32Array(C * N), dtype: "float32", shape: [C, 1, 1, N], strides: [N, N, N, 1], classAxis: 0, gridAxes: [3, 2, 1], name: "many" };
    bad(() => computeEntropySync(many), /^many: classes: expected few enough classes that a slab of 4 voxels fits the 64 MiB wasm memory, found 5000000 classes/);
  });

  it("pool options: a batch size that is not a positive number", async () => {
    for (const batchBytes of [0, -5, NaN]) {
      await expect(createNodePool({ threads: 1, batchBytes, workerUrl: WORKER })).rejects.toThrow(/^options: batchBytes: expected a number of bytes > 0/);
    }
  });
});

describe("an idle pool does not keep Node running", () => {
  it("a script that computes on a pool and never closes it exits by itself", () => {
    const script = `
      import { init, computeEntropySync, createNodePool } from ${JSON.stringify(new URL("../dist/node/index.js", import.meta.url).href)};
      await init();
      const pool = await createNodePool({ threads: 2 });
      const V = 1000, data = new Float32Array(new SharedArrayBuffer(2 * V * 4)).fill(0.5);
      const vol = { data, dtype: "float32", shape: [2, 1, 1, V], strides: [V, V, V, 1], classAxis: 0, gridAxes: [3, 2, 1], name: "v" };
      const r = await pool.computeEntropy(vol);
      console.log(r.map[0], computeEntropySync(vol).map[0]);`;
    const file = join(mkdtempSync(join(tmpdir(), "segentropy-pool-")), "script.mjs");
    writeFileSync(file, script);
    const r = spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 20_000 });
    rmSync(dirname(file), { recursive: true, force: true });
    expect(r.signal, "still running after 20 s").toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("1 1");
  });
});

describe("normalised maps", () => {
  it("stay within [0, 1]: a uniform voxel of 3, 5, 6, 7 classes is 1, not 1 ulp above", () => {
    for (const C of [3, 5, 6, 7, 12, 117]) {
      const N = 8;
      const data = new Float32Array(C * N).fill(1 / C);
      const vol: ProbVolume = { data, dtype: "float32", shape: [C, 1, 1, N], strides: [N, N, N, 1], classAxis: 0, gridAxes: [3, 2, 1], name: "u" };
      const r = computeEntropySync(vol, { unit: "normalized" });
      for (const h of r.map) { expect(h).toBeLessThanOrEqual(1); expect(h).toBeGreaterThan(1 - 1e-6); }
      expect(r.stats.maxEntropy).toBeLessThanOrEqual(1);
    }
  });

  it("a volume without a name is refused up front", () => {
    const vol = { ...monaiVolume(false), name: undefined } as unknown as ProbVolume;
    expect(() => computeEntropySync(vol)).toThrow(/^volume: name: expected a string naming the volume in messages, found undefined/);
  });
});

describe("a hand-built volume's scaling, and segmentation labels, through the library", () => {
  it("computeEntropySync and the pool refuse a zero or NaN slope (all-zero or all-NaN maps)", async () => {
    for (const slope of [0, NaN]) {
      const vol = { ...monaiVolume(false), dtype: "float32", scale: { slope, inter: 0 } } as ProbVolume;
      expect(() => computeEntropySync(vol)).toThrow(new RegExp(`^monai: scale: expected \\{ slope, inter \\}: a finite non-zero slope.*found slope ${slope}`));
      await expect(pool.computeEntropy(vol)).rejects.toThrow(/^monai: scale: expected/);
    }
  });
});

describe("segmentation labels through analyze", () => {
  it("labels outside the 32-bit range or infinite are refused naming the voxel; NaN is left out", async () => {
    const { analyze } = await import("../src/analyze.js");
    const { readProbabilities } = await import("../src/read/probabilities.js");
    const { encodeNpyFloat32 } = await import("../src/write/npy.js");
    const { defaultGeometry } = await import("../src/read/nifti.js");
    const data = new Float32Array(24);
    for (let v = 0; v < 8; v++) { data[v] = 0.5; data[8 + v] = 0.25; data[16 + v] = 0.25; }
    const input = await readProbabilities(encodeNpyFloat32(data, [3, 2, 2, 2]), "p.npy");
    const seg = (values: number[]) => ({
      name: "seg.nii", version: 1 as const, dims: [2, 2, 2], dtype: "float32" as const, data: Float32Array.from(values), scale: undefined,
      intentCode: 0, geometry: defaultGeometry([2, 2, 2]), littleEndian: true,
    });
    for (const bad of [3e9, 1e12, Infinity, -Infinity]) {
      expect(() => analyze(input, { seg: seg([0, 1, 2, 1, 0, bad, 1, 1]) })).toThrow(new RegExp(`^seg\\.nii: labels: expected integer labels from -2147483648 to 2147483647, found ${Math.fround(bad)} at voxel \\(1, 0, 1\\)`));
    }
    const ok = analyze(input, { seg: seg([0, 1, 2, 1, 0, NaN, 2 ** 31 - 128, -(2 ** 31)]) }); // the float32 ends of the range
    expect(ok.summary.perLabel).toBeDefined();
  });
});
