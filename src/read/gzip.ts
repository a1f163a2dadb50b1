/**
 * gzip detection and the platform-neutral inflaters (DecompressionStream, in browsers and Node):
 * whole .gz files, and the raw deflate data of .npz members.
 */
import { fail } from "../errors.js";

/** Inflates a whole .gz; Node passes a zlib-based one, browsers use gunzipWithStreams. */
export type Gunzip = (bytes: Uint8Array, name: string) => Promise<Uint8Array>;

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
export const gunzipWithStreams: Gunzip = async (bytes, name) => {
  try {
    // read chunk by chunk rather than through Response.arrayBuffer(): there a stream error reaches
    // the caller as Chromium's generic "Failed to fetch" instead of the inflater's own message
    const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip")).getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
    if (chunks.length === 1) return chunks[0]!;
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return out;
  } catch (err) {
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

/**
 * Inflates raw deflate data with DecompressionStream("deflate-raw") into a buffer of the declared
 * size (check canInflateRawWithStreams first). The data is fed in pieces with backpressure, so a
 * member inflating to more than declared stops after one piece. In Chromium this is 2-2.5x faster
 * than fflate; Node's DecompressionStream is barely faster than fflate (the Node entry passes
 * inflateRawNode, node:zlib directly, instead).
 */
export const inflateRawWithStreams: InflateRaw = async (deflated, expectedSize) => {
  const out = new Uint8Array(expectedSize);
  let fed = 0, n = 0;
  // streams refuse views of shared memory: copy each piece then
  const shared = typeof SharedArrayBuffer !== "undefined" && deflated.buffer instanceof SharedArrayBuffer;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (fed >= deflated.length) { controller.close(); return; }
      const piece = deflated.subarray(fed, fed + STREAM_PIECE);
      fed += piece.length;
      controller.enqueue(shared ? piece.slice() : piece);
    },
  }, { highWaterMark: 0 });
  const reader = source.pipeThrough(new DecompressionStream("deflate-raw") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>).getReader();
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
