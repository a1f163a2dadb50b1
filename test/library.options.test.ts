/**
 * analyze's options and references are checked by name: a misspelt key ({ units: "nats" }, the
 * CLI's spelling) is refused with the close match instead of being dropped (a map in bits while
 * the caller asked for nats), and the hint for a bare volume names functions the package exports.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as lib from "../src/index.js";
import * as node from "../src/node/index.js";
import { init, analyze, analyzeAsync, readProbabilities, encodeNpyFloat32 } from "../src/index.js";
import type { ProbInput } from "../src/index.js";
import { caught } from "./helpers/errors.js";

beforeAll(async () => { await init(); });


/** Two voxels of two classes at p = 0.5: 1 bit each, ln 2 nats (closed form). */
async function half(): Promise<ProbInput> {
  return readProbabilities(encodeNpyFloat32(new Float32Array([0.5, 0.5, 0.5, 0.5]), [2, 2]), "half.npy");
}

describe("analyze option keys", () => {
  it("a misspelt key is refused with the close match", async () => {
    const input = await half();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ units: "nats" }, "units", "unit"],
      [{ kidn: "logits" }, "kidn", "kind"],
      [{ allowUnormalized: true }, "allowUnormalized", "allowUnnormalized"],
      [{ Scale: 2 }, "Scale", "scale"],
    ];
    for (const [options, key, close] of cases) {
      const e = caught(() => analyze(input, {}, options));
      expect(e.message).toBe(`arguments: options.${key}: expected one of kind, unit, allowUnnormalized, regionLabels, crop, scale, slabBytes, found an unknown key (did you mean ${close}?)`);
      await expect(analyzeAsync(input, {}, options)).rejects.toThrow(`options.${key}: expected one of`);
    }
    // nothing close: no guess
    expect(caught(() => analyze(input, {}, { threads: 2 } as never)).message).toMatch(/options\.threads: expected one of kind, .*found an unknown key$/);
    // references too
    expect(caught(() => analyze(input, { img: undefined } as never)).message).toMatch(/arguments: refs\.img: expected one of image, seg, found an unknown key \(did you mean image\?\)/);
  });

  it("the right spelling gives the asked unit (ln 2 nats per voxel at p = 0.5)", async () => {
    const r = analyze(await half(), {}, { unit: "nats" });
    for (const h of r.map) expect(Math.abs(h - Math.LN2)).toBeLessThan(1e-6);
  });

  it("a bare volume: the hint names functions the package exports", async () => {
    const input = await half();
    const msg = caught(() => analyze(input.volume as never)).message;
    expect(msg).toContain("call computeEntropySync(volume, options), or an EntropyPool's computeEntropy (createNodePool, createBrowserPool)");
    expect(typeof lib.computeEntropySync).toBe("function");
    expect(typeof lib.createBrowserPool).toBe("function");
    expect(typeof node.createNodePool).toBe("function");
    expect(typeof lib.EntropyPool.prototype.computeEntropy).toBe("function");
    expect(msg).toContain("computeEntropySync(volume, options)");
  });
});

describe("kernel-level option keys", () => {
  // the same checks as analyze's: computeEntropySync, an EntropyPool and streamEntropy read EntropyOptions
  const misspelt: [Record<string, unknown>, string, string][] = [
    [{ units: "nats" }, "units", "unit"],
    [{ lables: true }, "lables", "labels"],
    [{ slabbytes: 1 << 20 }, "slabbytes", "slabBytes"],
  ];
  const expected = (key: string, close: string) =>
    `arguments: options.${key}: expected one of kind, unit, labels, regionLabels, slabBytes, out, labelsOut, found an unknown key (did you mean ${close}?)`;

  it("computeEntropySync and streamEntropy refuse a misspelt key with the close match", async () => {
    const vol = (await half()).volume;
    for (const [options, key, close] of misspelt) {
      expect(caught(() => lib.computeEntropySync(vol, options)).message).toBe(expected(key, close));
      const src = { classes: 2, voxels: 2, interleaved: false, fill(v0: number, n: number, dst: Float32Array) { dst.fill(0.5, 0, 2 * n); } };
      expect(caught(() => lib.streamEntropy(src, options, () => {})).message).toBe(expected(key, close));
    }
    // the right spelling runs: 2 voxels of 1 bit = 2 ln 2 nats (closed form)
    expect(lib.computeEntropySync(vol, { unit: "nats" }).stats.total).toBeCloseTo(2 * Math.LN2, 6);
  });

  it("a worker pool refuses it too, before any work", async () => {
    const pool = await node.createNodePool({ threads: 1, workerUrl: new URL("../dist/node/pool-worker.js", import.meta.url) });
    try {
      const vol = (await half()).volume;
      for (const [options, key, close] of misspelt) await expect(pool.computeEntropy(vol, options)).rejects.toThrow(expected(key, close));
    } finally { await pool.close(); }
  });
});

describe("regionLabels without the sigmoid kind", () => {
  it("analyze and computeEntropySync refuse them instead of dropping them (they name what sigmoid channels paint)", async () => {
    const input = await half();
    expect(caught(() => analyze(input, {}, { regionLabels: [1, 2] })).message).toMatch(/^options: regionLabels: expected regionLabels only with kind "sigmoid" .*, found kind "softmax"/);
    expect(caught(() => lib.computeEntropySync(input.volume, { kind: "logits", regionLabels: [1, 2] })).message).toMatch(/found kind "logits" \(pass/);
    // with the sigmoid kind they run: two channels of 0.5 are 2 bits per voxel (closed form), 2 voxels
    expect(analyze(input, {}, { kind: "sigmoid", regionLabels: [1, 2] }).summary.totalEntropy).toBe(4);
  });
});

describe("pool option keys", () => {
  it("createNodePool refuses a misspelt key ({ threds: 1 } started the default 2 threads)", async () => {
    await expect(node.createNodePool({ threds: 1 } as never)).rejects.toThrow("arguments: options.threds: expected one of threads, batchBytes, workerUrl, found an unknown key (did you mean threads?)");
  });
});
