/**
 * Turns the bytes of a probability file into a ProbVolume: detects the format by its magic bytes,
 * and states each format's axis convention in one place.
 */
import { describeValue, fail, isSegentropyError, refuseUnknownKeys } from "../errors.js";
import type { DType } from "../layout/dtype.js";
import type { ProbVolume, Scaling } from "../layout/volume.js";
import { stridesFor } from "../layout/strides.js";
import type { Gunzip, InflateRaw } from "./gzip.js";
import { GunzipLimitError, canInflateRawWithStreams, gunzipWithStreams, inflatePrefix, inflateRawWithStreams, isGzip } from "./gzip.js";
import type { NpyArray } from "./npy.js";
import { isNpy, parseNpy, parseNpyHeader } from "./npy.js";
import { isZip, readNpzAsync } from "./npz.js";
import { crc32 } from "./crc32.js";
import type { NiftiImage } from "./nifti.js";
import { niftiDescribedSize, niftiVersion, parseNifti } from "./nifti.js";
import { requireSamePlace } from "./geometry.js";
import { foundValue, requireBytes } from "./args.js";

export type Format = "npz" | "npy" | "nifti1" | "nifti2" | "nifti-per-class";

/** What the reader understood about an input, reported in stats.json. */
export interface InputInfo {
  files: string[];
  format: Format;
  /** .npz member. */
  key?: string;
  dtype: DType;
  shape: number[];
  /** Names of the array axes, e.g. ["class", "z", "y", "x"]. */
  axes: string[];
  classAxis: number;
  classes: number;
  order: "C" | "F";
  /** "mixed" for one file per class in both byte orders (byteOrderPerFile then has each file's). */
  byteOrder: "little" | "big" | "mixed";
  byteOrderPerFile?: ("little" | "big")[];
  scale?: Scaling;
  /** One file per class whose scalings differ: each file's scaling (null: none), in class order. */
  scalePerFile?: (Scaling | null)[];
  /** One file per class of different stored types: each file's type (decoded to float32). */
  dtypePerFile?: DType[];
  intentCode?: number;
}

export interface ProbInput {
  volume: ProbVolume;
  info: InputInfo;
  /** The stored values before a reader-side decode (one file per class with one dtype but
   *  differing scalings, decoded to float32 in `volume`): what `--scale` rescales. */
  stored?: ProbVolume;
  /** The NIfTI itself when the probabilities are NIfTI (their geometry can serve as reference). */
  nifti?: NiftiImage;
}

export interface ReadOptions {
  /** .npz member to read (default: probabilities, softmax, logits, or the only one). */
  key?: string;
  /** .npy/.npz: the class axis (default 0, the nnU-Net (C, z, y, x) layout). */
  classAxis?: number;
  /** Inflater for .gz inputs (default: DecompressionStream). */
  gunzip?: Gunzip;
  /**
   * Inflater for deflated .npz members (default: DecompressionStream("deflate-raw") where the host
   * has it, else fflate). The Node entry passes zlib's.
   */
  inflateRaw?: InflateRaw;
  /** CRC-32 function that .npz members are checked with against their directory CRC-32 (default:
   *  a JavaScript one, crc32.ts; the Node entry passes node:zlib's, which is faster). */
  crc32?: (data: Uint8Array) => number;
}

/** The keys of ReadOptions: a misspelt one ({ classaxis: 3 }) would be dropped and the default read. */
export const READ_OPTION_KEYS: readonly string[] = ["key", "classAxis", "gunzip", "inflateRaw", "crc32"] satisfies readonly (keyof ReadOptions)[];

/** What a .gz may inflate to beyond the size its header describes (padding some writers leave). */
export const GZIP_SLACK_BYTES = 1 << 20;

/**
 * Inflates when gzip, else returns the bytes. A stream is not trusted to end where its header says:
 * a few KiB of .nii.gz can hold a valid header and data followed by gigabytes of zeros. So the start
 * is inflated first and, when it holds a NIfTI or .npy header, the whole is inflated only up to the
 * size that header describes (plus GZIP_SLACK_BYTES); a stream holding more is refused. A start
 * that cannot be read is inflated as before, and that inflate reports what is wrong.
 */
