/**
 * Our own .npy parser (v1, v2, v3 headers; C and Fortran order; little and big endian; f2, f4,
 * f8 and the integer types). Public parsers reject Fortran order, big endian or float16.
 */
import { fail } from "../errors.js";
import type { DType, RawArray } from "../layout/dtype.js";
import { BYTES_PER_ELEMENT, swapBytesInPlace, typedView } from "../layout/dtype.js";
import { product, stridesFor } from "../layout/strides.js";
import { requireBytes } from "./args.js";

export interface NpyArray {
  dtype: DType;
  shape: number[];
  order: "C" | "F";
  /** Element strides implied by shape and order. */
  strides: number[];
  data: RawArray;
  /** The descr string as stored, e.g. "<f4". */
  descr: string;
}

const DESCR: Record<string, DType> = {
  f2: "float16", f4: "float32", f8: "float64",
  u1: "uint8", i1: "int8", u2: "uint16", i2: "int16", u4: "uint32", i4: "int32", b1: "uint8",
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function isNpy(bytes: Uint8Array): boolean {
  return bytes instanceof Uint8Array && bytes.length >= 6 && MAGIC.every((b, i) => bytes[i] === b);
}

/** An .npy header: the array's description and where its data starts. */
export interface NpyHeader {
  dtype: DType;
  shape: number[];
  order: "C" | "F";
  strides: number[];
  descr: string;
  littleEndian: boolean;
  /** Byte offset of the data in the file. */
  dataOffset: number;
  /** Bytes of data the shape and dtype call for. */
  dataBytes: number;
}

/**
 * Parses the header of an .npy file from its first bytes (at least the header; the data need not
 * be there). `fileSize`, when given, is checked against the data the header calls for.
 */
export function parseNpyHeader(bytes: Uint8Array, name: string, fileSize = bytes.length): NpyHeader {
  if (!isNpy(bytes)) fail({ file: name, field: "magic", expected: "\\x93NUMPY (an .npy file)", found: hexStart(bytes) });
  if (bytes.length < 10) fail({ file: name, field: "header", expected: "at least 10 bytes", found: `${bytes.length} bytes` });
  const major = bytes[6]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) { headerLen = dv.getUint16(8, true); start = 10; }
  else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail({ file: name, field: "header", expected: "at least 12 bytes", found: `${bytes.length} bytes` });
    headerLen = dv.getUint32(8, true); start = 12;
  } else fail({ file: name, field: "version", expected: "1.0, 2.0 or 3.0", found: `${major}.${bytes[7]}` });
  const have = Math.min(bytes.length, fileSize) - start;
  if (headerLen > have) {
    fail({ file: name, field: "header", expected: `${headerLen} bytes of header (its length field)`, found: `only ${have} bytes${fileSize <= bytes.length ? " (the file is truncated)" : " read"}` });
  }
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(start, start + headerLen));

  // the keys first, as numpy checks them: exactly descr, fortran_order and shape
  checkHeaderKeys(header, name);
  // each field as Python's repr writes it; anything else is reported as found, quoted
  const descrM = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header);
  const orderM = /['"]fortran_order['"]\s*:\s*(True|False)\b/.exec(header);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descrM) {
    const structured = /['"]descr['"]\s*:\s*\[/.test(header);
    fail({ file: name, field: "descr", expected: "a simple dtype such as '<f4'", found: structured ? `a structured dtype, ${fieldText(header, "descr")}` : fieldText(header, "descr") });
  }
  if (!orderM) fail({ file: name, field: "fortran_order", expected: "True or False", found: fieldText(header, "fortran_order") });
  if (!shapeM) fail({ file: name, field: "shape", expected: "a tuple of integers", found: fieldText(header, "shape") });
  const descr = descrM[1]!;
  const endian = descr[0]!;
  const code = /^[<>|=]/.test(descr) ? descr.slice(1) : descr;
  const dtype = DESCR[code];
  if (!dtype) {
    const wide = /^[iu]8$/.test(code);
    fail({
      file: name, field: "descr", expected: "one of <f2 <f4 <f8 |u1 |i1 <u2 <i2 <u4 <i4 |b1 (either byte order)", found: `'${descr}'`,
      ...(wide ? { hint: "64-bit integers are not read: save the array as float32, or cast it with .astype(np.int32)" } : {}),
    });
  }
  // Python 2's numpy wrote long dims as 3L; numpy still reads them in 1.0 and 2.0 headers (_filter_header)
  const parts = shapeM[1]!.split(",").map((s) => s.trim()).filter((s) => s.length > 0).map((s) => (major <= 2 && /^\d+L$/.test(s) ? s.slice(0, -1) : s));
  if (!parts.every((s) => /^\d+$/.test(s))) fail({ file: name, field: "shape", expected: "non-negative integers", found: `(${shapeM[1]})` });
  const shape = parts.map(Number);
  const order = orderM[1] === "True" ? "F" : "C";
  const size = BYTES_PER_ELEMENT[dtype];
  const dataOffset = start + headerLen;
  const dataBytes = product(shape) * size;
  if (fileSize - dataOffset < dataBytes) {
    // the shape as written and the byte count as an exact integer: as floats they read 1.2676506002282294e+30
    const need = parts.reduce((a, s) => a * BigInt(s), BigInt(size));
    fail({ file: name, field: "data", expected: `${need} bytes for shape (${parts.join(", ")}) of ${descr}`, found: `${fileSize - dataOffset} bytes (truncated)` });
  }
  return { dtype, shape, order, strides: stridesFor(shape, order), descr, littleEndian: endian !== ">" || size === 1, dataOffset, dataBytes };
}

