/**
 * Browser I/O: bytes from File, Blob, ArrayBuffer, typed arrays and fetch Responses, inflated with
 * DecompressionStream; entropy.nii.gz encoded with CompressionStream into a Blob. Only web
 * platform APIs (they exist in Node 20 too), so this module is browser-safe and testable anywhere.
 */
import { describeValue, fail, refuseUnknownKeys } from "../errors.js";
import type { Analysis } from "../analyze.js";
import type { ProbInput, ReadOptions } from "../read/probabilities.js";
import { fromClassFiles, inflateIfGzip, readProbabilities } from "../read/probabilities.js";
import type { NiftiImage } from "../read/nifti.js";
import { parseNifti } from "../read/nifti.js";
import type { NpyArray } from "../read/npy.js";
import { isNpy, parseNpy } from "../read/npy.js";
import { canInflateRawWithStreams, concatChunks, gunzipWithStreams, gzipWithStreams, inflateRawWithStreams } from "../read/gzip.js";
import { encodeNifti1Float32 } from "../write/nifti.js";
import type { NiftiWriteOptions } from "../write/nifti.js";

/** Anything the browser hands us bytes in. */
export type BinarySource = Blob | ArrayBuffer | ArrayBufferView | Response;

/** Called with (bytes done, bytes total or 0 when unknown) while a source is read. */
export type ByteProgress = (done: number, total: number) => void;

export interface SourceOptions {
  /** Name used in messages and for format hints (default: the File's name or the URL's last part). */
  name?: string;
  onProgress?: ByteProgress;
}

const SOURCE_OPTION_KEYS: readonly string[] = ["name", "onProgress"] satisfies readonly (keyof SourceOptions)[];

/** A reader's options: an object (or nothing) of the keys it reads; a misspelt key would be dropped without a word. */
function checkReaderOptions(options: object, known: readonly string[]): void {
  if (typeof options !== "object" || options === null) fail({ file: "arguments", field: "options", expected: `{ ${known.map((k) => `${k}?`).join(", ")} } (or nothing)`, found: describeValue(options) });
  refuseUnknownKeys(options, known, "options");
}

/** The display name of a source: File.name, the last part of a Response URL, else `fallback`. */
export function sourceName(src: BinarySource, fallback = "buffer"): string {
  if (typeof File !== "undefined" && src instanceof File && src.name) return src.name;
  if (typeof Response !== "undefined" && src instanceof Response && src.url) {
    const path = src.url.split(/[?#]/)[0]!;
    return decodeURIComponent(path.slice(path.lastIndexOf("/") + 1)) || fallback;
  }
  return fallback;
}

/** All bytes of a source, as one Uint8Array (no copy for ArrayBuffer and views). */
export async function toBytes(src: BinarySource, options: SourceOptions = {}): Promise<Uint8Array> {
  checkReaderOptions(options, SOURCE_OPTION_KEYS);
  const name = options.name ?? sourceName(src);
  if (src instanceof ArrayBuffer) return new Uint8Array(src);
  if (ArrayBuffer.isView(src)) return new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  if (typeof Response !== "undefined" && src instanceof Response) {
    if (!src.ok) fail({ file: name, field: "HTTP response", expected: "status 200", found: `${src.status} ${src.statusText}`.trim() });
    // a body already read (or being read) would fail inside as a bare TypeError ("ReadableStream is locked")
    if (src.bodyUsed || src.body?.locked) fail({ file: name, field: "Response body", expected: "an unread fetch Response", found: "one whose body was already read (bodyUsed)", hint: "fetch it again, or pass response.clone() made before reading it" });
    const length = Number(src.headers.get("content-length") ?? 0);
    // a Content-Encoding'd body arrives inflated: its length header is not the body's
    const total = src.headers.get("content-encoding") ? 0 : length;
    if (!src.body) return new Uint8Array(await src.arrayBuffer());
    return readStream(src.body, total, name, options.onProgress);
  }
  if (typeof Blob !== "undefined" && src instanceof Blob) {
    if (!options.onProgress) return new Uint8Array(await src.arrayBuffer());
    return readStream(src.stream(), src.size, name, options.onProgress);
  }
  fail({ file: name, field: "source", expected: "a File, Blob, ArrayBuffer, typed array or fetch Response", found: Object.prototype.toString.call(src) });
}

async function readStream(stream: ReadableStream<Uint8Array>, total: number, name: string, onProgress?: ByteProgress): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let done = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      chunks.push(r.value);
      done += r.value.byteLength;
      onProgress?.(done, total);
    }
  } catch (err) {
    fail({ file: name, field: "read", expected: "a readable file", found: `a read error (${err instanceof Error ? err.message : String(err)})` }, err);
  }
  return concatChunks(chunks, done);
}

