/**
 * The browser entry's functions check their arguments (breaker2 #6), in Node and in Chromium:
 * runPipeline ignored misspelt keys of its inputs ({ units: "nats" } ran in bits, { kinds } ran
 * softmax), threw bare TypeErrors for null inputs and for a Response whose body was already read;
 * probabilitiesFor("sofmax"), classValuesAt(vol, [1.5, 0, 0] | "abc" | [0, 0]),
 * niivueOverlay(a, { opacity: NaN | 7, calMin: 5, calMax: 1 }) and entropyDisplayRange(map, NaN)
 * gave NaN or wrong values. The input is built here: 2 classes over a 2 x 2 x 1 grid of
 * (0.5, 0.5) voxels, whose entropy is 1 bit = ln 2 nats each (closed form).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { init, runPipeline, analyze, readProbabilitiesFrom, probabilitiesFor, classValuesAt, niivueOverlay, entropyDisplayRange, encodeNpyFloat32, isSegentropyError } from "../../src/index.js";
import type { Analysis, ProbInput, SegentropyError } from "../../src/index.js";

const npy = (): ArrayBuffer => {
  const b = encodeNpyFloat32(new Float32Array(8).fill(0.5), [2, 1, 2, 2]);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

async function caught(f: () => unknown): Promise<SegentropyError> {
  let err: unknown;
  try { await f(); } catch (e) { err = e; }
  if (isSegentropyError(err)) return err;
  throw new Error(`expected a SegentropyError, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
}

let input: ProbInput;
let analysis: Analysis;

beforeAll(async () => {
  await init();
  input = await readProbabilitiesFrom(npy(), { name: "p.npy" });
  analysis = analyze(input, {}, {});
});

describe("runPipeline checks its inputs", () => {
  it("valid keys run: unit nats gives ln 2 per voxel", async () => {
    const r = await runPipeline({ probabilities: npy(), probabilitiesName: "p.npy", unit: "nats" });
    expect(r.analysis.unit).toBe("nats");
    expect(Array.from(r.analysis.map)).toEqual([0, 1, 2, 3].map(() => Math.fround(Math.LN2)));
  });

  it("refuses misspelt keys with the close match", async () => {
    const u = await caught(() => runPipeline({ probabilities: npy(), probabilitiesName: "p.npy", units: "nats" } as never));
    expect([u.field, u.hint]).toEqual(["inputs.units", "did you mean unit?"]);
    expect((await caught(() => runPipeline({ probabilities: npy(), kinds: "logits" } as never))).hint).toBe("did you mean kind?");
  });

  it("refuses null, no probabilities and a wrong onProgress with a SegentropyError", async () => {
    const n = await caught(() => runPipeline(null as never));
    expect([n.field, n.found]).toEqual(["inputs", "null"]);
    expect((await caught(() => runPipeline({} as never))).field).toBe("inputs.probabilities");
    expect((await caught(() => runPipeline({ probabilities: npy() }, 5 as never))).field).toBe("onProgress");
  });

  it("refuses a Response whose body was already read", async () => {
    const used = new Response(npy());
    await used.arrayBuffer();
    const e = await caught(() => runPipeline({ probabilities: used, probabilitiesName: "p.npy" }));
    expect([e.file, e.field, e.expected]).toEqual(["p.npy", "Response body", "an unread fetch Response"]);
    expect((await caught(() => readProbabilitiesFrom(used, { name: "p.npy" }))).field).toBe("Response body");
  });
});

describe("probe and NiiVue helpers check their arguments", () => {
  it("probabilitiesFor: kind and values", async () => {
    expect(probabilitiesFor("softmax", [1, 3])).toEqual([0.25, 0.75]);
    const k = await caught(() => probabilitiesFor("sofmax" as never, [0.2, 0.8]));
    expect([k.field, k.found]).toEqual(["kind", "'sofmax'"]);
    expect((await caught(() => probabilitiesFor("softmax", ["a", 1] as never))).field).toBe("values");
    expect((await caught(() => probabilitiesFor("softmax", "ab" as never))).field).toBe("values");
  });

  it("classValuesAt: 3 integer indices", async () => {
    expect(classValuesAt(input.volume, [1, 1, 0])).toEqual([0.5, 0.5]);
    expect(classValuesAt(input.volume, [5, 0, 0])).toBeUndefined(); // outside the grid
    for (const ijk of [[1.5, 0, 0], [0, 0], "abc", [0, 0, 0, 0], [0, NaN, 0]]) {
      expect((await caught(() => classValuesAt(input.volume, ijk as never))).field).toBe("ijk");
    }
  });

  it("niivueOverlay: keys, opacity, display range", async () => {
    const o = niivueOverlay(analysis, { opacity: 0.5, calMin: 0.1, calMax: 0.9 });
    expect([o.opacity, o.cal_min, o.cal_max]).toEqual([0.5, 0.1, 0.9]);
    for (const opacity of [NaN, 7, -0.1]) expect((await caught(() => niivueOverlay(analysis, { opacity }))).field).toBe("options.opacity");
    expect((await caught(() => niivueOverlay(analysis, { calMin: 5, calMax: 1 }))).field).toBe("options.calMax");
    expect((await caught(() => niivueOverlay(analysis, { calMin: NaN }))).field).toBe("options.calMin");
    expect((await caught(() => niivueOverlay(analysis, { colormap: 3 } as never))).field).toBe("options.colormap");
    expect((await caught(() => niivueOverlay(analysis, { opactiy: 0.5 } as never))).hint).toBe("did you mean opacity?");
  });

  it("entropyDisplayRange: a finite maxPossible and calMin", async () => {
    expect(entropyDisplayRange(new Float32Array([0, 0]), 1)).toEqual([0.05, 1]);
    expect((await caught(() => entropyDisplayRange(analysis.map, NaN))).field).toBe("maxPossible");
    expect((await caught(() => entropyDisplayRange(analysis.map, 1, NaN))).field).toBe("calMin");
    expect((await caught(() => entropyDisplayRange(5 as never, 1))).field).toBe("map");
  });
});
