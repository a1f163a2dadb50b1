/**
 * The worker pool (Node worker_threads) gives bit-identical maps, labels and statistics to the
 * single-thread kernel, in shared-memory and transferred-slab modes, for every kind and layout.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init, computeEntropySync } from "../src/index.js";
import type { EntropyOptions, EntropyResult, ProbVolume } from "../src/index.js";
import { createNodePool } from "../src/node/pool.js";
import type { EntropyPool } from "../src/kernel/pool.js";
import { EntropyPool as PoolClass } from "../src/kernel/pool.js";
import { interleavedF32, planarF32, syntheticRows } from "./helpers/synthetic.js";
import { stridesFor } from "../src/layout/strides.js";
import { Worker } from "node:worker_threads";
import { SegentropyError } from "../src/errors.js";

let pool: EntropyPool;
const WORKER = new URL("../dist/node/pool-worker.js", import.meta.url);
// the worker script is the built one (dist/): vitest runs the sources, workers need plain JS
beforeAll(async () => { await init(); pool = await createNodePool({ threads: 2, batchBytes: 256 * 1024, workerUrl: WORKER }); });
afterAll(() => pool?.close());

function expectIdentical(a: EntropyResult, b: EntropyResult): void {
  expect(b.dims).toEqual(a.dims);
  expect(b.map.length).toBe(a.map.length);
  let diff = -1;
  for (let v = 0; v < a.map.length; v++) if (!Object.is(a.map[v], b.map[v])) { diff = v; break; }
  expect(diff, `first differing voxel ${diff}`).toBe(-1);
  if (a.labels) expect(Array.from(b.labels!)).toEqual(Array.from(a.labels));
  expect(b.stats).toEqual(a.stats);
}

const N = 70_003; // not a multiple of 4 or of the slab size
const rows8 = syntheticRows(8, N, 3);

describe("worker pool is bit-identical to one thread", () => {
  const cases: [string, (shared: boolean) => ProbVolume, EntropyOptions][] = [
    ["f32 planar softmax + labels", (s) => planarF32(rows8, s), { labels: true }],
    ["f32 interleaved softmax", (s) => interleavedF32(rows8, s), {}],
    ["f32 interleaved softmax + labels", (s) => interleavedF32(rows8, s), { labels: true }],
    ["f32 planar, nats", (s) => planarF32(rows8, s), { unit: "nats" }],
    ["logits", (s) => logitsVolume(s), { kind: "logits", labels: true }],
    ["sigmoid + region labels", (s) => planarF32(syntheticRows(3, N, 5, false), s), { kind: "sigmoid", labels: true, regionLabels: [1, 2, 3] }],
    ["tissue", (s) => planarF32(syntheticRows(3, N, 6, false), s), { kind: "tissue", labels: true }],
    ["f16 planar (native decode)", (s) => f16Volume(s), { labels: true }],
    ["u8 scaled planar (native decode)", (s) => u8Volume(s), {}],
    ["C=117 planar (blocked path)", (s) => planarF32(syntheticRows(117, 9_001, 9), s), { labels: true }],
  ];
  for (const [name, make, options] of cases) {
    it(`${name}: shared memory`, async () => {
      const vol = make(true);
      expectIdentical(computeEntropySync(vol, options), await pool.computeEntropy(vol, options));
    });
    it(`${name}: transferred slabs`, async () => {
      const vol = make(false);
      expectIdentical(computeEntropySync(vol, options), await pool.computeEntropy(vol, options));
    });
  }

  it("a transposed layout (memory order differs from the grid) is permuted like the single-thread map", async () => {
    const C = 4, nx = 13, ny = 7, nz = 5;
    const rows = syntheticRows(C, nx * ny * nz, 11);
    const data = new Float32Array(new SharedArrayBuffer(C * nx * ny * nz * 4));
    rows.forEach((row, v) => row.forEach((x, c) => (data[c * rows.length + v] = x)));
    // (C, x, y, z) in C order: memory order has z fastest, grid axes i=x, j=y, k=z
    const shape = [C, nx, ny, nz];
    const vol: ProbVolume = { data, dtype: "float32", shape, strides: stridesFor(shape, "C"), classAxis: 0, gridAxes: [1, 2, 3], name: "t" };
    expectIdentical(computeEntropySync(vol, { labels: true }), await pool.computeEntropy(vol, { labels: true }));
  });

  it("start-up is paid once: many volumes through one pool start no new workers", async () => {
    let started = 0;
    const url = WORKER;
    const p = await PoolClass.start(() => {
      started++;
      const w = new Worker(url);
      return {
        post: (m, t) => w.postMessage(m, t as never),
        listen: (onMessage, onError) => { w.on("message", onMessage); w.on("error", onError); },
        terminate: () => { void w.terminate(); },
      };
    }, { threads: 2 });
    try {
      const vol = planarF32(syntheticRows(4, 5_000, 2), true);
      const want = computeEntropySync(vol);
      for (let i = 0; i < 5; i++) expectIdentical(want, await p.computeEntropy(vol));
      expect(started).toBe(2);
      expect(p.size).toBe(2);
    } finally {
      p.close();
    }
  });

  it("caller-given output arrays are written in place (one thread, shared pool) and give the same result", async () => {
    const vol = planarF32(rows8, true);
    const want = computeEntropySync(vol, { labels: true });
    const out = new Float32Array(new SharedArrayBuffer((N + 5) * 4)).fill(-1);
    const labelsOut = new Int32Array(new SharedArrayBuffer((N + 5) * 4)).fill(-7);
    const one = computeEntropySync(vol, { labels: true, out, labelsOut });
    expect(one.map.buffer).toBe(out.buffer);
    expectIdentical(want, one);
    out.fill(-1);
    const pooled = await pool.computeEntropy(vol, { labels: true, out, labelsOut });
    expect(pooled.map.buffer).toBe(out.buffer);
    expect(pooled.labels!.buffer).toBe(labelsOut.buffer);
    expectIdentical(want, pooled);
    expect(out[N]).toBe(-1); // nothing written past the volume
    expect(() => computeEntropySync(vol, { out: new Float32Array(10) })).toThrow(/out: expected at least 70003 elements/);
  });

  it("a closed pool refuses work with a clear error", async () => {
    const p = await createNodePool({ threads: 1, workerUrl: WORKER });
    p.close();
    await expect(p.computeEntropy(planarF32(syntheticRows(2, 10, 1)))).rejects.toThrow(/closed/);
  });
});

function logitsVolume(shared: boolean): ProbVolume {
  const rows = syntheticRows(5, N, 7, false).map((r) => r.map((p) => Math.log(p + 1e-9) * 3));
  return planarF32(rows, shared);
}

function f16Volume(shared: boolean): ProbVolume {
  const C = 4;
  const rows = syntheticRows(C, N, 8);
  const data = shared ? new Uint16Array(new SharedArrayBuffer(C * N * 2)) : new Uint16Array(C * N);
  const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
  rows.forEach((row, v) => row.forEach((x, c) => {
    // round to half through float32 bits (truncating the mantissa is enough for a test volume)
    f32[0] = x; const b = u32[0]!;
    const e = ((b >>> 23) & 0xff) - 127 + 15;
    data[c * N + v] = e <= 0 ? 0 : e >= 31 ? 0x7c00 : (e << 10) | ((b >>> 13) & 0x3ff);
  }));
  const shape = [C, N];
  return { data, dtype: "float16", shape, strides: stridesFor(shape, "C"), classAxis: 0, gridAxes: [1], name: "f16" };
}

function u8Volume(shared: boolean): ProbVolume {
  const C = 3;
  const rows = syntheticRows(C, N, 12, false);
  const data = shared ? new Uint8Array(new SharedArrayBuffer(C * N)) : new Uint8Array(C * N);
  rows.forEach((row, v) => row.forEach((x, c) => (data[c * N + v] = Math.round(x * 255))));
  const shape = [C, N];
  return { data, dtype: "uint8", shape, strides: stridesFor(shape, "C"), classAxis: 0, gridAxes: [1], name: "u8", scale: { slope: 1 / 255, inter: 0 } };
}

/**
 * A pool on in-process fake workers: the test sees every request and delivers replies itself, and
 * terminate() fires nothing (as Worker.terminate() in browsers), so the pool cannot rely on exit
 * events to settle what is open when it is closed.
 */
