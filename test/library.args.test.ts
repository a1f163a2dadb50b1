/**
 * What JavaScript callers can get wrong, and inputs the value checks used to misread: every case
 * gives a SegentropyError naming the field (never a TypeError, never a silently converted map), and
 * non-negative unnormalised scores are renormalised when asked, not called logits.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { init, reset } from "../src/kernel/wasm.js";
import { computeEntropySync, planSlabs } from "../src/kernel/entropy.js";
import { analyze } from "../src/analyze.js";
import type { ProbInput } from "../src/read/probabilities.js";
import { readProbabilities } from "../src/read/probabilities.js";
import { encodeNpyFloat32 } from "../src/write/npy.js";
import { SegentropyError } from "../src/errors.js";
import type { ProbVolume } from "../src/layout/volume.js";
import { entropyBits, planarF32, syntheticRows } from "./helpers/synthetic.js";
import { caught } from "./helpers/errors.js";

beforeAll(async () => { await init(); });


/** A (C, N) C-order .npy of `rows` scaled by `factor`, read back as a ProbInput. */
async function npyInput(rows: Float64Array[], factor: number): Promise<ProbInput> {
  const C = rows[0]!.length, N = rows.length;
  const data = new Float32Array(C * N);
  rows.forEach((row, v) => row.forEach((x, c) => (data[c * N + v] = x * factor)));
  return readProbabilities(encodeNpyFloat32(data, [C, N]), "scores.npy");
}

