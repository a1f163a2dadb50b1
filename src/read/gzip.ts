/** gzip detection and the platform-neutral inflater (DecompressionStream, in browsers and Node). */
import { fail } from "../errors.js";

/** Inflates a whole .gz; Node passes a zlib-based one, browsers use gunzipWithStreams. */
export type Gunzip = (bytes: Uint8Array, name: string) => Promise<Uint8Array>;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Inflates with the Compression Streams API; multi-member files are handled by the stream. */
export const gunzipWithStreams: Gunzip = async (bytes, name) => {
  try {
    const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (err) {
    fail({ file: name, field: "gzip stream", expected: "a complete gzip file", found: `a corrupt or truncated one (${err instanceof Error ? err.message : String(err)})` }, err);
  }
};

/** Deflates to gzip with the Compression Streams API (browsers). */
export async function gzipWithStreams(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
