/**
 * gzip detection and the platform-neutral inflaters (DecompressionStream, in browsers and Node):
 * whole .gz files, and the raw deflate data of .npz members.
 */
import { Gunzip as FflateGunzip, Inflate as FflateInflate } from "fflate";
import { SegentropyError, fail } from "../errors.js";
import { crc32 } from "./crc32.js";

/**
 * Inflates a whole .gz; Node passes a zlib-based one, browsers use gunzipWithStreams. With
 * `maxBytes` it rejects with a GunzipLimitError once the output would pass that many bytes, instead
 * of allocating more (a stream holding far more than its header describes). Inflaters written for
 * the two-argument form still work: the caller checks the length they return.
 */
export type Gunzip = (bytes: Uint8Array, name: string, maxBytes?: number) => Promise<Uint8Array>;

/** What a Gunzip rejects with when the stream inflates to more than the `maxBytes` it was given. */
export class GunzipLimitError extends SegentropyError {
  readonly maxBytes: number;
  constructor(file: string, maxBytes: number) {
    super({ file, field: "gzip stream", expected: `at most ${maxBytes} bytes once inflated`, found: "a stream that inflates to more" });
    this.maxBytes = maxBytes;
  }
}

/**
 * Inflates the raw deflate data of one .npz member whose declared size is `expectedSize` (`name`,
 * "file[member]", is for messages). Rejects on corrupt or truncated data, and once the output
 * exceeds `expectedSize` (rather than allocating more); the caller checks the returned length.
 * Node passes inflateRawNode (node:zlib), browsers inflateRawWithStreams, else fflate is used.
 */
export type InflateRaw = (deflated: Uint8Array, expectedSize: number, name: string) => Promise<Uint8Array>;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Inflates with the Compression Streams API. A stream that Chromium refuses (several members, zero
 * padding, other data after the end) or whose end is not one member's trailer (Node's stream stops
 * at zero bytes) is decided by gunzipExact, so that one file reads the same on every path (bytes
 * after the members that do not start a member are ignored, as gzip -dc and zlib's gzread do).
 */
export const gunzipWithStreams: Gunzip = async (bytes, name, maxBytes = Infinity) => {
  let out: Uint8Array;
  try {
    out = await gunzipStream(bytes, maxBytes);
  } catch (err) {
    if (err instanceof GunzipLimitError) throw new GunzipLimitError(name, maxBytes);
    return gunzipExact(bytes, name, maxBytes);
  }
  // Chromium refuses anything after one member: a success there ends with that member's size
  return endsWithSize(bytes, out.length) ? out : gunzipExact(bytes, name, maxBytes);
};

/** `chunks` as one array of `total` bytes (the chunk itself when there is one: no copy). */
export function concatChunks(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.byteLength; }
  return out;
}

/** Whether the last 4 bytes (a gzip trailer's ISIZE) are `size` modulo 2^32. */
function endsWithSize(bytes: Uint8Array, size: number): boolean {
  const n = bytes.length;
  return n >= 18 && (bytes[n - 4]! | (bytes[n - 3]! << 8) | (bytes[n - 2]! << 16) | (bytes[n - 1]! << 24)) >>> 0 === size % 2 ** 32;
}

/** Input bytes per fflate push in gunzipExact (see there). */
const GUNZIP_PIECE = 1 << 16;

/**
 * Inflates a .gz the way zlib's gzread (ITK, FSL, AFNI) and `gzip -dc` read one, and so as nibabel
 * loads a .nii.gz (it reads only the bytes the header describes): one or more complete gzip
 * members, each checked against its CRC-32 and size; after them, bytes that start another member
 * (1f 8b) are that member and must be complete and valid, and any other bytes (zero padding, junk,
 * even a member after them) are ignored, as `gzip -dc` ignores "trailing garbage". The reference
 * every platform's inflater falls back to when it is not sure. fflate inflates here (slower than
 * zlib or DecompressionStream): only files those refuse or cannot vouch for come this way.
 */