async function fakePool(threads: number, batchBytes = 16 * 1024) {
  const posted: import("../src/kernel/pool.js").PoolRequest[][] = [];
  const deliver: ((reply: import("../src/kernel/pool.js").PoolReply) => void)[] = [];
  const fault: ((err: unknown) => void)[] = [];
  const p = await PoolClass.start((i) => {
    posted[i] = [];
    return {
      post: (m) => {
        posted[i]!.push(m);
        if (m.type === "init") queueMicrotask(() => deliver[i]!({ type: "ready" }));
      },
      listen: (onMessage, onError) => { deliver[i] = onMessage; fault[i] = onError; },
      terminate: () => undefined,
    };
  }, { threads, batchBytes });
  return { pool: p, posted, deliver, fault };
}

/** Resolves to the settled state of `p`, or "pending" when it has not settled within `ms`. */
async function settledWithin<T>(p: Promise<T>, ms: number): Promise<{ state: "fulfilled"; value: T } | { state: "rejected"; reason: unknown } | { state: "pending" }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = new Promise<{ state: "pending" }>((r) => { timer = setTimeout(() => r({ state: "pending" }), ms); });
  try {
    return await Promise.race([p.then((value) => ({ state: "fulfilled" as const, value }), (reason: unknown) => ({ state: "rejected" as const, reason })), pending]);
  } finally {
    clearTimeout(timer);
  }
}

