/**
 * Node entry point (`segentropy/node`): file reading with zlib, atomic writing, and the same
 * composable calls as the browser entry. The only place that imports `node:` modules.
 */
import { readFileBytes, refuseRepeatedClassFiles } from "./files.js";
import { crc32Node, gunzipNode, gzipNode, gzipParallel, inflateRawNode, DEFAULT_GZIP_LEVEL } from "./zlib.js";
import type { ProbInput, ReadOptions } from "../read/probabilities.js";
import { readProbabilities, fromClassFiles, inflateIfGzip } from "../read/probabilities.js";
import type { NiftiImage, Geometry } from "../read/nifti.js";
import { niftiVersion, parseNifti } from "../read/nifti.js";
import { isZip } from "../read/npz.js";
import { isNpy, parseNpy } from "../read/npy.js";
import type { NpyArray } from "../read/npy.js";
import { describeValue, fail, refuseUnknownKeys } from "../errors.js";
import { encodeNifti1Float32, NIFTI_WRITE_OPTION_KEYS } from "../write/nifti.js";
import type { NiftiWriteOptions } from "../write/nifti.js";
import { writeFileSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";

export * from "../index.js";
export { OutputSet, CommitInterrupted } from "./output.js";
export { readFileBytes, gunzipNode, gzipNode, gzipParallel, inflateRawNode, DEFAULT_GZIP_LEVEL };

/** Reads one probability file, or several 3-D NIfTI files (one per class), from disk. */
export async function readProbabilitiesFile(paths: string | readonly string[], options: Omit<ReadOptions, "gunzip" | "inflateRaw"> = {}): Promise<ProbInput> {
  const list = typeof paths === "string" ? [paths] : paths;
  if (!Array.isArray(list)) fail({ file: "arguments", field: "paths", expected: "a file path, or a list of paths (one NIfTI file per class)", found: describeValue(paths) });
  if (list.length === 0) fail({ file: "arguments", field: "paths", expected: "at least one probability file", found: "an empty list" });
  if (typeof options !== "object" || options === null) fail({ file: "arguments", field: "options", expected: "{ key?, classAxis?, crc32? } (or nothing)", found: describeValue(options) });
  // gunzip and inflateRaw are node:zlib's here: passed, they would be dropped without a word
  refuseUnknownKeys(options, ["key", "classAxis", "crc32"], "options");
  refuseRepeatedClassFiles(list);
  // uncompressed volumes are read into shared memory: worker pools then use them in place
  if (list.length === 1) return readProbabilities(readFileBytes(list[0]!, { shared: /\.(npy|nii)$/i.test(list[0]!) }), list[0]!, { ...(crc32Node ? { crc32: crc32Node } : {}), ...options, gunzip: gunzipNode, inflateRaw: inflateRawNode });
  const images: NiftiImage[] = [];
  for (const p of list) {
    const bytes = await inflateIfGzip(readFileBytes(p), p, gunzipNode);
    if (!niftiVersion(bytes)) {
      const what = isNpy(bytes) ? "an .npy file" : isZip(bytes) ? "an .npz file" : bytes.length === 0 ? "an empty file" : "other bytes";
      fail({ file: p, field: "format", expected: "a 3-D NIfTI (several inputs are read as one NIfTI file per class)", found: what, hint: "give one .npy/.npz/4-D NIfTI file at a time" });
    }
    images.push(parseNifti(bytes, p));
  }
  return fromClassFiles(images);
}

/** Reads a .nii or .nii.gz file. */
export async function readNiftiFile(path: string): Promise<NiftiImage> {
  const bytes = await inflateIfGzip(readFileBytes(path), path, gunzipNode);
  return parseNifti(bytes, path);
}

/** Reads an .npy file (e.g. a 2-D image beside a 2-D probability array). */
export async function readNpyFile(path: string): Promise<NpyArray> {
  const bytes = readFileBytes(path);
  if (!isNpy(bytes)) fail({ file: path, field: "magic", expected: "an .npy file", found: "other bytes" });
  return parseNpy(bytes, path);
}

/**
 * Writes a float32 map as .nii or .nii.gz (gzip when the name ends in .gz, in any case: map.NII.GZ
 * too, as nibabel reads it), atomically (temporary file, then rename). `gzipLevel`: 0 to 9
 * (default DEFAULT_GZIP_LEVEL).
 */
export function writeNiftiFile(path: string, map: Float32Array, geometry: Geometry, options: NiftiWriteOptions & { gzipLevel?: number } = {}): void {
  if (typeof path !== "string" || path === "") fail({ file: "arguments", field: "path", expected: "a file path ending in .nii or .nii.gz", found: typeof path === "string" ? "an empty string" : describeValue(path) });
  if (typeof options !== "object" || options === null) fail({ file: "arguments", field: "options", expected: "NiftiWriteOptions and gzipLevel (or nothing)", found: describeValue(options) });
  refuseUnknownKeys(options, [...NIFTI_WRITE_OPTION_KEYS, "gzipLevel"], "options");
  const { gzipLevel, ...header } = options;
  if (gzipLevel !== undefined && !(Number.isInteger(gzipLevel) && gzipLevel >= 0 && gzipLevel <= 9)) {
    fail({ file: "arguments", field: "options.gzipLevel", expected: "an integer from 0 to 9", found: typeof gzipLevel === "number" ? String(gzipLevel) : describeValue(gzipLevel) });
  }
  let bytes = encodeNifti1Float32(map, geometry, header);
  if (/\.gz$/i.test(path)) bytes = gzipNode(bytes, gzipLevel);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (err) {
    writeError(err, path);
  } finally {
    try { rmSync(tmp, { force: true }); } catch { /* below a file (ENOTDIR): there is no temporary file */ }
  }
}

/** A failed write as a SegentropyError naming the caller's path (not the temporary file beside it). */
function writeError(err: unknown, path: string): never {
  const code = (err as NodeJS.ErrnoException).code;
  const folder = dirname(path);
  let folderIs: "missing" | "not a folder" | "ok" = "ok";
  try {
    if (!statSync(folder).isDirectory()) folderIs = "not a folder";
  } catch {
    folderIs = "missing";
  }
  if (folderIs !== "ok" || code === "ENOENT" || code === "ENOTDIR") {
    fail({ file: path, field: "folder", expected: "an existing folder to write into", found: folderIs === "not a folder" ? `${folder} is not a folder` : `no folder ${folder}` }, err);
  }
  if (code === "EISDIR") fail({ file: path, field: "path", expected: "a file path to write", found: "a directory" }, err);
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") fail({ file: path, field: "path", expected: "a writable location", found: `permission denied (${code})` }, err);
  if (code === "ENOSPC" || code === "EDQUOT") fail({ file: path, field: "path", expected: "space to write the map", found: `no space left on the device (${code})` }, err);
  fail({ file: path, field: "path", expected: "a writable file path", found: `an error (${code ?? (err instanceof Error ? err.message : String(err))})` }, err);
}
export { createNodePool, defaultThreads } from "./pool.js";