export function gunzipExact(bytes: Uint8Array, name: string, maxBytes = Infinity): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const starts = [0], outStarts = [0];
  const inflater = new FflateGunzip((chunk) => {
    if (chunk.length > maxBytes - total) throw new GunzipLimitError(name, maxBytes);
    chunks.push(chunk);
    total += chunk.length;
  });
  inflater.onmember = (offset) => { starts.push(offset); outStarts.push(total); };
  let error: unknown;
  try {
    // in 64 KiB pieces: one push of the whole file inflates a member whole before ondata sees it,
    // so a small file holding a member of gigabytes of zeros would be inflated before the limit
    // check (deflate expands at most ~1032:1, so a piece yields at most ~66 MiB)
    if (bytes.length === 0) inflater.push(bytes, true);
    for (let at = 0; at < bytes.length; at += GUNZIP_PIECE) inflater.push(bytes.subarray(at, Math.min(bytes.length, at + GUNZIP_PIECE)), at + GUNZIP_PIECE >= bytes.length);
  } catch (err) {
    if (err instanceof GunzipLimitError) throw err;
    error = err; // fflate refuses anything after a member that is not a member: decided below
  }
  const out = concatChunks(chunks, total);
  const corrupt = (found: string): never => fail({ file: name, field: "gzip stream", expected: "a complete gzip file", found }, error);
  // members followed by another: each ends where the next begins, with its trailer
  for (let m = 0; m + 1 < starts.length; m++) {
    if (!trailerAt(bytes, starts[m + 1]!, out.subarray(outStarts[m]!, outStarts[m + 1]!), { crc: -1 })) corrupt(`a corrupt one (member ${m + 1}: its CRC-32 or size does not match its data)`);
  }
  // the last member ends at the first trailer of its data
  const lastStart = starts[starts.length - 1]!;
  const last = out.subarray(outStarts[outStarts.length - 1]!);
  const lastCrc = { crc: -1 };
  let end = -1;
  for (let e = lastStart + 18; e <= bytes.length; e++) if (trailerAt(bytes, e, last, lastCrc)) { end = e; break; }
  if (end < 0) {
    const msg = error instanceof Error ? error.message : "";
    corrupt(/EOF|unexpected end/i.test(msg) || (!error && bytes.length < lastStart + 18) ? `a truncated one${msg ? ` (${msg})` : ""}` : `a corrupt one (${msg || "its CRC-32 or size does not match its data"})`);
  }
  // what follows: nothing, another member (fflate stopped inside its header: it must be valid), or ignored bytes
  if (end === bytes.length || !isGzip(bytes.subarray(end))) return out;
  const rest = gunzipExact(bytes.subarray(end), name, maxBytes - total);
  const both = new Uint8Array(total + rest.length);
  both.set(out);
  both.set(rest, total);
  return both;
}