export async function inflateIfGzip(bytes: Uint8Array, name: string, gunzip: Gunzip = gunzipWithStreams): Promise<Uint8Array> {
  requireBytes(bytes, name, "inflateIfGzip");
  if (!isGzip(bytes)) return bytes;
  const head = inflatePrefix(bytes, "gzip");
  const described = head ? describedSize(head, name) : undefined;
  if (!described) return gunzipChecked(gunzip, bytes, name);
  const maxBytes = described.bytes + GZIP_SLACK_BYTES;
  const tooMuch = (): never => fail({
    file: name, field: "gzip stream", expected: `${described.bytes} bytes once inflated (${described.what})`,
    found: `a stream that inflates to more than ${maxBytes} bytes: data past what the header describes`,
  });
  let out: Uint8Array;
  try {
    out = await gunzipChecked(gunzip, bytes, name, maxBytes);
  } catch (err) {
    if (err instanceof GunzipLimitError) tooMuch();
    throw err;
  }
  // an inflater written for the two-argument Gunzip ignores the limit: the length still counts
  if (out.length > maxBytes) tooMuch();
  return out;
}

/**
 * Runs a gunzip hook (ours, or a caller's): what it throws becomes a SegentropyError naming the file
 * (our own errors and the size-limit signal pass through), and what it returns must be bytes.
 */
async function gunzipChecked(gunzip: Gunzip, bytes: Uint8Array, name: string, maxBytes?: number): Promise<Uint8Array> {
  let out: unknown;
  try {
    out = maxBytes === undefined ? await gunzip(bytes, name) : await gunzip(bytes, name, maxBytes);
  } catch (err) {
    if (err instanceof GunzipLimitError || isSegentropyError(err)) throw err;
    fail({ file: name, field: "gzip stream", expected: "a gzip stream the inflater (options.gunzip) reads", found: `an error (${err instanceof Error ? err.message : String(err)})` }, err);
  }
  if (!(out instanceof Uint8Array)) fail({ file: name, field: "options.gunzip", expected: "a Uint8Array of the inflated bytes", found: describeValue(out) });
  return out;
}