const HEADER_KEYS = ["descr", "fortran_order", "shape"];

/**
 * The header has to be a dict literal with exactly the keys descr, fortran_order and shape, each
 * once: numpy refuses other key sets ("Header does not contain the correct keys"). The dict is split
 * at its top-level commas (outside strings and brackets); each item has to start with a quoted key.
 * The values are checked by the caller.
 */
function checkHeaderKeys(header: string, name: string): void {
  const expected = `a dict with the keys ${HEADER_KEYS.map((k) => `'${k}'`).join(", ")} (as numpy requires)`;
  const text = header.trim();
  const notDict = (): never => fail({ file: name, field: "header", expected, found: `${quote(text)}, not such a dict` });
  if (!text.startsWith("{") || !text.endsWith("}")) notDict();
  const items: string[] = [];
  let depth = 0, q = "", from = 1;
  for (let i = 1; i < text.length - 1; i++) {
    const c = text[i]!;
    if (q) {
      if (c === "\\") i++;
      else if (c === q) q = "";
    } else if (c === "'" || c === '"') q = c;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) { if (--depth < 0) notDict(); }
    else if (c === "," && depth === 0) { items.push(text.slice(from, i)); from = i + 1; }
  }
  if (q || depth !== 0) notDict();
  items.push(text.slice(from, text.length - 1));
  const keys: string[] = [];
  items.forEach((item, i) => {
    if (item.trim() === "" && i === items.length - 1) return; // a trailing comma, or {}
    const m = /^\s*(['"])([^'"]*)\1\s*:/.exec(item);
    if (!m) return notDict();
    keys.push(m[2]!);
  });
  const sorted = [...keys].sort();
  if (sorted.length === HEADER_KEYS.length && sorted.every((k, i) => k === HEADER_KEYS[i])) return;
  const extra = [...new Set(keys.filter((k) => !HEADER_KEYS.includes(k)))];
  const missing = HEADER_KEYS.filter((k) => !keys.includes(k));
  const twice = [...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))];
  const what = [
    extra.length ? `unknown ${extra.length > 1 ? "keys" : "key"} ${extra.map((k) => `'${k}'`).join(", ")}` : "",
    missing.length ? `no ${missing.map((k) => `'${k}'`).join(", ")}` : "",
    twice.length ? `${twice.map((k) => `'${k}'`).join(", ")} more than once` : "",
  ].filter(Boolean).join("; ");
  fail({ file: name, field: "header", expected, found: `keys ${keys.length ? keys.map((k) => `'${k}'`).join(", ") : "none"} (${what})` });
}

/** What a header has for `key`, quoted in short: its value as written, or that the key is missing. */
function fieldText(header: string, key: string): string {
  const at = new RegExp(`['"]${key}['"]\\s*:\\s*`).exec(header);
  if (!at) return `no '${key}' key in the header ${quote(header)}`;
  const rest = header.slice(at.index + at[0].length);
  // up to the next key, or the end of the dict
  const end = rest.search(/,\s*['"]\w+['"]\s*:|,?\s*\}\s*$/);
  return quote(end >= 0 ? rest.slice(0, end) : rest);
}

/** Header text in double quotes (its own strings use single quotes), cut short when long. */
function quote(text: string, max = 60): string {
  const t = text.trim();
  return t.length > max ? `"${t.slice(0, max)}..."` : `"${t}"`;
}

/** An exact byte count, dims x size, as an integer however large (a float would print 8e+30). */
export function byteCount(dims: readonly number[], size: number): string {
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) return String(product(dims) * size);
  return dims.reduce((a, d) => a * BigInt(d), BigInt(size)).toString();
}

/** Parses .npy bytes. The data is a view of `bytes` (byte-swapped in place when big-endian). */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  requireBytes(bytes, name, "parseNpy");
  const h = parseNpyHeader(bytes, name);
  const raw = bytes.subarray(h.dataOffset, h.dataOffset + h.dataBytes);
  const size = BYTES_PER_ELEMENT[h.dtype];
  if (!h.littleEndian) swapBytesInPlace(raw, size);
  const data = typedView(h.dtype, raw.buffer, raw.byteOffset, h.dataBytes / size);
  return { dtype: h.dtype, shape: h.shape, order: h.order, strides: h.strides, data, descr: h.descr };
}

function hexStart(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join(" ") || "an empty file";
}
