/**
 * Library entry points given the wrong kind of argument, or a path they cannot write: a fresh-user
 * pass found raw TypeErrors (readProbabilities("hello", ...)), a raw ENOENT naming our temporary
 * file (writeNiftiFile into a missing folder) and "found number" for threads: 0. Each is now a
 * SegentropyError naming the caller's file or argument, what was expected and the value found.
 */
import { describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  SegentropyError, defaultGeometry, fromClassFiles, fromNifti, fromNpy, inflateIfGzip, isNpy, isZip, niftiVersion, npzKeys, parseNifti, parseNpy, readNiftiFile,
  readNpyFile, readNpz, readNpzAsync, readProbabilities, readProbabilitiesFile, writeNiftiFile,
} from "../src/node/index.js";
import { createNodePool } from "../src/node/pool.js";
import { tempDir } from "./helpers/cli.js";

async function caught(fn: () => unknown): Promise<SegentropyError> {
  let err: unknown = null;
  try { await fn(); } catch (e) { err = e; }
  expect(err, String(err)).toBeInstanceOf(SegentropyError);
  return err as SegentropyError;
}

describe("createNodePool", () => {
  it("shows the value found", async () => {
    expect((await caught(() => createNodePool({ threads: 0 }))).message).toBe("options: threads: expected an integer from 1 to 64, found 0");
    expect((await caught(() => createNodePool({ threads: 1.5 }))).message).toBe("options: threads: expected an integer from 1 to 64, found 1.5");
    expect((await caught(() => createNodePool({ threads: "2" as never }))).message).toBe("options: threads: expected an integer from 1 to 64, found string");
    expect((await caught(() => createNodePool({ threads: 1, batchBytes: -4 }))).message).toBe("options: batchBytes: expected a number of bytes > 0, found -4");
    expect((await caught(() => createNodePool(null as never))).message).toBe("options: createNodePool options: expected { threads?, batchBytes?, workerUrl? } or nothing, found null");
  });
});

describe("readers given something other than bytes", () => {
  const want = (fn: string, found: string) => `x.npy: ${fn}: bytes: expected the file's bytes as a Uint8Array (wrap an ArrayBuffer: new Uint8Array(buffer)), found ${found}`;
  const pathHint = " (to read a path in Node, use readProbabilitiesFile / readNiftiFile / readNpyFile from segentropy/node)";

  it("readProbabilities: a string (a path?), an ArrayBuffer, null, a number", async () => {
    expect((await caught(() => readProbabilities("hello" as never, "x.npy", {}))).message).toBe(want("readProbabilities", `a string "hello"${pathHint}`));
    expect((await caught(() => readProbabilities(new ArrayBuffer(8) as never, "x.npy"))).message).toBe(want("readProbabilities", "an ArrayBuffer"));
    expect((await caught(() => readProbabilities(null as never, "x.npy"))).message).toBe(want("readProbabilities", "null"));
    expect((await caught(() => readProbabilities(3 as never, "x.npy"))).message).toBe(want("readProbabilities", "3"));
    expect((await caught(() => readProbabilities(new Uint8Array(8), 7 as never))).message)
      .toBe("arguments: readProbabilities: name: expected a string naming the input in messages (e.g. its file name), found 7");
    expect((await caught(() => readProbabilities(new Uint8Array([1, 2]), "x.npy", "bits" as never))).message)
      .toBe(`x.npy: readProbabilities: options: expected ReadOptions { key?, classAxis?, gunzip?, inflateRaw?, crc32? } (or nothing), found a string "bits"`);
  });

  it("parseNpy, parseNifti, readNpz, readNpzAsync, npzKeys, inflateIfGzip", async () => {
    const cases: [string, () => unknown][] = [
      ["parseNpy", () => parseNpy("hello" as never, "x.npy")],
      ["parseNifti", () => parseNifti("hello" as never, "x.npy")],
      ["readNpz", () => readNpz("hello" as never, "x.npy")],
      ["readNpzAsync", () => readNpzAsync("hello" as never, "x.npy")],
      ["npzKeys", () => npzKeys("hello" as never, "x.npy")],
      ["inflateIfGzip", () => inflateIfGzip("hello" as never, "x.npy")],
    ];
    for (const [fn, call] of cases) expect((await caught(call)).message, fn).toBe(want(fn, `a string "hello"${pathHint}`));
  });

  it("the format tests answer no instead of throwing", () => {
    expect(niftiVersion("hello" as never)).toBeUndefined();
    expect(niftiVersion(null as never)).toBeUndefined();
    expect(isNpy("\x93NUMPY" as never)).toBe(false);
    expect(isZip("PK\x03\x04" as never)).toBe(false);
  });
});

