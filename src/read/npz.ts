/**
 * .npz (a zip of .npy members). zip.ts reads the zip container (member names, sizes, compression
 * method, and the raw bytes of one member, without inflating them; zip64 fields as numpy writes
 * them for members past 2 GiB); a member is then inflated by a host inflater when the caller passes
 * one (node:zlib in Node, DecompressionStream in browsers), or by fflate.
 */
import { Inflate } from "fflate";
import { describeValue, fail, refuseUnknownKeys } from "../errors.js";
import type { InflateRaw } from "./gzip.js";
import { PREFIX_BYTES, inflatePrefix } from "./gzip.js";
import type { NpyArray, NpyHeader } from "./npy.js";
import { parseNpy, parseNpyHeader } from "./npy.js";
import type { ZipDirectory, ZipEntry } from "./zip.js";
import { readZipDirectory, zipEntryData } from "./zip.js";
import { foundValue, requireBytes } from "./args.js";

/** Keys tried in order when the caller names none: nnU-Net v2, nnU-Net v1, raw logits. */
export const KNOWN_KEYS = ["probabilities", "softmax", "logits"] as const;

/** Default limit on a member's declared (inflated) size. */
export const NPZ_MAX_BYTES = 16 * 1024 ** 3;

export interface NpzMember {
  key: string;
  array: NpyArray;
  keys: string[];
}

export interface NpzOptions {
  /** Member to read (default: the first of KNOWN_KEYS present, or the only member). */
  key?: string;
  /** Refuses a member whose declared size is larger, before inflating it (default 16 GiB). */
  maxBytes?: number;
  /** Inflater for deflated members (default: fflate, inflateRawWithFflate). */
  inflateRaw?: InflateRaw;
  /** CRC-32 of bytes (node:zlib's crc32 in Node): when given, the member's CRC-32 from the zip
   *  directory is checked after inflating, as numpy does (a flipped bit is refused, not read). */
  crc32?: (data: Uint8Array) => number;
}

/**
 * A zip file: it starts with a member's local header (PK\x03\x04), or, when it has no members, with
 * its end-of-central-directory record (PK\x05\x06; such an archive is then refused as empty, not
 * as unrecognised bytes).
 */
export function isZip(bytes: Uint8Array): boolean {
  return bytes instanceof Uint8Array && bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b
    && ((bytes[2] === 0x03 && bytes[3] === 0x04) || (bytes[2] === 0x05 && bytes[3] === 0x06));
}

/** Lists member keys ("probabilities" for "probabilities.npy"). */
export function npzKeys(bytes: Uint8Array, name: string): string[] {
  requireBytes(bytes, name, "npzKeys");
  return [...new Set(readDirectory(bytes, name).entries.map((m) => keyOf(m.name)))];
}

/**
 * Reads one array, inflating with fflate (synchronous). `key` defaults to the first of KNOWN_KEYS
 * present, or the only member. `maxBytes` refuses a member whose declared size is absurd before
 * inflating it. readNpzAsync takes a faster host inflater.
 */
export function readNpz(bytes: Uint8Array, name: string, key?: string, maxBytes = NPZ_MAX_BYTES): NpzMember {
  requireBytes(bytes, name, "readNpz");
  checkMaxBytes(maxBytes, name, "readNpz: maxBytes");
  const { member, raw, keys, chosen } = locateMember(bytes, name, key, maxBytes);
  checkDescribedSize(raw, name, member, chosen);
  let data: Uint8Array;
  if (member.compression === 0) data = raw.slice();
  else {
    try {
      data = inflateRawFflateSync(raw, member.originalSize);
    } catch (err) {
      memberDataError(err, name, member);
    }
  }
  return { key: chosen, array: parseNpy(checkMember(data, name, member), `${name}[${chosen}]`), keys };
}

/** Reads one array like readNpz, inflating with `options.inflateRaw` (node:zlib, DecompressionStream) when given. */
export async function readNpzAsync(bytes: Uint8Array, name: string, options: NpzOptions = {}): Promise<NpzMember> {
  requireBytes(bytes, name, "readNpzAsync");
  if (typeof options !== "object" || options === null) fail({ file: name, field: "readNpzAsync: options", expected: "NpzOptions { key?, maxBytes?, inflateRaw?, crc32? } (or nothing)", found: foundValue(options) });
  refuseUnknownKeys(options, NPZ_OPTION_KEYS, "options");
  if (options.maxBytes !== undefined) checkMaxBytes(options.maxBytes, name, "options.maxBytes");
  if (!options.inflateRaw) return readNpz(bytes, name, options.key, options.maxBytes);
  const { member, raw, keys, chosen } = locateMember(bytes, name, options.key, options.maxBytes ?? NPZ_MAX_BYTES);
  checkDescribedSize(raw, name, member, chosen);
  let data: Uint8Array;
  if (member.compression === 0) data = raw.slice();
  else {
    try {
      data = await options.inflateRaw(raw, member.originalSize, `${name}[${member.name}]`);
    } catch (err) {
      memberDataError(err, name, member);
    }
    // a caller's inflater is JavaScript: null or an ArrayBuffer would fail later as a TypeError or a size of "undefined"
    if (!(data instanceof Uint8Array)) fail({ file: name, field: "options.inflateRaw", expected: `a Uint8Array of the inflated ${member.name} (${member.originalSize} bytes)`, found: describeValue(data) });
  }
  return { key: chosen, array: parseNpy(checkMember(data, name, member, options.crc32), `${name}[${chosen}]`), keys };
}

