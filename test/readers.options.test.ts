/**
 * The readers' options objects refuse keys they do not read (breaker2 #1, #11): readProbabilities
 * with { classaxis: 3 } and readProbabilitiesFile with { Key: "x" } read with the defaults, as if
 * the key had not been given; readNpz accepted NaN as maxBytes. The .npz is written by numpy
 * (C = 3 classes over a 2 x 4 x 5 grid), so a read that takes the key is told apart from the
 * default by the shape numpy wrote.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readProbabilities, readNpz, readNpzAsync, readProbabilitiesFrom, readNiftiFrom, readNpyFrom, readBytes, toBytes, SegentropyError } from "../src/index.js";
import { readProbabilitiesFile } from "../src/node/index.js";
import { tempDir } from "./helpers/cli.js";

let path = "";
let npz = new Uint8Array();

beforeAll(() => {
  path = join(tempDir(), "p.npz");
  const py = "import sys, numpy as np\np = np.full((3, 2, 4, 5), 1 / 3, dtype=np.float32)\nnp.savez_compressed(sys.argv[1], probabilities=p, other=np.ones((2, 6), np.float32))";
  const r = spawnSync("/usr/bin/python3", ["-c", py, path], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  npz = new Uint8Array(readFileSync(path));
});

async function caught(f: () => unknown): Promise<SegentropyError> {
  try { await f(); } catch (e) { if (e instanceof SegentropyError) return e; throw e; }
  throw new Error("no error");
}

describe("reader options: unknown keys are refused with the close match", () => {
  it("the known keys still read (numpy's shape)", async () => {
    expect((await readProbabilities(npz, "p.npz", { key: "probabilities", classAxis: 0 })).volume.shape).toEqual([3, 2, 4, 5]);
    expect((await readProbabilitiesFile(path, { key: "probabilities", classAxis: -4 })).volume.shape).toEqual([3, 2, 4, 5]);
    expect((await readProbabilitiesFrom(npz, { name: "p.npz", key: "probabilities", onProgress: () => {} })).volume.shape).toEqual([3, 2, 4, 5]);
    expect((await readNpzAsync(npz, "p.npz", { key: "other", maxBytes: 1e6 })).array.shape).toEqual([2, 6]);
    expect(readNpz(npz, "p.npz", "other", 1e6).array.shape).toEqual([2, 6]);
  });

  it("readProbabilities { classaxis: 3 }", async () => {
    const e = await caught(() => readProbabilities(npz, "p.npz", { classaxis: 3 } as never));
    expect([e.field, e.found, e.hint]).toEqual(["options.classaxis", "an unknown key", "did you mean classAxis?"]);
  });

  it("readProbabilitiesFile { Key: 'x' }, and gunzip/inflateRaw it would drop", async () => {
    expect((await caught(() => readProbabilitiesFile(path, { Key: "other" } as never))).hint).toBe("did you mean key?");
    expect((await caught(() => readProbabilitiesFile(path, { inflateRaw: async () => new Uint8Array() } as never))).field).toBe("options.inflateRaw");
    expect((await caught(() => readProbabilitiesFile(path, "probabilities" as never))).field).toBe("options");
  });

  it("readProbabilitiesFrom and the browser readers", async () => {
    expect((await caught(() => readProbabilitiesFrom(npz, { name: "p.npz", clasAxis: 1 } as never))).hint).toBe("did you mean classAxis?");
    expect((await caught(() => readProbabilitiesFrom(npz, { gunzip: async () => new Uint8Array() } as never))).field).toBe("options.gunzip");
    expect((await caught(() => readNiftiFrom(npz, { nmae: "x.nii" } as never))).hint).toBe("did you mean name?");
    expect((await caught(() => readNpyFrom(npz, { onprogress: () => {} } as never))).hint).toBe("did you mean onProgress?");
    expect((await caught(() => readBytes(npz, { Name: "x" } as never))).hint).toBe("did you mean name?");
    expect((await caught(() => toBytes(npz, { progress: () => {} } as never))).field).toBe("options.progress");
  });

  it("readNpzAsync { Key }, readNpz maxBytes NaN", async () => {
    expect((await caught(() => readNpzAsync(npz, "p.npz", { Key: "other" } as never))).hint).toBe("did you mean key?");
    expect((await caught(() => readNpzAsync(npz, "p.npz", { maxBytes: NaN }))).field).toBe("options.maxBytes");
    const e = await caught(() => readNpz(npz, "p.npz", undefined, NaN));
    expect([e.field, e.expected, e.found]).toEqual(["readNpz: maxBytes", "a number of bytes > 0", "NaN"]);
    expect((await caught(() => readNpz(npz, "p.npz", undefined, -1))).field).toBe("readNpz: maxBytes");
  });
});