describe("fromNpy, fromNifti, fromClassFiles given something else", () => {
  it("name the argument and what they take", async () => {
    expect((await caught(() => fromNpy(null as never, "a.npy", 0))).message).toBe("a.npy: fromNpy: array: expected an NpyArray (what parseNpy returns), found null");
    expect((await caught(() => fromNifti(undefined as never))).message).toBe("arguments: fromNifti: image: expected a NiftiImage (what parseNifti / readNiftiFile return), found undefined");
    expect((await caught(() => fromClassFiles([]))).message).toBe("arguments: fromClassFiles: images: expected a list of NiftiImages, one per class (parseNifti / readNiftiFile), found an empty list");
    expect((await caught(() => fromClassFiles([{}] as never))).message).toBe("arguments: fromClassFiles: images[0]: expected a NiftiImage (what parseNifti / readNiftiFile return), found an Object");
  });
});

describe("Node file readers given something other than a path", () => {
  it("readProbabilitiesFile, readNiftiFile, readNpyFile", async () => {
    expect((await caught(() => readProbabilitiesFile(5 as never))).message).toBe("arguments: paths: expected a file path, or a list of paths (one NIfTI file per class), found number");
    expect((await caught(() => readProbabilitiesFile([5] as never))).message).toBe("arguments: path: expected a file path (a string), found number");
    expect((await caught(() => readNiftiFile(undefined as never))).message).toBe("arguments: path: expected a file path (a string), found undefined");
    expect((await caught(() => readNpyFile(new Uint8Array(3) as never))).message).toBe("arguments: path: expected a file path (a string), found a Uint8Array");
  });
});

describe("writeNiftiFile", () => {
  const map = new Float32Array(4);
  const geometry = defaultGeometry([4, 1, 1]);

  it("into a missing folder: names the caller's path and the folder, leaves nothing behind", async () => {
    const dir = tempDir();
    const path = join(dir, "no", "such", "dir", "e.nii.gz");
    expect((await caught(() => writeNiftiFile(path, map, geometry))).message)
      .toBe(`${path}: folder: expected an existing folder to write into, found no folder ${join(dir, "no", "such", "dir")}`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("below a file: the folder is a file", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "f"), "x");
    const path = join(dir, "f", "e.nii");
    expect((await caught(() => writeNiftiFile(path, map, geometry))).message).toBe(`${path}: folder: expected an existing folder to write into, found ${join(dir, "f")} is not a folder`);
  });

  it("onto a directory: the path is a directory; no temporary file is left", async () => {
    const dir = tempDir();
    const path = join(dir, "d.nii");
    mkdirSync(path);
    expect((await caught(() => writeNiftiFile(path, map, geometry))).message).toBe(`${path}: path: expected a file path to write, found a directory`);
    expect(readdirSync(dir)).toEqual(["d.nii"]);
  });

  it("a path that is not a string; a good path still writes", async () => {
    expect((await caught(() => writeNiftiFile(undefined as never, map, geometry))).message).toBe("arguments: path: expected a file path ending in .nii or .nii.gz, found undefined");
    const path = join(tempDir(), "ok.nii.gz");
    writeNiftiFile(path, map, geometry);
    expect(existsSync(path)).toBe(true);
    expect(Array.from((await readNiftiFile(path)).data as Float32Array)).toEqual([0, 0, 0, 0]);
  });
});