describe("unnormalised non-negative scores (softmax kind)", () => {
  const rows = syntheticRows(5, 400, 11, false);

  it("are renormalised under allowUnnormalized: the map equals the float64 entropy of the renormalised rows", async () => {
    const input = await npyInput(rows, 3);   // a sum of three softmaxes: values up to 3
    const a = analyze(input, {}, { allowUnnormalized: true });
    const data = input.volume.data as Float32Array;
    let worst = 0;
    for (let v = 0; v < rows.length; v++) {
      const stored = Array.from({ length: 5 }, (_, c) => data[c * rows.length + v]!);
      worst = Math.max(worst, Math.abs(a.map[v]! - entropyBits(stored)));
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it("uniform scores of 3 give log2 C exactly as uniform probabilities do", async () => {
    const uniform = Array.from({ length: 8 }, () => new Float64Array(4).fill(0.25));
    const a = analyze(await npyInput(uniform, 12), {}, { allowUnnormalized: true });   // every value 3
    for (const h of a.map) expect(h).toBeCloseTo(2, 6);
  });

  it("without allowUnnormalized: refused with a hint at --allow-unnormalized, not at logits", async () => {
    const input = await npyInput(rows, 3);
    const err = caught(() => analyze(input));
    expect(err.field).toBe("values");
    expect(err.message).toMatch(/expected probabilities in \[0, 1\] for --kind softmax, found min [0-9.e-]+, max 3\b/);
    expect(err.hint).toMatch(/unnormalised scores.*--allow-unnormalized/);
    expect(err.message).not.toMatch(/logits/);
  });

  it("negative values are still called logits; infinite values are refused as such", async () => {
    const neg = await npyInput(rows, -1);
    expect(caught(() => analyze(neg, {}, { allowUnnormalized: true })).hint).toMatch(/look like logits: pass --kind logits/);
    const inf = await npyInput(rows, Infinity);
    const err = caught(() => analyze(inf, {}, { allowUnnormalized: true }));
    expect(err.message).toMatch(/values: expected finite probabilities for --kind softmax, found .*max Infinity/);
  });

  it("sigmoid values above 1 point at --scale, not at logits", async () => {
    const input = await npyInput(rows, 3);
    const err = caught(() => analyze(input, {}, { kind: "sigmoid" }));
    expect(err.hint).toMatch(/--scale/);
    expect(err.hint).not.toMatch(/logits/);
  });
});

describe("wrong arguments from JavaScript", () => {
  const vol = planarF32(syntheticRows(3, 64, 2));

  it("an `out` of another type than Float32Array, or `labelsOut` other than Int32Array", () => {
    expect(caught(() => computeEntropySync(vol, { out: new Uint8Array(64 * 4) as unknown as Float32Array })).message)
      .toMatch(/options: out: expected a Float32Array, found a Uint8Array/);
    expect(caught(() => computeEntropySync(vol, { out: new Float64Array(64) as unknown as Float32Array })).field).toBe("out");
    expect(caught(() => computeEntropySync(vol, { labels: true, labelsOut: new Float32Array(64) as unknown as Int32Array })).message)
      .toMatch(/labelsOut: expected a Int32Array, found a Float32Array/);
    // the right types still work, into the given arrays
    const out = new Float32Array(64);
    expect(computeEntropySync(vol, { out }).map.buffer).toBe(out.buffer);
  });

  it("a dtype name that does not exist, or data of another array type than the dtype", () => {
    const badName = { ...vol, dtype: "complex64" } as unknown as ProbVolume;
    expect(caught(() => computeEntropySync(badName)).message).toMatch(/synthetic: dtype: expected one of uint8, .*float64, found "complex64"/);
    const bytes = { ...vol, data: new Uint8Array((vol.data as Float32Array).buffer) } as ProbVolume;
    expect(caught(() => computeEntropySync(bytes)).message).toMatch(/synthetic: data: expected a Float32Array for dtype float32, found a Uint8Array/);
    // float16 is stored as raw Uint16 bits; a Buffer is a Uint8Array
    const half = { ...vol, dtype: "float16", data: new Float32Array(3 * 64) } as ProbVolume;
    expect(caught(() => computeEntropySync(half)).message).toMatch(/expected a Uint16Array for dtype float16, found a Float32Array/);
  });

  it("hand-built descriptions that would read other voxels' values: shapes, strides and axes", () => {
    // a valid (3, 2, 3, 4) nnU-Net-style volume (C, z, y, x) in C order
    const data = new Float32Array(72).fill(1 / 3);
    const good: ProbVolume = { data, dtype: "float32", shape: [3, 2, 3, 4], strides: [24, 12, 4, 1], classAxis: 0, gridAxes: [3, 2, 1], name: "hand" };
    expect(computeEntropySync(good).map.every((h) => Math.abs(h - Math.log2(3)) < 1e-6)).toBe(true);
    const bad = (patch: Partial<ProbVolume>): SegentropyError => caught(() => computeEntropySync({ ...good, ...patch }));
    expect(bad({ strides: [24, 12, 4, -1] }).message).toMatch(/hand: strides: expected 4 integers >= 0 .*found \[24, 12, 4, -1\]/);
    expect(bad({ strides: [-24, 12, 4, 1] }).field).toBe("strides");
    expect(bad({ strides: [24, 12, 4] }).field).toBe("strides");
    expect(bad({ strides: [24, 12, 4, 1.5] }).field).toBe("strides");
    expect(bad({ shape: [3, 0.5, 3, 16] }).message).toMatch(/hand: shape: expected a list of integers >= 0, found \[3, 0\.5, 3, 16\]/);
    expect(bad({ shape: [3, -2, -3, 4] }).field).toBe("shape");
    expect(bad({ shape: ["3", 2, 3, 4] as unknown as number[] }).message).toMatch(/shape: .*found \["3", 2, 3, 4\]/);
    expect(bad({ classAxis: 7 }).message).toMatch(/hand: classAxis: expected an axis from 0 to 3, found 7/);
    expect(bad({ classAxis: 1.5 }).field).toBe("classAxis");
    expect(bad({ gridAxes: [3, 2, 9] }).message).toMatch(/hand: gridAxes: expected 1 to 3 distinct axes from 0 to 3, other than the class axis 0, found \[3, 2, 9\]/);
    expect(bad({ gridAxes: [3, 2, 0] }).field).toBe("gridAxes");
    expect(bad({ gridAxes: [3, 3, 1] }).field).toBe("gridAxes");
  });

  it("options: slabBytes, sigmoid regionLabels, and more classes than the wasm memory holds", () => {
    expect(caught(() => computeEntropySync(vol, { slabBytes: Number.NaN })).message).toMatch(/options: slabBytes: expected a number of bytes > 0.*found NaN/);
    expect(caught(() => computeEntropySync(vol, { slabBytes: -5 })).field).toBe("slabBytes");
    expect(caught(() => computeEntropySync(vol, { slabBytes: "abc" as unknown as number })).message).toMatch(/slabBytes: .*found string/);
    expect(caught(() => computeEntropySync(vol, { kind: "sigmoid", regionLabels: [5] })).message).toMatch(/options: regionLabels: expected 3 labels, one per channel, found 1/);
    expect(caught(() => computeEntropySync(vol, { kind: "sigmoid", regionLabels: [] })).field).toBe("regionLabels");
    expect(caught(() => computeEntropySync(vol, { kind: "sigmoid", regionLabels: [1, 1.5, 2] })).message).toMatch(/regionLabels\[1\]: expected an integer label \(32-bit\), found 1\.5/);
    expect(caught(() => computeEntropySync(vol, { kind: "sigmoid", regionLabels: ["a", "b", "c"] as unknown as number[] })).field).toBe("regionLabels[0]");
    // labels of a call with fewer labels used to keep the previous call's
    const lab = computeEntropySync(vol, { kind: "sigmoid", labels: true, regionLabels: [7, 8, 9] }).labels!;
    expect(lab.every((l) => l === 0 || l === 7 || l === 8 || l === 9)).toBe(true);
    expect(caught(() => planSlabs({ classes: 2 ** 22, voxels: 1, interleaved: false }, {})).message).toMatch(/source: classes: expected few enough classes .*found 4194304 classes/);
  });

  it("slabs of a streamed volume past 2^31 voxels keep their size (no 32-bit wrap)", () => {
    const small = planSlabs({ classes: 8, voxels: 2 ** 31 - 4, interleaved: false }, {});
    for (const voxels of [2 ** 31 + 4, 3e9, 2 ** 32 + 8]) {
      const p = planSlabs({ classes: 8, voxels, interleaved: false }, {});
      expect(p.slab).toBe(small.slab);
      expect(p.slab).toBeGreaterThan(10_000);
    }
    // and a small volume still gets a slab of its own size rounded up to 4
    expect(planSlabs({ classes: 8, voxels: 10, interleaved: false }, {}).slab).toBe(12);
  });

  it("analyze given a bare volume, or nothing", () => {
    expect(caught(() => analyze({ volume: vol } as unknown as ProbInput)).message)
      .toMatch(/arguments: input: expected a ProbInput \{ volume, info \}.*found an object with keys volume/);
    expect(caught(() => analyze(undefined as unknown as ProbInput)).field).toBe("input");
  });

  it("the synchronous API before init()", async () => {
    reset();
    try {
      expect(caught(() => computeEntropySync(vol)).message).toMatch(/segentropy: wasm kernel: expected `await init\(\)` before the first computation/);
    } finally {
      await init();
    }
  });
});
