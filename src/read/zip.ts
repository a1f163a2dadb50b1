/**
 * A small zip container reader: the central directory (names, methods, sizes, where each member's
 * local header is) and a view of one member's stored bytes. Nothing is inflated here.
 *
 * Written for .npz files instead of using fflate's: numpy writes its members with
 * `force_zip64=True`, and once a member passes 2^31-1 bytes Python's zipfile puts 0xFFFFFFFF in the
 * central directory's size fields (and in the local header offset past 2^31-1) with the real values
 * in a zip64 extended-information extra field, yet writes no zip64 end-of-central-directory record
 * unless the archive itself is that large. fflate 0.8 reads the extra field only when that record
 * is present, so it took 0xFFFFFFFF for the sizes. Here every field is resolved on its own: a
 * 0xFFFFFFFF size or offset (or a 0xFFFF entry count) is taken from the zip64 extra field (or the
 * zip64 end record), with or without the other.
 *
 * Hostile input: every offset and length is checked against the buffer before it is read, sizes are
 * plain numbers (64-bit fields read exactly up to 2^53), nothing is allocated from a declared size,
 * and every rejection is a SegentropyError (field "zip archive") naming what is wrong and where.
 * Layout: PKWARE APPNOTE.TXT 6.3, sections 4.3.7 (local header), 4.3.12 (central directory
 * header), 4.3.14-16 (zip64 end record, its locator, end record), 4.5.3 (zip64 extra field).
 */
import { fail } from "../errors.js";

