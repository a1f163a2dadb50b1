/**
 * What JavaScript callers of the exported functions can get wrong (found by fresh-user passes):
 * every case gives one SegentropyError naming the argument, never a TypeError, a plain Error, a
 * silently wrong file or map, or a message about a file called "undefined".
 */
import { beforeAll, describe, expect, it } from "vitest";
import { init, reset, isInitialized } from "../src/kernel/wasm.js";
import { analyze, analyzeAsync } from "../src/analyze.js";
import type { ProbInput } from "../src/read/probabilities.js";
import { readProbabilities } from "../src/read/probabilities.js";
import { defaultGeometry } from "../src/read/nifti.js";
import type { NiftiImage } from "../src/read/nifti.js";
import { encodeNpyFloat32 } from "../src/write/npy.js";
import { encodeNifti1Float32, encodeNifti1Header } from "../src/write/nifti.js";
import { summarize } from "../src/measures/summary.js";
import { checkSemantics } from "../src/measures/semantics.js";
import { parseCropBox } from "../src/layout/crop.js";
import { SegentropyError } from "../src/errors.js";
import { caught } from "./helpers/errors.js";

beforeAll(async () => { await init(); });

async function caughtAsync(fn: () => unknown): Promise<SegentropyError> {
  try { await fn(); } catch (err) {
    expect(err, String(err)).toBeInstanceOf(SegentropyError);
    expect((err as Error).message).not.toMatch(/^undefined:/);
    return err as SegentropyError;
  }
  throw new Error("expected a SegentropyError, nothing was thrown");
}


/** A (3, 2, 2, 2) softmax .npy: 8 voxels on a (2, 2, 2) grid. */
async function softmaxInput(): Promise<ProbInput> {
  const data = new Float32Array(24);
  for (let v = 0; v < 8; v++) { data[v] = 0.5; data[8 + v] = 0.25; data[16 + v] = 0.25; }
  return readProbabilities(encodeNpyFloat32(data, [3, 2, 2, 2]), "p.npy");
}

describe("analyze / analyzeAsync: scale", () => {
  it("a zero or non-finite options.scale is refused (it gave an all-zero or all-NaN map)", async () => {
    const input = await softmaxInput();
    for (const scale of [0, NaN, -0, "2" as unknown as number]) {
      const e = caught(() => analyze(input, {}, { scale }));
      expect(e.file).toBe("options");
      expect(e.field).toBe("scale");
    }
    expect((await caughtAsync(() => analyzeAsync(input, {}, { scale: NaN }))).field).toBe("scale");
  });

  it("a hand-built volume.scale with a zero or NaN slope is refused", async () => {
    const input = await softmaxInput();
    for (const slope of [0, NaN]) {
      const bad: ProbInput = { ...input, volume: { ...input.volume, dtype: "float32", scale: { slope, inter: 0 } } };
      const e = caught(() => analyze(bad));
      expect(e.field).toBe("volume.scale");
      expect(e.found).toContain(`slope ${slope}`);
    }
  });
});

describe("analyze / analyzeAsync: argument types", () => {
  it("null refs or options, a typed array or {} as a reference, a crop box of wrong types, a pool without computeEntropy", async () => {
    const input = await softmaxInput();
    expect(caught(() => analyze(input, null as never)).field).toBe("refs");
    expect(caught(() => analyze(input, {}, null as never)).field).toBe("options");
    const image = caught(() => analyze(input, { image: new Uint8Array(10) as never }));
    expect(image.field).toBe("refs.image");
    expect(image.found).toBe("a Uint8Array");
    expect(caught(() => analyze(input, { seg: {} as never })).field).toBe("refs.seg.dims");
    const crop = caught(() => analyze(input, {}, { crop: { start: "a", end: null } as never }));
    expect(crop.field).toBe("crop");
    expect(crop.found).toBe('start "a", end null');
    const pool = await caughtAsync(() => analyzeAsync(input, {}, {}, {} as never));
    expect(pool.field).toBe("pool");
  });

  it("encodeNifti1Float32 / encodeNifti1Header: a map and geometry of different sizes, or a geometry without dims", () => {
    const e = caught(() => encodeNifti1Float32(new Float32Array(10), defaultGeometry([2, 2, 2])));
    expect(e.field).toBe("geometry.dims");
    expect(e.found).toBe("[2, 2, 2] (8 voxels)");
    expect(caught(() => encodeNifti1Header(8, {} as never)).field).toBe("geometry.dims");
    expect(caught(() => encodeNifti1Float32([0, 1] as never, defaultGeometry([2, 1, 1]))).field).toBe("map");
    expect(caught(() => encodeNifti1Float32(new Float32Array(40000), defaultGeometry([40000, 1, 1]))).found).toBe("[40000, 1, 1]");  // int16 dims
  });
});