/** Bytes of a source, inflated when they are gzip (DecompressionStream), up to the size its header describes. */
export async function readBytes(src: BinarySource, options: SourceOptions = {}): Promise<Uint8Array> {
  checkReaderOptions(options, SOURCE_OPTION_KEYS);
  const name = options.name ?? sourceName(src);
  const bytes = await toBytes(src, { ...options, name });
  return inflateIfGzip(bytes, name, gunzipWithStreams);
}

/**
 * Reads a probability file (.npz of nnU-Net v2 or v1, .npy, 4-D/5-D NIfTI, .nii.gz), or several
 * 3-D NIfTI files, one per class. .npz members are inflated by DecompressionStream("deflate-raw")
 * where the host has it, else by fflate.
 */
export async function readProbabilitiesFrom(src: BinarySource | readonly BinarySource[], options: Omit<ReadOptions, "gunzip" | "inflateRaw"> & SourceOptions = {}): Promise<ProbInput> {
  // gunzip and inflateRaw are the streams' here: passed, they would be dropped without a word
  checkReaderOptions(options, ["key", "classAxis", "crc32", ...SOURCE_OPTION_KEYS]);
  if (Array.isArray(src)) {
    const list = src as readonly BinarySource[];
    if (list.length === 0) fail({ file: options.name ?? "inputs", field: "inputs", expected: "at least one probability file", found: "none" });
    if (list.length > 1) {
      const images: NiftiImage[] = [];
      for (const [i, s] of list.entries()) images.push(await readNiftiFrom(s, { name: sourceName(s, `class ${i + 1}`) }));
      return fromClassFiles(images);
    }
    return readProbabilitiesFrom(list[0]!, options);
  }
  const one = src as BinarySource;
  const name = options.name ?? sourceName(one, "probabilities");
  const bytes = await toBytes(one, { name, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const { onProgress: _p, name: _n, ...read } = options;
  return readProbabilities(bytes, name, { ...read, gunzip: gunzipWithStreams, ...(canInflateRawWithStreams() ? { inflateRaw: inflateRawWithStreams } : {}) });
}

/** Reads a .nii or .nii.gz image (e.g. the T1 or the segmentation). */
export async function readNiftiFrom(src: BinarySource, options: SourceOptions = {}): Promise<NiftiImage> {
  checkReaderOptions(options, SOURCE_OPTION_KEYS);
  const name = options.name ?? sourceName(src, "image.nii");
  return parseNifti(await readBytes(src, { ...options, name }), name);
}

/** Reads an .npy array (e.g. a 2-D image beside a 2-D probability array). */
export async function readNpyFrom(src: BinarySource, options: SourceOptions = {}): Promise<NpyArray> {
  checkReaderOptions(options, SOURCE_OPTION_KEYS);
  const name = options.name ?? sourceName(src, "array.npy");
  const bytes = await readBytes(src, { ...options, name });
  if (!isNpy(bytes)) fail({ file: name, field: "magic", expected: "an .npy file", found: "other bytes" });
  return parseNpy(bytes, name);
}

/** The header options the CLI writes: display range [0, max possible] and a description. */
export function entropyNiftiOptions(a: Analysis): NiftiWriteOptions {
  return { calMin: 0, calMax: a.maxPossibleEntropy, description: `segentropy ${a.kind} entropy (${a.unit})` };
}

/** entropy.nii.gz bytes (NIfTI-1 float32 on the reference grid, gzip by CompressionStream). */
export async function encodeEntropyNiftiGz(a: Pick<Analysis, "map" | "geometry" | "maxPossibleEntropy" | "kind" | "unit">, options: NiftiWriteOptions = {}): Promise<Uint8Array> {
  const nii = encodeNifti1Float32(a.map, a.geometry, { ...entropyNiftiOptions(a as Analysis), ...options });
  return gzipWithStreams(nii);
}

/** entropy.nii.gz as a Blob, ready for a download link or an upload. */
export async function entropyNiftiBlob(a: Pick<Analysis, "map" | "geometry" | "maxPossibleEntropy" | "kind" | "unit">, options: NiftiWriteOptions = {}): Promise<Blob> {
  return new Blob([(await encodeEntropyNiftiGz(a, options)) as BlobPart], { type: "application/gzip" });
}

/** Starts a download of `blob` as `filename` (browsers only: needs a document). */
export function downloadBlob(blob: Blob, filename = "entropy.nii.gz"): void {
  if (typeof document === "undefined") fail({ file: filename, field: "document", expected: "a browser page (downloadBlob needs a document)", found: "none", hint: "in Node write the bytes of encodeEntropyNiftiGz to a file" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.style.display = "none";
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