export interface ZipEntry {
  /** Member name (UTF-8 when general purpose flag bit 11 is set, else Latin-1, as fflate reads it). */
  name: string;
  /** Compression method (0 stored, 8 deflate; others are listed and refused by the caller). */
  compression: number;
  /** Stored (compressed) size in bytes, from the central directory or its zip64 extra field. */
  size: number;
  /** Declared uncompressed size in bytes, from the central directory or its zip64 extra field. */
  originalSize: number;
  /** CRC-32 of the uncompressed data, as declared. */
  crc: number;
  /** General purpose bit flags (bit 3: sizes in a data descriptor after the data). */
  flags: number;
  /** Offset of the member's local header in the file. */
  localHeaderOffset: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  /** Offset of the central directory: every member's local header and data lie before it. */
  directoryStart: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_ZIP64_END = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const LOCAL_LEN = 30;
const CENTRAL_LEN = 46;
const END_LEN = 22;
const ZIP64_END_LEN = 56;
const ZIP64_LOCATOR_LEN = 20;
/** Header id of the zip64 extended-information extra field. */
const ZIP64_EXTRA = 0x0001;
/** A 32-bit size or offset field whose value is in the zip64 extra field (or zip64 end record). */
const U32_SENTINEL = 0xffffffff;
const U16_SENTINEL = 0xffff;
/** The end record starts at most this far before the end of the file (record + 65535-byte comment). */
const END_SEARCH = END_LEN + 0xffff;

/** Reads the central directory: each member's name, method, sizes and local header offset. */
export function readZipDirectory(bytes: Uint8Array, file: string): ZipDirectory {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (expected: string, found: string): never => fail({ file, field: "zip archive", expected, found });
  const u16 = (at: number) => dv.getUint16(at, true);
  const u32 = (at: number) => dv.getUint32(at, true);
  const u64 = (at: number, what: string) => readU64(dv, at, () => bad(`${what} below 2^53`, "a larger value"));

  // end of central directory record: the last signature whose comment fits in the file
  let end = -1;
  for (let e = bytes.length - END_LEN; e >= 0 && e >= bytes.length - END_SEARCH; e--) {
    if (u32(e) === SIG_END && e + END_LEN + u16(e + 20) <= bytes.length) { end = e; break; }
  }
  if (end < 0) bad("a complete .npz (zip) file", "no end-of-central-directory record (cut short, or not a zip file)");
  let count = u16(end + 10);
  let dirSize = u32(end + 12);
  let dirStart = u32(end + 16);
  /** Where the central directory has to end: the zip64 end record, or the end record. */
  let dirLimit = end;
  let countKnown = count !== U16_SENTINEL;

  // zip64 end record, found through its locator just before the end record; its values replace
  // the end record's (which then hold 0xFFFF/0xFFFFFFFF)
  const zip64 = end >= ZIP64_LOCATOR_LEN && u32(end - ZIP64_LOCATOR_LEN) === SIG_ZIP64_LOCATOR;
  if (zip64) {
    const at = u64(end - ZIP64_LOCATOR_LEN + 8, "the zip64 end record's offset");
    if (at + ZIP64_END_LEN > end - ZIP64_LOCATOR_LEN || u32(at) !== SIG_ZIP64_END) {
      bad("a zip64 end-of-central-directory record where its locator points", `offset ${at}, ${at + ZIP64_END_LEN > end - ZIP64_LOCATOR_LEN ? "past the locator" : "other bytes"}`);
    }
    count = u64(at + 32, "the zip64 entry count");
    dirSize = u64(at + 40, "the zip64 central directory size");
    dirStart = u64(at + 48, "the zip64 central directory offset");
    dirLimit = at;
    countKnown = true;
  } else if (dirSize === U32_SENTINEL || dirStart === U32_SENTINEL) {
    bad("a zip64 end-of-central-directory record (the end record's directory size or offset is 0xFFFFFFFF)", "none");
  }
  if (dirStart + dirSize > dirLimit) {
    bad(`a central directory (${dirSize} bytes at offset ${dirStart}) before the end record at ${dirLimit}`, `it ends at ${dirStart + dirSize}`);
  }

  // the entries, walked through the directory's size (as Python's zipfile does); the count, when
  // the end record has one, must agree
  const entries: ZipEntry[] = [];
  const dirEnd = dirStart + dirSize;
  for (let p = dirStart; p < dirEnd;) {
    const where = `central directory entry ${entries.length + 1} (offset ${p})`;
    if (p + CENTRAL_LEN > dirEnd) bad(`${where}: a 46-byte header`, `${dirEnd - p} bytes left in the directory`);
    if (u32(p) !== SIG_CENTRAL) bad(`${where}: a central directory header signature`, "other bytes");
    const flags = u16(p + 8);
    const nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32);
    const next = p + CENTRAL_LEN + nameLen + extraLen + commentLen;
    if (next > dirEnd) bad(`${where}: its name, extra fields and comment within the directory`, `${next - dirEnd} bytes past its end`);
    const name = decodeName(bytes.subarray(p + CENTRAL_LEN, p + CENTRAL_LEN + nameLen), flags);
    // zip64 extra field: holds, in this order and only for the fields that are 0xFFFFFFFF (0xFFFF
    // for the disk number), the uncompressed size, compressed size, local header offset, disk number
    const sizes = resolveZip64(dv, p + CENTRAL_LEN + nameLen, extraLen,
      [["uncompressed size", u32(p + 24)], ["compressed size", u32(p + 20)], ["local header offset", u32(p + 42)]],
      (expected, found) => bad(`${expected} in the central directory entry of ${name}`, found));
    const [originalSize, size, localHeaderOffset] = sizes as [number, number, number];
    entries.push({ name, compression: u16(p + 10), size, originalSize, crc: u32(p + 16), flags, localHeaderOffset });
    p = next;
  }
  if (countKnown && (zip64 ? entries.length !== count : entries.length % 0x10000 !== count)) {
    bad(`${count} central directory entries (as the end record says)`, `${entries.length} in its ${dirSize} bytes`);
  }
  return { entries, directoryStart: dirStart };
}

/**
 * The stored bytes of one member: a view of `bytes` (no copy) starting after its local header, of
 * the central directory's size. The local header has to be a local header for the same name and
 * method, and its sizes, when it states them (no data descriptor), have to agree with the
 * directory's; header and data have to lie before the central directory.
 */
