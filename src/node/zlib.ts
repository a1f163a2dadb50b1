/** gzip for Node through zlib, about 3x faster than a pure-JS inflater here. */
import { gunzipSync, gzipSync } from "node:zlib";
import { fail } from "../errors.js";

export async function gunzipNode(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    fail({ file: name, field: "gzip stream", expected: "a complete gzip file", found: msg.includes("unexpected end") ? "a truncated one" : `a corrupt one (${msg})` }, err);
  }
}

/** Default output level: level 1 keeps compression from dominating the run; maps still shrink well. */
export const DEFAULT_GZIP_LEVEL = 1;

export function gzipNode(bytes: Uint8Array, level = DEFAULT_GZIP_LEVEL): Uint8Array {
  const out = gzipSync(bytes, { level });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