/** The keys of NpzOptions: a misspelt one ({ Key: "x" }) would be dropped and the default read. */
const NPZ_OPTION_KEYS: readonly string[] = ["key", "maxBytes", "inflateRaw", "crc32"] satisfies readonly (keyof NpzOptions)[];

/** A size limit: a number of bytes > 0 (NaN would compare false and let every member through). */
function checkMaxBytes(maxBytes: unknown, name: string, field: string): void {
  if (typeof maxBytes !== "number" || !(maxBytes > 0)) fail({ file: name, field, expected: "a number of bytes > 0", found: foundValue(maxBytes) });
}

/** Input bytes per fflate push: bounds what one push can inflate (deflate expands at most ~1032:1) before the size check. */
const FFLATE_PIECE = 1 << 16;

/**
 * Inflates raw deflate data with fflate into a buffer of `expectedSize` bytes, streaming in pieces so
 * that data inflating to more than that stops early instead of allocating more. Throws on corrupt,
 * truncated or overlong data; may return fewer bytes than expected (the caller checks).
 */
export function inflateRawFflateSync(deflated: Uint8Array, expectedSize: number): Uint8Array {
  // as zlib: no data at all is a truncated stream (fflate would inflate it to nothing)
  if (deflated.length === 0) throw new Error("unexpected end of file (no deflate data)");
  const out = new Uint8Array(expectedSize);
  let n = 0;
  const inflater = new Inflate((chunk) => {
    if (chunk.length > expectedSize - n) throw new Error(`it inflates to more than ${expectedSize} bytes`);
    out.set(chunk, n);
    n += chunk.length;
  });
  for (let off = 0; off < deflated.length; off += FFLATE_PIECE) {
    inflater.push(deflated.subarray(off, off + FFLATE_PIECE), off + FFLATE_PIECE >= deflated.length);
  }
  return n === expectedSize ? out : out.subarray(0, n);
}

/** The pure-JS inflater (fflate) as an InflateRaw: works everywhere, ~4x slower than zlib. */
export const inflateRawWithFflate: InflateRaw = async (deflated, expectedSize) => inflateRawFflateSync(deflated, expectedSize);

function keyOf(memberName: string): string {
  return memberName.replace(/\.npy$/, "");
}

/**
 * The central directory (zip.ts reads it; nothing is inflated), with the keys it names twice: two
 * members of the same name (numpy reads the last, a reader walking the directory the first), or
 * "x" and "x.npy" (numpy's key "x" is the member "x", ours was "x.npy"). Which array such a key
 * holds is ambiguous, so reading it is refused (refuseAmbiguous); other keys read as usual (an
 * archive "updated" with zipfile mode 'a' repeats only the member that was rewritten).
 */
function readDirectory(bytes: Uint8Array, name: string): ZipDirectory & { ambiguous: Map<string, { member: string; found: string }> } {
  const dir = zipOrFail(name, () => readZipDirectory(bytes, name));
  const seen = new Map<string, string>();
  const ambiguous = new Map<string, { member: string; found: string }>();
  for (const m of dir.entries) {
    const key = keyOf(m.name);
    const first = seen.get(key);
    if (first !== undefined && !ambiguous.has(key)) {
      ambiguous.set(key, { member: m.name, found: first === m.name ? `two members named '${m.name}' (numpy reads the last, other readers the first)` : `members '${first}' and '${m.name}', both key '${key}'` });
    }
    seen.set(key, m.name);
  }
  return { ...dir, ambiguous };
}

function refuseAmbiguous(dir: { ambiguous: Map<string, { member: string; found: string }> }, key: string, name: string): void {
  const a = dir.ambiguous.get(key);
  if (a !== undefined) {
    fail({ file: name, field: `member ${a.member}`, expected: "each member name (and each key, with or without .npy) once in the archive", found: a.found });
  }
}