/** Whether bytes [end - 8, end) are a gzip trailer (CRC-32, size mod 2^32, little-endian) of `data`. */
function trailerAt(bytes: Uint8Array, end: number, data: Uint8Array, cache: { crc: number }): boolean {
  if (end < 8 || end > bytes.length) return false;
  const word = (at: number) => (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
  if (word(end - 4) !== data.length % 2 ** 32) return false;
  if (cache.crc < 0) cache.crc = crc32(data) >>> 0;
  return word(end - 8) === cache.crc;
}

/** One DecompressionStream("gzip") pass; rejects with a bare GunzipLimitError past `maxBytes`. */
async function gunzipStream(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  // read chunk by chunk rather than through Response.arrayBuffer(): there a stream error reaches
  // the caller as Chromium's generic "Failed to fetch" instead of the inflater's own message
  // fed in 64 KiB pieces with backpressure: a Blob's stream hands the inflater the whole file at
  // once, and Chromium then returns chunks of hundreds of MiB before the limit can be checked
  // (a 4 MB .nii.gz holding 4 GiB of zeros took 6 s and 2 GB)
  const reader = inPieces(bytes).pipeThrough(new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (value.length > maxBytes - total) {
      // stop inflating here: the rest of the stream is never produced
      reader.cancel().catch(() => undefined);
      throw new GunzipLimitError("", maxBytes);
    }
    chunks.push(value);
    total += value.length;
  }
  return concatChunks(chunks, total);
}

/** Deflates to gzip with the Compression Streams API (browsers). */
export async function gzipWithStreams(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

let rawStreams: boolean | undefined;

/**
 * Whether this host's DecompressionStream takes "deflate-raw" (Chrome 103+, Firefox 113+,
 * Safari 16.4+, Node 21.2+ and late Node 20 releases).
 */
export function canInflateRawWithStreams(): boolean {
  if (rawStreams === undefined) {
    try {
      new DecompressionStream("deflate-raw");
      rawStreams = true;
    } catch {
      rawStreams = false;
    }
  }
  return rawStreams;
}

/** Input bytes per write to the stream: bounds what one write can inflate (at most ~1032x) before the size check. */
const STREAM_PIECE = 1 << 16;

/** `bytes` as a stream of STREAM_PIECE pieces, each produced only when the reader asks for it. */
function inPieces(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let fed = 0;
  // streams refuse views of shared memory: copy each piece then
  const shared = typeof SharedArrayBuffer !== "undefined" && bytes.buffer instanceof SharedArrayBuffer;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (fed >= bytes.length) { controller.close(); return; }
      const piece = bytes.subarray(fed, fed + STREAM_PIECE);
      fed += piece.length;
      controller.enqueue(shared ? piece.slice() : piece);
    },
  }, { highWaterMark: 0 });
}

/**
 * Inflates raw deflate data with DecompressionStream("deflate-raw") into a buffer of the declared
 * size (check canInflateRawWithStreams first). The data is fed in pieces with backpressure, so a
 * member inflating to more than declared stops after one piece. In Chromium this is 2-2.5x faster
 * than fflate; Node's DecompressionStream is barely faster than fflate (the Node entry passes
 * inflateRawNode, node:zlib directly, instead).
 */
export const inflateRawWithStreams: InflateRaw = async (deflated, expectedSize) => {
  const out = new Uint8Array(expectedSize);
  let n = 0;
  const reader = inPieces(deflated).pipeThrough(new DecompressionStream("deflate-raw") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.length > expectedSize - n) throw new Error(`it inflates to more than ${expectedSize} bytes`);
      out.set(value, n);
      n += value.length;
    }
  } catch (err) {
    reader.cancel().catch(() => undefined);
    throw err;
  }
  return n === expectedSize ? out : out.subarray(0, n);
};

/** Input bytes per push when inflating a prefix: deflate expands at most ~1032:1, so one push yields at most ~1 MiB. */
const PREFIX_PIECE = 1024;

/** Inflated bytes read to find a header: a NIfTI-2 header is 540 bytes, numpy's .npy headers are at most 10 000. */
export const PREFIX_BYTES = 64 * 1024;

/**
 * The first `want` bytes (fewer when the stream is shorter) of a gzip file (`"gzip"`) or of raw
 * deflate data (`"deflate-raw"`), inflated with fflate without inflating the rest: the header they
 * hold says how large the whole should be before the whole is inflated. Undefined when the start
 * cannot be inflated (corrupt data, which the full inflate then reports).
 */
export function inflatePrefix(bytes: Uint8Array, format: "gzip" | "deflate-raw", want = PREFIX_BYTES): Uint8Array | undefined {
  const out = new Uint8Array(want);
  let n = 0;
  const ondata = (chunk: Uint8Array) => {
    const take = Math.min(chunk.length, want - n);
    out.set(chunk.subarray(0, take), n);
    n += take;
  };
  const inflater = format === "gzip" ? new FflateGunzip(ondata) : new FflateInflate(ondata);
  try {
    for (let off = 0; off < bytes.length && n < want; off += PREFIX_PIECE) {
      inflater.push(bytes.subarray(off, off + PREFIX_PIECE), off + PREFIX_PIECE >= bytes.length);
    }
  } catch {
    return undefined;
  }
  return out.subarray(0, n);
}
