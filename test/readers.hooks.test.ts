/**
 * Caller-supplied inflaters (options.inflateRaw for .npz members, a gunzip for .gz) are JavaScript:
 * what they return and throw is checked, and named, like every other argument.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readNpzAsync, inflateIfGzip, parseNifti, isSegentropyError } from "../src/index.js";
import { readProbabilitiesFile } from "../src/node/index.js";
import { tempDir } from "./helpers/cli.js";

function files(): { npz: Uint8Array; niigz: Uint8Array } {
  const d = tempDir();
  const r = spawnSync("/usr/bin/python3", ["-c", `import sys, numpy as np, nibabel as nib
p = np.full((2, 3, 3, 3), 0.5, np.float32)
np.savez_compressed(sys.argv[1], probabilities=p)
nib.save(nib.Nifti1Image(p.T.copy(), np.eye(4)), sys.argv[2])`, join(d, "p.npz"), join(d, "p.nii.gz")], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return { npz: new Uint8Array(readFileSync(join(d, "p.npz"))), niigz: new Uint8Array(readFileSync(join(d, "p.nii.gz"))) };
}

async function message(p: Promise<unknown> | (() => unknown)): Promise<string> {
  let err: unknown;
  try { await (typeof p === "function" ? p() : p); } catch (e) { err = e; }
  expect(isSegentropyError(err), `expected a SegentropyError, got ${String(err)}`).toBe(true);
  return (err as Error).message;
}

describe("caller-supplied inflaters", () => {
  it("an inflateRaw that returns no bytes is named, with what it returned", async () => {
    const { npz } = files();
    for (const bad of [null, new ArrayBuffer(8), "x"]) {
      const m = await message(readNpzAsync(npz, "p.npz", { inflateRaw: async () => bad as unknown as Uint8Array }));
      expect(m).toMatch(/^p\.npz: options\.inflateRaw: expected a Uint8Array of the inflated probabilities\.npy \(\d+ bytes\), found /);
    }
  });

  it("a gunzip that throws or returns no bytes gives one SegentropyError naming the file", async () => {
    const { niigz } = files();
    expect(await message(inflateIfGzip(niigz, "p.nii.gz", async () => { throw new Error("gz boom"); }))).toMatch(/^p\.nii\.gz: gzip stream: expected a gzip stream the inflater \(options\.gunzip\) reads, found an error \(gz boom\)/);
    expect(await message(inflateIfGzip(niigz, "p.nii.gz", async () => null as unknown as Uint8Array))).toMatch(/^p\.nii\.gz: options\.gunzip: expected a Uint8Array of the inflated bytes, found /);
  });

  it("parseNifti given a .nii.gz says the bytes are gzip-compressed", async () => {
    const { niigz } = files();
    expect(await message(() => parseNifti(niigz, "p.nii.gz"))).toMatch(/^p\.nii\.gz: sizeof_hdr: expected 348 \(NIfTI-1\) or 540 \(NIfTI-2\), found gzip-compressed bytes \(a \.nii\.gz\) \(parseNifti reads uncompressed bytes/);
  });

  it("readProbabilitiesFile([]) names its argument, not a command line", async () => {
    expect(await message(readProbabilitiesFile([]))).toBe("arguments: paths: expected at least one probability file, found an empty list");
  });
});