/** Chooses the member, checks its declared sizes and method, and returns its stored bytes (raw deflate data, or the stored .npy). */
function locateMember(bytes: Uint8Array, name: string, key: string | undefined, maxBytes: number) {
  const dir = readDirectory(bytes, name);
  const members = dir.entries;
  if (members.length === 0) fail({ file: name, field: "npz", expected: "at least one .npy member", found: "an empty archive" });
  const keys = [...new Set(members.map((m) => keyOf(m.name)))];
  // numpy's NpzFile takes a member's name with its .npy too (z['probabilities.npy']): the same key
  const asked = key !== undefined && !keys.includes(key) && /\.npy$/.test(key) && keys.includes(key.slice(0, -4)) ? key.slice(0, -4) : key;
  const chosen = asked ?? KNOWN_KEYS.find((k) => keys.includes(k)) ?? (keys.length === 1 ? keys[0] : undefined);
  if (chosen === undefined || !keys.includes(chosen)) {
    fail({
      file: name, field: "key",
      expected: key ? `a member named '${key}'` : `one of ${KNOWN_KEYS.join(", ")} (or a single array)`,
      found: keys.length ? keys.map((k) => `'${k}'`).join(", ") : "no arrays",
      hint: "choose one with --key",
    });
  }
  refuseAmbiguous(dir, chosen, name);
  const f = members.find((m) => m.name === `${chosen}.npy`) ?? members.find((m) => m.name === chosen)!;
  if (f.originalSize > maxBytes) fail({ file: name, field: `${f.name} size`, expected: `<= ${maxBytes} bytes`, found: `${f.originalSize} bytes` });
  // deflate cannot expand more than ~1032:1, so a larger declared size is a corrupt or hostile
  // archive; refusing it here avoids allocating the declared size
  if (f.compression === 8 && f.originalSize > 1032 * f.size + 1024) {
    fail({ file: name, field: `${f.name} size`, expected: `at most 1032 x its compressed size (${f.size} bytes)`, found: `${f.originalSize} bytes declared` });
  }
  if (f.compression !== 0 && f.compression !== 8) fail({ file: name, field: `${f.name} compression`, expected: "stored (0) or deflate (8)", found: `method ${f.compression}` });
  if (f.compression === 0 && f.size !== f.originalSize) fail({ file: name, field: `${f.name} size`, expected: `a stored member's size (${f.size} bytes) as its declared size`, found: `${f.originalSize} bytes declared` });
  return { member: f, raw: zipOrFail(name, () => zipEntryData(bytes, name, dir, f)), keys, chosen };
}

/**
 * The member's .npy header, read from its start before the member is inflated, against the size
 * the zip directory declares: numpy writes a member of exactly header + data bytes, so a member
 * declaring more (an array followed by a gigabyte of zeros in the same member) is refused before
 * it is inflated. A start that cannot be read is left to the full read, which reports it.
 */
function checkDescribedSize(raw: Uint8Array, name: string, member: ZipEntry, key: string): void {
  const head = member.compression === 0 ? raw.subarray(0, PREFIX_BYTES) : inflatePrefix(raw, "deflate-raw");
  if (!head) return;
  let h: NpyHeader;
  try {
    h = parseNpyHeader(head, `${name}[${key}]`, Infinity);
  } catch {
    return;
  }
  const described = h.dataOffset + h.dataBytes;
  if (described === member.originalSize) return;
  fail({
    file: name, field: `${member.name} size`,
    expected: `${Number.isSafeInteger(described) ? described : "over 2^53"} bytes, as its .npy header describes (${h.dataOffset} bytes of header + shape (${h.shape.join(", ")}) of ${h.descr})`,
    found: `${member.originalSize} bytes declared in the zip directory`,
  });
}

/** The member's bytes against the directory: their declared size, and their CRC-32 when the host gives a crc32. */
function checkMember(data: Uint8Array, name: string, member: ZipEntry, crc32?: (data: Uint8Array) => number): Uint8Array {
  if (data.length !== member.originalSize) {
    fail({ file: name, field: `${member.name} size`, expected: `${member.originalSize} bytes (its declared size)`, found: `${data.length} bytes after inflating` });
  }
  if (crc32) {
    const crc = crc32(data) >>> 0;
    if (crc !== member.crc >>> 0) {
      const hex = (x: number) => `0x${(x >>> 0).toString(16).padStart(8, "0")}`;
      fail({ file: name, field: `${member.name} CRC-32`, expected: `${hex(member.crc)} (from the zip directory)`, found: `${hex(crc)}: the member's data is corrupt` });
    }
  }
  return data;
}

/** An inflater's error as a SegentropyError naming the file and the member. */
function memberDataError(err: unknown, name: string, member: ZipEntry): never {
  if (err instanceof Error && err.name === "SegentropyError") throw err;
  const msg = err instanceof Error ? err.message : String(err);
  // a declared size the host cannot allocate in one array (Uint8Array and Buffer stop at 4 GiB in Node 20)
  if (err instanceof RangeError) fail({ file: name, field: `${member.name} size`, expected: "a size this host can hold in one array", found: `${member.originalSize} bytes declared (${msg})` }, err);
  const truncated = /unexpected end|unexpected EOF|truncated/i.test(msg);
  fail({
    file: name, field: `${member.name} data`,
    expected: `deflate data (${member.size} bytes) inflating to ${member.originalSize} bytes`,
    found: `${truncated ? "a truncated" : "a corrupt"} stream (${msg})`,
  }, err);
}

function zipOrFail<T>(name: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof Error && err.name === "SegentropyError") throw err;
    const msg = err instanceof Error ? err.message : String(err);
    fail({ file: name, field: "zip archive", expected: "a complete .npz (zip) file", found: `unreadable (${msg})` }, err);
  }
}