export function zipEntryData(bytes: Uint8Array, file: string, dir: ZipDirectory, entry: ZipEntry): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => dv.getUint16(at, true);
  const u32 = (at: number) => dv.getUint32(at, true);
  const limit = dir.directoryStart;
  const at = entry.localHeaderOffset;
  const bad = (found: string): never => fail({
    file, field: "zip archive", expected: `the data of ${entry.name} (${entry.size} bytes) after its local header at offset ${at}`, found,
  });
  if (at + LOCAL_LEN > limit) bad(`the local header offset ${at} ${at >= limit ? "at or past" : "too close to"} the central directory (offset ${limit})`);
  if (u32(at) !== SIG_LOCAL) bad("no local header signature there");
  const flags = u16(at + 6);
  const nameLen = u16(at + 26), extraLen = u16(at + 28);
  const start = at + LOCAL_LEN + nameLen + extraLen;
  if (start > limit) bad(`a local header running ${start - limit} bytes into the central directory`);
  const localName = decodeName(bytes.subarray(at + LOCAL_LEN, at + LOCAL_LEN + nameLen), flags);
  if (localName !== entry.name) bad(`a local header for '${localName}'`);
  const method = u16(at + 8);
  if (method !== entry.compression) bad(`method ${method} in the local header, ${entry.compression} in the central directory`);
  if (!(flags & 8)) {
    // sizes stated in the local header (else they follow the data, in a data descriptor): they must
    // be the directory's. A 0xFFFFFFFF is resolved through the local zip64 extra field; without one
    // the directory's value stands.
    const badLocal = (expected: string, found: string): never => fail({ file, field: "zip archive", expected: `${expected} in the local header of ${entry.name}`, found });
    const fields: [string, number][] = [["uncompressed size", u32(at + 22)], ["compressed size", u32(at + 18)]];
    const sentinel = fields.some(([, v]) => v === U32_SENTINEL);
    const [localOriginal, localSize] = sentinel && findExtra(dv, at + LOCAL_LEN + nameLen, extraLen, ZIP64_EXTRA, badLocal) === null
      ? fields.map(([, v]) => (v === U32_SENTINEL ? -1 : v))
      : resolveZip64(dv, at + LOCAL_LEN + nameLen, extraLen, fields, badLocal);
    if ((localSize !== -1 && localSize !== entry.size) || (localOriginal !== -1 && localOriginal !== entry.originalSize)) {
      const shown = (v: number) => (v === -1 ? "0xFFFFFFFF" : String(v));
      bad(`sizes ${shown(localSize!)} (stored) and ${shown(localOriginal!)} (uncompressed) in the local header, ${entry.size} and ${entry.originalSize} in the central directory`);
    }
  }
  if (start + entry.size > limit) bad(`${limit - start} bytes between its local header and the central directory`);
  return bytes.subarray(start, start + entry.size);
}

/**
 * The values of 32-bit header fields, each one that is 0xFFFFFFFF replaced by the next 8 bytes of
 * the zip64 extra field (which holds only those, in the order given).
 */
function resolveZip64(
  dv: DataView, extraStart: number, extraLen: number, fields: [string, number][], bad: (expected: string, found: string) => never,
): number[] {
  const wanted = fields.filter(([, v]) => v === U32_SENTINEL);
  if (wanted.length === 0) return fields.map(([, v]) => v);
  const what = wanted.map(([n]) => n).join(", ");
  const extra = findExtra(dv, extraStart, extraLen, ZIP64_EXTRA, bad);
  if (!extra) bad(`a zip64 extra field holding its ${what} (0xFFFFFFFF in the header)`, "none");
  if (extra.length < 8 * wanted.length) bad(`a zip64 extra field of at least ${8 * wanted.length} bytes (its ${what})`, `${extra.length} bytes`);
  let p = extra.start;
  return fields.map(([n, v]) => {
    if (v !== U32_SENTINEL) return v;
    const value = readU64(dv, p, () => bad(`a ${n} below 2^53 in the zip64 extra field`, "a larger value"));
    p += 8;
    return value;
  });
}

/** Finds an extra field by header id within [start, start + len): its data's offset and length, or null. */
function findExtra(dv: DataView, start: number, len: number, id: number, bad: (expected: string, found: string) => never): { start: number; length: number } | null {
  const end = start + len;
  // fields are (id u16, size u16, data); fewer than 4 bytes left over is padding (as Python reads it)
  for (let p = start; p + 4 <= end;) {
    const fieldId = dv.getUint16(p, true), size = dv.getUint16(p + 2, true);
    if (p + 4 + size > end) bad(`extra field 0x${fieldId.toString(16).padStart(4, "0")} within its ${len}-byte extra area`, `${size} bytes declared, ${end - p - 4} left`);
    if (fieldId === id) return { start: p + 4, length: size };
    p += 4 + size;
  }
  return null;
}

/** A little-endian 64-bit unsigned integer as a number; `tooLarge` for values past 2^53 - 1. */
function readU64(dv: DataView, at: number, tooLarge: () => never): number {
  const lo = dv.getUint32(at, true), hi = dv.getUint32(at + 4, true);
  if (hi > 0x1fffff) tooLarge();
  return hi * 2 ** 32 + lo;
}

const utf8 = new TextDecoder("utf-8");

function decodeName(raw: Uint8Array, flags: number): string {
  if (flags & 0x800) return utf8.decode(raw);
  let s = "";
  for (const b of raw) s += String.fromCharCode(b);
  return s;
}