function expectClosedDuring(settled: Awaited<ReturnType<typeof settledWithin>>): void {
  expect(settled.state).toBe("rejected");
  const err = (settled as { reason: unknown }).reason;
  expect(err).toBeInstanceOf(SegentropyError);
  expect(err).toMatchObject({ field: "pool", expected: "an open pool", found: "closed during the computation" });
}

describe("close() during a computation", () => {
  it("rejects a transferred computation at once, and a batch reply arriving after close() is ignored", async () => {
    const { pool: p, posted, deliver } = await fakePool(2);
    const vol = planarF32(syntheticRows(8, 20_000, 4), false);
    const run = p.computeEntropy(vol);
    const batch = posted[0]!.find((m) => m.type === "batch");
    expect(batch).toBeDefined();
    p.close();
    expectClosedDuring(await settledWithin(run, 500));
    // the reply of the batch that was computing when the pool closed (a queued message event)
    if (batch?.type !== "batch") throw new Error("no batch");
    const n = (batch.last - batch.first) * 64;
    expect(() => deliver[0]!({ type: "batch", id: batch.id, first: batch.first, last: batch.last, entropy: new ArrayBuffer(n * 4), labels: null, stats: new Float64Array((batch.last - batch.first) * 8) })).not.toThrow();
    expect(() => deliver[1]!({ type: "done", id: batch.id })).not.toThrow();
  });

  it("rejects a shared-memory computation at once", async () => {
    const { pool: p, posted } = await fakePool(2);
    const run = p.computeEntropy(planarF32(syntheticRows(4, 5_000, 4), true));
    expect(posted[1]!.some((m) => m.type === "shared")).toBe(true);
    p.close();
    expectClosedDuring(await settledWithin(run, 500));
  });

  it("after close(), a worker's exit is not reported as a second error, and new work is refused", async () => {
    const { pool: p, fault } = await fakePool(1);
    const run = p.computeEntropy(planarF32(syntheticRows(4, 5_000, 4), false));
    p.close();
    fault[0]!(new Error("exited with code 1")); // what terminate() does to a Node worker
    expectClosedDuring(await settledWithin(run, 500));
    await expect(p.computeEntropy(planarF32(syntheticRows(2, 10, 1)))).rejects.toMatchObject({ name: "SegentropyError", field: "pool", found: "a closed pool" });
  });

  it("a worker that dies rejects the open computation with one SegentropyError (no doubled prefix)", async () => {
    const { pool: p, fault } = await fakePool(2);
    try {
      const run = p.computeEntropy(planarF32(syntheticRows(4, 5_000, 4), false));
      fault[1]!(new Error("exited with code 1"));
      const settled = await settledWithin(run, 500);
      expect(settled.state).toBe("rejected");
      const err = (settled as { reason: Error }).reason;
      expect(err).toBeInstanceOf(SegentropyError);
      expect(err.message).toBe("segentropy: pool worker: expected a running worker, found exited with code 1");
    } finally {
      p.close();
    }
  });

  it("real worker threads: close() right after a large transferred computation starts rejects it, and the process survives late replies", async () => {
    for (let round = 0; round < 4; round++) {
      const p = await createNodePool({ threads: 2, workerUrl: WORKER });
      const n = 96 * 96 * 96, C = 8;
      const data = new Float32Array(n * C).fill(0.125);
      const vol: ProbVolume = { data, dtype: "float32", shape: [C, 96, 96, 96], strides: [n, 9216, 96, 1], classAxis: 0, gridAxes: [3, 2, 1], name: "v" };
      const run = p.computeEntropy(vol);
      p.close();
      expectClosedDuring(await settledWithin(run, 2000));
    }
    // replies queued before the workers stopped arrive after close(): give them time to be (ignored)
    await new Promise((r) => setTimeout(r, 300));
  });
});