/** The file size a NIfTI or .npy header at the start of `head` describes; undefined for anything else. */
function describedSize(head: Uint8Array, name: string): { bytes: number; what: string } | undefined {
  if (niftiVersion(head)) return niftiDescribedSize(head);
  if (!isNpy(head)) return undefined;
  try {
    const h = parseNpyHeader(head, name, Infinity);
    const bytes = h.dataOffset + h.dataBytes;
    return Number.isSafeInteger(bytes) ? { bytes, what: `its .npy header: ${h.dataOffset} bytes of header + shape (${h.shape.join(", ")}) of ${h.descr}` } : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a probability file of any supported format. */
export async function readProbabilities(bytes: Uint8Array, name: string, options: ReadOptions = {}): Promise<ProbInput> {
  requireBytes(bytes, name, "readProbabilities");
  if (typeof options !== "object" || options === null) fail({ file: name, field: "readProbabilities: options", expected: "ReadOptions { key?, classAxis?, gunzip?, inflateRaw?, crc32? } (or nothing)", found: foundValue(options) });
  refuseUnknownKeys(options, READ_OPTION_KEYS, "options");
  if (bytes.length === 0) fail({ file: name, field: "size", expected: "a probability file", found: "an empty file (0 bytes)" });
  const raw = await inflateIfGzip(bytes, name, options.gunzip);
  if (isZip(raw)) {
    const { key, array } = await readNpzAsync(raw, name, { key: options.key, inflateRaw: options.inflateRaw ?? (canInflateRawWithStreams() ? inflateRawWithStreams : undefined), crc32: options.crc32 ?? crc32 });
    const input = fromNpy(array, name, options.classAxis ?? 0);
    input.info.format = "npz";
    input.info.key = key;
    return input;
  }
  if (isNpy(raw)) return fromNpy(parseNpy(raw, name), name, options.classAxis ?? 0);
  if (niftiVersion(raw)) return fromNifti(parseNifti(raw, name));
  fail({ file: name, field: "format", expected: "NIfTI-1/2 (.nii, .nii.gz), .npy or .npz", found: "unrecognised bytes" });
}

/**
 * nnU-Net convention for arrays: (C, z, y, x) in C order, i.e. the spatial axes are NIfTI
 * (k, j, i) reversed, so probs[c, k, j, i] is voxel (i, j, k). With the default class axis 0 and C
 * order the bytes already are NIfTI voxel order, class-planar: no copy. 2-D arrays (C, H, W) map
 * to (i = column, j = row).
 */
export function fromNpy(arr: NpyArray, name: string, classAxis: number): ProbInput {
  if (typeof arr !== "object" || arr === null || !Array.isArray(arr.shape) || !Array.isArray(arr.strides)) {
    fail({ file: typeof name === "string" ? name : "arguments", field: "fromNpy: array", expected: "an NpyArray (what parseNpy returns)", found: foundValue(arr) });
  }
  const nd = arr.shape.length;
  const axis = classAxis < 0 ? classAxis + nd : classAxis;
  if (nd < 2 || nd > 4) fail({ file: name, field: "shape", expected: "2 to 4 axes: classes plus 1 to 3 spatial axes, e.g. (C, z, y, x)", found: `(${arr.shape.join(", ")})` });
  if (axis < 0 || axis >= nd) fail({ file: name, field: "class axis", expected: `0..${nd - 1}`, found: `${classAxis}` });
  const spatial = arr.shape.map((_, a) => a).filter((a) => a !== axis);
  const gridAxes = [...spatial].reverse();
  const names = nd === 3 ? ["row", "col"] : nd === 4 ? ["z", "y", "x"] : ["x"];
  const axes: string[] = [];
  let s = 0;
  for (let a = 0; a < nd; a++) axes.push(a === axis ? "class" : names[s++]!);
  const volume: ProbVolume = { data: arr.data, dtype: arr.dtype, shape: arr.shape, strides: arr.strides, classAxis: axis, gridAxes, name };
  return {
    volume,
    info: { files: [name], format: "npy", dtype: arr.dtype, shape: arr.shape, axes, classAxis: axis, classes: arr.shape[axis]!, order: arr.order, byteOrder: arr.descr.startsWith(">") ? "big" : "little" },
  };
}

/** NIfTI: classes along dim 4 (x, y, z, C), or dim 5 with dim 4 = 1 (vector images, intent 1007). */
export function fromNifti(img: NiftiImage): ProbInput {
  requireNifti(img, "fromNifti: image");
  const dims = [...img.dims];
  while (dims.length < 3) dims.push(1);
  let classAxis: number;
  if (dims.length >= 5 && dims[3] === 1 && dims[4]! > 1) classAxis = 4;
  else if (dims.length >= 4 && dims[3]! > 1) classAxis = 3;
  else if (dims.slice(3).every((d) => d === 1)) {
    // one 3-D volume: a single channel (a sigmoid foreground map, or one tissue map); softmax
    // refuses it later with a hint
    dims.length = 3;
    dims.push(1);
    classAxis = 3;
  } else {
    fail({
      file: img.name, field: "dim", expected: "classes in dim 4 (x, y, z, C), or in dim 5 with dim 4 = 1 (intent vector)",
      found: `dims [${dims.join(", ")}]`, hint: "for one 3-D file per class, pass all the files",
    });
  }
  if (dims.slice(classAxis + 1).some((d) => d > 1)) fail({ file: img.name, field: "dim", expected: `nothing beyond the class axis (dim ${classAxis + 1})`, found: `dims [${dims.join(", ")}]` });
  const volume: ProbVolume = {
    data: img.data, dtype: img.dtype, shape: dims, strides: stridesFor(dims, "F"), classAxis, gridAxes: [0, 1, 2], name: img.name,
    ...(img.scale ? { scale: img.scale } : {}),
  };
  const axes = dims.map((_, a) => (a === classAxis ? "class" : ["i(x)", "j(y)", "k(z)", "t", "u", "v", "w"][a]!));
  return {
    volume, nifti: img,
    info: {
      files: [img.name], format: img.version === 1 ? "nifti1" : "nifti2", dtype: img.dtype, shape: dims, axes, classAxis,
      classes: dims[classAxis]!, order: "F", byteOrder: img.littleEndian ? "little" : "big", intentCode: img.intentCode,
      ...(img.scale ? { scale: img.scale } : {}),
    },
  };
}

/** Several 3-D files, one per class (SPM c1/c2/c3, FSL pve_N): zero-copy when dtypes and scaling agree. */
export function fromClassFiles(images: NiftiImage[]): ProbInput {
  if (!Array.isArray(images) || images.length === 0) {
    fail({ file: "arguments", field: "fromClassFiles: images", expected: "a list of NiftiImages, one per class (parseNifti / readNiftiFile)", found: Array.isArray(images) ? "an empty list" : foundValue(images) });
  }
  images.forEach((img, i) => requireNifti(img, `fromClassFiles: images[${i}]`));
  const first = images[0]!;
  const dims = [...first.dims.slice(0, 3)];
  while (dims.length < 3) dims.push(1);
  for (const img of images) {
    const d = [...img.dims];
    while (d.length < 3) d.push(1);
    if (d.length > 3 && d.slice(3).some((x) => x > 1)) fail({ file: img.name, field: "dim", expected: "a 3-D volume (one class per file)", found: `dims [${d.join(", ")}]` });
    if (d[0] !== dims[0] || d[1] !== dims[1] || d[2] !== dims[2]) fail({ file: img.name, field: "dim", expected: `[${dims.join(", ")}] like ${first.name}`, found: `[${d.slice(0, 3).join(", ")}]` });
    // the classes of a voxel must come from one place in space
    requireSamePlace(first, img, "the class files are not on one grid in space: resample them onto one grid first");
  }
  const sameType = images.every((i) => i.dtype === first.dtype);
  const sameScale = images.every((i) => i.scale?.slope === first.scale?.slope && i.scale?.inter === first.scale?.inter);
  const same = sameType && sameScale;
  const planes = same ? images.map((i) => i.data) : images.map((i) => decodeToFloat32(i));
  const byteOrders = images.map((i) => (i.littleEndian ? "little" : "big") as "little" | "big");
  const oneOrder = byteOrders.every((b) => b === byteOrders[0]);
  const shape = [...dims, images.length];
  const layout = { shape, strides: [...stridesFor(dims, "F"), 0], classAxis: 3, gridAxes: [0, 1, 2], name: images.map((i) => i.name).join(" + ") };
  const volume: ProbVolume = { data: planes, dtype: same ? first.dtype : "float32", ...layout, ...(same && first.scale ? { scale: first.scale } : {}) };
  return {
    volume, nifti: first,
    ...(!same && sameType ? { stored: { data: images.map((i) => i.data), dtype: first.dtype, ...layout } } : {}),
    info: {
      files: images.map((i) => i.name), format: "nifti-per-class", dtype: volume.dtype, shape, axes: ["i(x)", "j(y)", "k(z)", "class"], classAxis: 3,
      classes: images.length, order: "F", byteOrder: oneOrder ? byteOrders[0]! : "mixed", ...(oneOrder ? {} : { byteOrderPerFile: byteOrders }),
      ...(volume.scale ? { scale: volume.scale } : {}),
      ...(!sameScale ? { scalePerFile: images.map((i) => i.scale ?? null) } : {}),
      ...(!sameType ? { dtypePerFile: images.map((i) => i.dtype) } : {}),
    },
  };
}

/** A NiftiImage as parseNifti returns it (JavaScript callers get no type check). */
function requireNifti(img: NiftiImage, field: string): void {
  if (typeof img !== "object" || img === null || !Array.isArray(img.dims) || typeof img.name !== "string") {
    fail({ file: "arguments", field, expected: "a NiftiImage (what parseNifti / readNiftiFile return)", found: foundValue(img) });
  }
}

function decodeToFloat32(img: NiftiImage): Float32Array {
  const out = new Float32Array(img.data.length);
  const slope = img.scale?.slope ?? 1;
  const inter = img.scale?.inter ?? 0;
  for (let i = 0; i < out.length; i++) out[i] = img.data[i]! * slope + inter;
  return out;
}
