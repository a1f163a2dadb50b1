/**
 * streamEntropy is not re-entrant (breaker2 #4): a segentropy call from inside a `fill` or a sink
 * shared the kernel's arena (stats block, region table, slab input; memory.grow detached the views
 * being filled) and silently corrupted the outer stream. Such a call is refused with a
 * SegentropyError and the outer stream fails with it. The input is one-hot, so every entropy of a
 * correct outer map is exactly 0 (closed form: -1·log2 1 = 0), and so is its total.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { init, computeEntropySync, streamEntropy, analyze, analyzeAsync, readProbabilities, encodeNpyFloat32, SegentropyError } from "../src/index.js";
import type { ProbVolume, SlabSource } from "../src/index.js";

const C = 3;
const uniform = (n: number): ProbVolume => ({ data: new Float32Array(C * n).fill(1 / 3), dtype: "float32", shape: [C, n], strides: [n, 1], classAxis: 0, gridAxes: [1], name: "other" }) as unknown as ProbVolume;
const oneHot = (nested: () => void, voxels = 100_000): SlabSource => ({
  classes: C, voxels, interleaved: false,
  fill(dst: Float32Array, _v0: number, n: number, stride: number) {
    nested();
    for (let c = 0; c < C; c++) for (let i = 0; i < n; i++) dst[c * stride + i] = c === 0 ? 1 : 0;
  },
});

/** Runs the outer stream; returns the error it threw (or undefined) and what the sink saw. */
function outer(source: SlabSource, options: Parameters<typeof streamEntropy>[1], sink: (h: Float32Array, l?: Int32Array) => void = () => {}) {
  let nonzero = 0;
  try {
    const stats = streamEntropy(source, options, (_v0, h, l) => { for (const x of h) if (x !== 0) nonzero++; sink(h, l); });
    return { error: undefined, stats, nonzero };
  } catch (error) {
    return { error, stats: undefined, nonzero };
  }
}

function expectRefused(error: unknown, found: string) {
  expect(error).toBeInstanceOf(SegentropyError);
  const e = error as SegentropyError;
  expect(e.message.split("\n")).toHaveLength(1);
  expect(e.file).toBe("streamEntropy");
  expect(e.field).toBe("fill/sink");
  expect(e.expected).toMatch(/no segentropy call from inside fill or the sink/);
  expect(e.found).toBe(found);
}

beforeAll(async () => { await init(); });

describe("a segentropy call from inside streamEntropy's fill or sink", () => {
  it("without a nested call the one-hot stream is exactly 0 everywhere", () => {
    const r = outer(oneHot(() => {}), {});
    expect(r.error).toBeUndefined();
    expect(r.nonzero).toBe(0);
    expect(r.stats!.total).toBe(0);
  });

  it("computeEntropySync on a small volume inside fill is refused and fails the outer stream (stats used to take its total)", () => {
    const r = outer(oneHot(() => computeEntropySync(uniform(1000), {})), {});
    expectRefused(r.error, "computeEntropySync");
    expect(r.nonzero).toBe(0);
  });

  it("computeEntropySync that would grow wasm memory inside fill is refused (it used to give log2 3 everywhere)", () => {
    const r = outer(oneHot(() => computeEntropySync(uniform(4_000_000), { slabBytes: 56 * 2 ** 20 })), {});
    expectRefused(r.error, "computeEntropySync");
    expect(r.nonzero).toBe(0);
  });

  it("a sink calling computeEntropySync with other regionLabels is refused (the outer labels used to turn to the nested ones)", () => {
    const N = 100_000;
    const src: SlabSource = { classes: C, voxels: N, interleaved: false, fill(dst, _v0, n, stride) { for (let c = 0; c < C; c++) for (let i = 0; i < n; i++) dst[c * stride + i] = 0.9; } };
    const other = { ...uniform(N), data: new Float32Array(C * N).fill(0.9) } as ProbVolume;
    const seen = new Set<number>();
    const r = outer(src, { kind: "sigmoid", labels: true, regionLabels: [7, 8, 9], slabBytes: 65536 }, (_h, l) => {
      for (const x of l!) seen.add(x);
      computeEntropySync(other, { kind: "sigmoid", labels: true, regionLabels: [1, 2, 3], slabBytes: 65536 });
    });
    expectRefused(r.error, "computeEntropySync");
    // every channel > 0.5: the last region wins, 9 (the first slab was labelled before the refusal)
    expect([...seen]).toEqual([9]);
  });

  it("a nested streamEntropy and analyze are refused too; analyzeAsync awaited around a stream is not", async () => {
    const inner = oneHot(() => {}, 10);
    expectRefused(outer(oneHot(() => streamEntropy(inner, {}, () => {})), {}).error, "streamEntropy");
    // (2 classes, 2 voxels) of 0.5: 1 bit per voxel
    const input = await readProbabilities(encodeNpyFloat32(new Float32Array([0.5, 0.5, 0.5, 0.5]), [2, 2]), "half.npy");
    expectRefused(outer(oneHot(() => analyze(input)), {}).error, "computeEntropySync");
    const pending = analyzeAsync(input);
    const r = outer(oneHot(() => {}), {});
    expect(r.error).toBeUndefined();
    expect(r.stats!.total).toBe(0);
    expect(Array.from((await pending).map)).toEqual([1, 1]);
  });

  it("a fill that catches the refusal still fails the outer stream (its map is not trusted)", () => {
    let caught: unknown;
    const r = outer(oneHot(() => { try { computeEntropySync(uniform(1000), {}); } catch (e) { caught = e; } }), {});
    expect(caught).toBeInstanceOf(SegentropyError);
    expect(r.error).toBe(caught);
  });

  it("the kernel is free again after a refusal, and work deferred past the stream (await) is not refused", async () => {
    const deferred: Promise<number>[] = [];
    const r = outer(oneHot(() => { deferred.push(Promise.resolve().then(() => computeEntropySync(uniform(1000), {}).stats.total)); }), {});
    expect(r.error).toBeUndefined();
    expect(r.nonzero).toBe(0);
    expect(r.stats!.total).toBe(0);
    // uniform over 3 classes: log2 3 bits per voxel, 1000 voxels
    for (const t of await Promise.all(deferred)) expect(t).toBeCloseTo(1000 * Math.log2(3), 1);
    const after = computeEntropySync(uniform(10), {});
    for (const h of after.map) expect(h).toBeCloseTo(Math.log2(3), 6);
  });
});