describe("init({ module })", () => {
  it("a module that is not the kernel, bytes that do not compile and a string are refused (field module); init still works afterwards", async () => {
    reset();
    try {
      const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);   // the smallest valid module
      const e = await caughtAsync(() => init({ module: empty }));
      expect(e.field).toBe("module");
      expect(e.found).toMatch(/without the exports heapBase, .*memory/);
      expect(isInitialized()).toBe(false);
      expect((await caughtAsync(() => init({ module: new WebAssembly.Module(empty) }))).field).toBe("module");
      const corrupt = await caughtAsync(() => init({ module: new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0xff]) }));
      expect(corrupt.field).toBe("module");
      expect(corrupt.found).toMatch(/cannot compile/);
      const text = await caughtAsync(() => init({ module: "build/entropy.wasm" as never }));
      expect(text.found).toBe("string");
    } finally {
      reset();
      await init();
    }
    expect(isInitialized()).toBe(true);
  });
});

describe("summarize and encodeNpyFloat32", () => {
  const map = new Float32Array([0, 1, NaN, 0.5, 0.25, 0, 1, 2]);   // 8 voxels, one NaN

  it("summarize refuses dims that do not describe the map, and labels of another length", () => {
    expect(caught(() => summarize(map, [2, 2, 1, 2], 2)).field).toBe("dims");   // 4 entries
    expect(caught(() => summarize(map, [4, 4, 4], 2)).found).toBe("[4, 4, 4] (64 voxels)");
    expect(caught(() => summarize(map, [2, 0, 4], 2)).field).toBe("dims");
    expect(caught(() => summarize(map, [2, 2, 2], 2, new Int32Array(4))).field).toBe("labels");
    // the right call still gives the one NaN voxel
    expect(summarize(map, [2, 2, 2], 2).nanVoxels).toBe(1);
  });

  it("encodeNpyFloat32 refuses a shape whose product is not the data length, negative sizes and non-numbers", () => {
    expect(caught(() => encodeNpyFloat32(new Float32Array(10), [3, 3])).found).toBe("(3, 3) (9 elements)");
    expect(caught(() => encodeNpyFloat32(new Float32Array(4), [2, -2])).field).toBe("shape");
    expect(caught(() => encodeNpyFloat32(new Float32Array(1), ["a"] as never)).field).toBe("shape");
  });
});

describe("messages never name a file 'undefined'", () => {
  it("parseCropBox without a source, checkSemantics without a name, a volume and a reference image without names", async () => {
    expect(caught(() => parseCropBox("1:2")).file).toBe("options");
    const stats = { total: 0, nZeroSum: 0, nNaN: 0, minValue: -3, maxValue: 1, minSum: 1, maxSum: 1, maxEntropy: 0 };
    expect(caught(() => checkSemantics("softmax", stats, "float32", undefined as never)).file).toBe("volume");

    const input = await softmaxInput();
    const { name: _n, ...nameless } = input.volume;
    const neg: ProbInput = { ...input, volume: { ...nameless, data: new Float32Array(24).fill(-1) } as never };
    expect(caught(() => analyze(neg)).file).toBe("volume");
    const img: NiftiImage = { version: 1, dims: [3, 2, 2], dtype: "float32", data: new Float32Array(12), scale: undefined, intentCode: 0, geometry: defaultGeometry([3, 2, 2]), littleEndian: true } as never;
    const grid = caught(() => analyze(input, { image: img }));
    expect(grid.file).toBe("image");
    expect(grid.field).toBe("image grid");
  });
});