describe("caller-given outputs on the shared-memory path", () => {
  const vol = planarF32(rows8, true);
  const sab = (n: number) => new SharedArrayBuffer(n);
  /** The message computeEntropySync throws for these options (the pool must say the same). */
  function syncMessage(options: EntropyOptions): string {
    try { computeEntropySync(vol, options); } catch (err) { expect(err).toBeInstanceOf(SegentropyError); return (err as Error).message; }
    throw new Error("computeEntropySync accepted the options");
  }
  const wrong: [string, EntropyOptions][] = [
    ["a shared Int32Array out", { out: new Int32Array(sab(N * 4)) as unknown as Float32Array }],
    ["a shared Float64Array out", { out: new Float64Array(sab(N * 8)) as unknown as Float32Array }],
    ["a shared Float32Array labelsOut", { labels: true, labelsOut: new Float32Array(sab(N * 4)) as unknown as Int32Array }],
    ["a shared out that is too short", { out: new Float32Array(sab(96)) }],
    ["a shared labelsOut that is too short", { labels: true, labelsOut: new Int32Array(sab(96)) }],
  ];
  for (const [name, options] of wrong) {
    it(`${name} is refused with the single-thread error`, async () => {
      const want = syncMessage(options);
      expect(want).toMatch(/^options: (out|labelsOut): expected /);
      await expect(pool.computeEntropy(vol, options)).rejects.toThrow(want);
      await expect(pool.computeEntropy(vol, options)).rejects.toBeInstanceOf(SegentropyError);
    });
  }

  it("plain (non-shared) out and labelsOut are filled too, as on the transferred path", async () => {
    const want = computeEntropySync(vol, { labels: true });
    for (const input of [vol, planarF32(rows8, false)]) {
      const out = new Float32Array(N + 5).fill(-1);
      const labelsOut = new Int32Array(N + 5).fill(-7);
      const got = await pool.computeEntropy(input, { labels: true, out, labelsOut });
      expect(got.map.buffer).toBe(out.buffer);
      expect(got.labels!.buffer).toBe(labelsOut.buffer);
      expectIdentical(want, got);
      expectIdentical(want, { ...got, map: out.subarray(0, N), labels: labelsOut.subarray(0, N) });
      expect(out[N]).toBe(-1); // nothing written past the volume
      expect(labelsOut[N]).toBe(-7);
    }
  });
});
