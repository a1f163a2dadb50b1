/**
 * CRC-32 (the IEEE polynomial zip and gzip use) in plain JavaScript, slice-by-8: the check of .npz
 * members where the host has no native one (browsers; Node passes node:zlib's crc32). fflate keeps
 * its CRC internal, and without a check a flipped byte in a stored (uncompressed) member gave a
 * silently wrong map in the browser while the CLI refused the file.
 */

/** TABLE[k * 256 + b]: the CRC of byte b followed by k zero bytes. */
const TABLE = (() => {
  const t = new Int32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[b] = c;
  }
  for (let b = 0; b < 256; b++) {
    for (let k = 1; k < 8; k++) t[k * 256 + b] = (t[(k - 1) * 256 + b]! >>> 8) ^ t[t[(k - 1) * 256 + b]! & 255]!;
  }
  return t;
})();

/** The CRC-32 of `data` (unsigned), continuing from `crc` when given. About 1-2 GB/s. */
export function crc32(data: Uint8Array, crc = 0): number {
  const t = TABLE;
  let c = ~crc;
  const n = data.length;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const a = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) ^ c;
    const b = data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24);
    c = t[1792 + (a & 255)]! ^ t[1536 + ((a >>> 8) & 255)]! ^ t[1280 + ((a >>> 16) & 255)]! ^ t[1024 + (a >>> 24)]!
      ^ t[768 + (b & 255)]! ^ t[512 + ((b >>> 8) & 255)]! ^ t[256 + ((b >>> 16) & 255)]! ^ t[b >>> 24]!;
  }
  for (; i < n; i++) c = t[(c ^ data[i]!) & 255]! ^ (c >>> 8);
  return ~c >>> 0;
}
