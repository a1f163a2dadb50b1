/**
 * gzip detection and the platform-neutral inflaters (DecompressionStream, in browsers and Node):
 * whole .gz files, and the raw deflate data of .npz members.
 */
import { Gunzip as FflateGunzip, Inflate as FflateInflate } from "fflate";
import { SegentropyError, fail } from "../errors.js";

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

/** Inflates with the Compression Streams API; multi-member files are handled by the stream. */
export const gunzipWithStreams: Gunzip = async (bytes, name, maxBytes = Infinity) => {
  try {
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
        throw new GunzipLimitError(name, maxBytes);
      }
      chunks.push(value);
      total += value.length;
    }
    if (chunks.length === 1) return chunks[0]!;
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return out;
  } catch (err) {
    if (err instanceof GunzipLimitError) throw err;
    fail({ file: name, field: "gzip stream", expected: "a complete gzip file", found: `a corrupt or truncated one (${err instanceof Error ? err.message : String(err)})` }, err);
  }
};

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
