/**
 * Our own .npy parser (v1, v2, v3 headers; C and Fortran order; little and big endian; f2, f4,
 * f8 and the integer types). Public parsers reject Fortran order, big endian or float16.
 */
import { fail } from "../errors.js";
import type { DType, RawArray } from "../layout/dtype.js";
import { BYTES_PER_ELEMENT, swapBytesInPlace, typedView } from "../layout/dtype.js";
import { product, stridesFor } from "../layout/strides.js";

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
  return bytes.length >= 6 && MAGIC.every((b, i) => bytes[i] === b);
}

/** Parses .npy bytes. The data is a view of `bytes` (byte-swapped in place when big-endian). */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
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
  if (start + headerLen > bytes.length) fail({ file: name, field: "header length", expected: `<= ${bytes.length - start} bytes`, found: `${headerLen}` });
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(start, start + headerLen));

  const descrM = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header);
  const orderM = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descrM) fail({ file: name, field: "descr", expected: "a simple dtype such as '<f4'", found: header.includes("descr") ? "a structured or object dtype" : "no descr" });
  if (!orderM) fail({ file: name, field: "fortran_order", expected: "True or False", found: "missing" });
  if (!shapeM) fail({ file: name, field: "shape", expected: "a tuple of integers", found: "missing" });
  const descr = descrM[1]!;
  const endian = descr[0]!;
  const code = /^[<>|=]/.test(descr) ? descr.slice(1) : descr;
  const dtype = DESCR[code];
  if (!dtype) fail({ file: name, field: "descr", expected: "one of <f2 <f4 <f8 |u1 |i1 <u2 <i2 <u4 <i4 (either byte order)", found: `'${descr}'` });
  const parts = shapeM[1]!.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  if (!parts.every((s) => /^\d+$/.test(s))) fail({ file: name, field: "shape", expected: "non-negative integers", found: `(${shapeM[1]})` });
  const shape = parts.map(Number);
  const order = orderM[1] === "True" ? "F" : "C";
  const count = product(shape);
  const size = BYTES_PER_ELEMENT[dtype];
  const dataStart = start + headerLen;
  const need = count * size;
  if (bytes.length - dataStart < need) {
    fail({ file: name, field: "data", expected: `${need} bytes for shape (${shape.join(", ")}) of ${descr}`, found: `${bytes.length - dataStart} bytes (truncated)` });
  }
  const raw = bytes.subarray(dataStart, dataStart + need);
  if (endian === ">" && size > 1) swapBytesInPlace(raw, size);
  const data = typedView(dtype, raw.buffer, raw.byteOffset, count);
  return { dtype, shape, order, strides: stridesFor(shape, order), data, descr };
}

function hexStart(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join(" ") || "an empty file";
}
