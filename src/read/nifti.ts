/**
 * NIfTI-1 and NIfTI-2 (.nii; .nii.gz once inflated) through nifti-reader-js, plus what it leaves
 * to the caller: byte-swapping big-endian voxels, scl_slope/scl_inter, the exact sform/qform
 * fields for writing, and checks that the data is as long as the header says.
 */
import { NIFTI1, NIFTI2, readHeader } from "nifti-reader-js";
import { fail } from "../errors.js";
import type { DType, RawArray } from "../layout/dtype.js";
import { BYTES_PER_ELEMENT, swapBytesInPlace, typedView } from "../layout/dtype.js";
import type { Scaling } from "../layout/volume.js";
import { product } from "../layout/strides.js";
import { byteCount } from "./npy.js";
import { requireBytes } from "./args.js";

/** The spatial header fields a written map copies from its reference image. */
export interface Geometry {
  /** Spatial grid (i, j, k). */
  dims: number[];
  /** pixdim[0..7] (pixdim[0] is qfac). */
  pixdim: number[];
  qformCode: number;
  sformCode: number;
  /** quatern_b, quatern_c, quatern_d. */
  quatern: [number, number, number];
  /** qoffset_x, qoffset_y, qoffset_z. */
  qoffset: [number, number, number];
  /** srow_x, srow_y, srow_z (12 numbers). */
  srow: number[];
  xyztUnits: number;
  /** The voxel-to-world affine a reader such as nibabel uses (sform, else qform, else pixdim), row-major 4x4. */
  affine: number[][];
  /** The qform's affine when the qform code is set, even when the sform is the one used: readers
   *  differ in which they prefer (ITK, hence nnU-Net's SimpleITK output, may take the qform). */
  qformAffine?: number[][];
  /** The qform as nibabel reads it, when that differs from the nifti1_io reading above: for
   *  rotations within about 0.05 degrees of 180, 1 - (b^2 + c^2 + d^2) is below nifti1_io's 1e-7
   *  cut, where it takes a = 0 and nibabel takes a = sqrt of it. */
  qformAffineAlt?: number[][];
}

export interface NiftiImage {
  name: string;
  version: 1 | 2;
  /** dim[1..dim[0]]. */
  dims: number[];
  dtype: DType;
  /** Voxel data in native byte order, F order over `dims`. */
  data: RawArray;
  scale: Scaling | undefined;
  intentCode: number;
  geometry: Geometry;
  littleEndian: boolean;
}

const NIFTI_DTYPE: Record<number, DType> = {
  2: "uint8", 4: "int16", 8: "int32", 16: "float32", 64: "float64", 256: "int8", 512: "uint16", 768: "uint32",
};
const DTYPE_NAMES: Record<number, string> = {
  1: "binary", 32: "complex64", 128: "RGB24", 1024: "int64", 1280: "uint64", 1536: "float128", 1792: "complex128", 2048: "complex256", 2304: "RGBA32",
};

/** NIfTI-1 (348) or NIfTI-2 (540) by the sizeof_hdr field, in either byte order. */
export function niftiVersion(bytes: Uint8Array): 1 | 2 | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length < 4) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 4);
  for (const le of [true, false]) {
    const n = dv.getInt32(0, le);
    if (n === 348) return 1;
    if (n === 540) return 2;
  }
  return undefined;
}

/** Parses an uncompressed NIfTI file. The returned data views `bytes` (swapped in place if big-endian). */
export function parseNifti(bytes: Uint8Array, name: string): NiftiImage {
  requireBytes(bytes, name, "parseNifti");
  const version = niftiVersion(bytes);
  if (!version) {
    const gz = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
    fail({
      file: name, field: "sizeof_hdr", expected: "348 (NIfTI-1) or 540 (NIfTI-2)",
      found: bytes.length < 4 ? `${bytes.length} bytes of file` : gz ? "gzip-compressed bytes (a .nii.gz)" : "another value (not a NIfTI file)",
      ...(gz ? { hint: "parseNifti reads uncompressed bytes: inflate them first (inflateIfGzip), or use readNiftiFile / readNiftiFrom" } : {}),
    });
  }
  const hdrSize = version === 1 ? 348 : 540;
  if (bytes.length < hdrSize) fail({ file: name, field: "header", expected: `${hdrSize} bytes`, found: `${bytes.length} bytes (truncated)` });
  const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.slice(0, Math.min(bytes.length, 1 << 20)).buffer;
  // a .hdr/.img pair's header is refused by nifti-reader-js with a message naming no field: say what it is
  const magicAt = version === 1 ? 344 : 4;
  const rawMagic = String.fromCharCode(...bytes.subarray(magicAt, magicAt + 3));
  if (rawMagic === "ni1" || rawMagic === "ni2") fail({ file: name, field: "magic", expected: "'n+1' or 'n+2' (single-file .nii)", found: `'${rawMagic}' (the header of a .hdr/.img pair)`, hint: "convert it to .nii, e.g. python3 -c \"import nibabel as nib; nib.save(nib.load('x.hdr'), 'x.nii')\"" });
  let h: NIFTI1 | NIFTI2;
  try {
    h = readHeader(buffer);
  } catch (err) {
    fail({ file: name, field: "header", expected: "a readable NIfTI header", found: `an unreadable one (${err instanceof Error ? err.message : String(err)})` }, err);
  }
  const magic = String(h.magic ?? "").replace(/\0/g, "");
  if (magic === "ni1" || magic === "ni2") fail({ file: name, field: "magic", expected: "'n+1' or 'n+2' (single-file .nii)", found: `'${magic}' (a .hdr/.img pair)`, hint: "convert it to .nii, e.g. with nibabel" });
  // dims and vox_offset from our own reading: nifti-reader-js gets negative NIfTI-2 int64 values wrong
  const f = layoutFields(bytes)!;
  const ndim = f.ndim;
  if (!(ndim >= 1 && ndim <= 7)) fail({ file: name, field: "dim[0]", expected: "1 to 7", found: `${ndim}` });
  const dims = f.dims.slice(0, ndim);
  if (!dims.every((d) => Number.isInteger(d) && d >= 1)) fail({ file: name, field: "dim", expected: "positive sizes", found: `[${dims.join(", ")}]` });
  const dtype = NIFTI_DTYPE[h.datatypeCode];
  if (!dtype) {
    fail({ file: name, field: "datatype", expected: "uint8, int8, int16, uint16, int32, uint32, float32 or float64", found: `${DTYPE_NAMES[h.datatypeCode] ?? "code " + h.datatypeCode}` });
  }
  const size = BYTES_PER_ELEMENT[dtype];
  if (h.numBitsPerVoxel !== size * 8) fail({ file: name, field: "bitpix", expected: `${size * 8} for ${dtype}`, found: `${h.numBitsPerVoxel}` });
  const voxOffset = f.voxOffset;
  if (!(Number.isFinite(voxOffset) && voxOffset >= hdrSize)) fail({ file: name, field: "vox_offset", expected: `>= ${hdrSize}`, found: `${voxOffset}` });
  const count = product(dims);
  const need = count * size;
  const have = bytes.length - voxOffset;
  if (have < need) {
    fail({ file: name, field: "data", expected: `${byteCount(dims, size)} bytes for dims [${dims.join(", ")}] of ${dtype} after vox_offset ${voxOffset}`, found: `${Math.max(0, have)} bytes (the file is truncated)` });
  }
  const raw = bytes.subarray(voxOffset, voxOffset + need);
  if (!h.littleEndian) swapBytesInPlace(raw, size);
  const data = typedView(dtype, raw.buffer, raw.byteOffset, count);
  const slope = h.scl_slope;
  // NIfTI: a slope of 0 (or a non-finite one) means the stored values are used as they are
  const scale = Number.isFinite(slope) && slope !== 0 ? { slope, inter: Number.isFinite(h.scl_inter) ? h.scl_inter : 0 } : undefined;
  return {
    name, version, dims, dtype, data,
    scale: scale && (scale.slope !== 1 || scale.inter !== 0) ? scale : undefined,
    intentCode: h.intent_code, geometry: readGeometry(bytes, version, h, dims), littleEndian: h.littleEndian,
  };
}

/** The header fields that say where the data starts and how large it is. */
interface LayoutFields {
  version: 1 | 2;
  littleEndian: boolean;
  /** dim[0]. */
  ndim: number;
  /** dim[1..7]. */
  dims: number[];
  bitpix: number;
  voxOffset: number;
}

/**
 * Reads dim, bitpix and vox_offset ourselves, in the byte order sizeof_hdr gives: nifti-reader-js
 * reads NIfTI-2's int64 fields with a wrong sign extension (a dim of -65 came out as
 * -18446744073709552000). Undefined when `bytes` holds no complete NIfTI header.
 */
function layoutFields(bytes: Uint8Array): LayoutFields | undefined {
  const version = niftiVersion(bytes);
  const hdrSize = version === 1 ? 348 : 540;
  if (!version || bytes.length < hdrSize) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, hdrSize);
  const le = dv.getInt32(0, true) === hdrSize;
  const seven = (at: (i: number) => number) => Array.from({ length: 7 }, (_, i) => at(i + 1));
  if (version === 1) {
    const dim = (i: number) => dv.getInt16(40 + 2 * i, le);
    return { version, littleEndian: le, ndim: dim(0), dims: seven(dim), bitpix: dv.getInt16(72, le), voxOffset: dv.getFloat32(108, le) };
  }
  const int64 = (at: number) => Number(dv.getBigInt64(at, le));
  const dim = (i: number) => int64(16 + 8 * i);
  return { version, littleEndian: le, ndim: dim(0), dims: seven(dim), bitpix: dv.getInt16(14, le), voxOffset: int64(168) };
}

/**
 * The size of the file a NIfTI header describes, vox_offset + product(dims) x bitpix / 8, from its
 * header alone (the inflated start of a .nii.gz): what the whole should inflate to. Undefined when
 * the header is not one parseNifti would read (parseNifti then says what is wrong).
 */
export function niftiDescribedSize(head: Uint8Array): { bytes: number; what: string } | undefined {
  const f = layoutFields(head);
  if (!f || !(f.ndim >= 1 && f.ndim <= 7)) return undefined;
  const dims = f.dims.slice(0, f.ndim);
  const voxOffset = Math.ceil(f.voxOffset);
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 1) || !(f.bitpix >= 8 && f.bitpix % 8 === 0)) return undefined;
  if (!(Number.isSafeInteger(voxOffset) && voxOffset >= (f.version === 1 ? 348 : 540))) return undefined;
  const bytes = voxOffset + product(dims) * (f.bitpix / 8);
  if (!Number.isSafeInteger(bytes)) return undefined;
  return { bytes, what: `its NIfTI-${f.version} header: vox_offset ${voxOffset} + dims [${dims.join(", ")}] x ${f.bitpix / 8} bytes` };
}

function readGeometry(bytes: Uint8Array, version: 1 | 2, h: NIFTI1 | NIFTI2, dims: number[]): Geometry {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, version === 1 ? 348 : 540);
  const le = h.littleEndian;
  const f = version === 1 ? (o: number) => dv.getFloat32(o, le) : (o: number) => dv.getFloat64(o, le);
  const o = version === 1
    ? { pixdim: 76, quatern: 256, qoffset: 268, srow: 280, step: 4, qform: 252, sform: 254, units: 123 }
    : { pixdim: 104, quatern: 352, qoffset: 376, srow: 400, step: 8, qform: 344, sform: 348, units: 500 };
  const pixdim = Array.from({ length: 8 }, (_, i) => f(o.pixdim + i * o.step));
  const qformCode = version === 1 ? dv.getInt16(o.qform, le) : dv.getInt32(o.qform, le);
  const sformCode = version === 1 ? dv.getInt16(o.sform, le) : dv.getInt32(o.sform, le);
  const quatern: [number, number, number] = [f(o.quatern), f(o.quatern + o.step), f(o.quatern + 2 * o.step)];
  const qoffset: [number, number, number] = [f(o.qoffset), f(o.qoffset + o.step), f(o.qoffset + 2 * o.step)];
  const srow = Array.from({ length: 12 }, (_, i) => f(o.srow + i * o.step));
  const xyztUnits = version === 1 ? dv.getUint8(o.units) : dv.getInt32(o.units, le);
  const spatial = [dims[0] ?? 1, dims[1] ?? 1, dims[2] ?? 1];
  let affine: number[][];
  const qfac = pixdim[0]! < 0 ? -1 : 1;
  const qformAffine = qformCode > 0
    ? h.convertNiftiQFormToNiftiSForm(quatern[0], quatern[1], quatern[2], qoffset[0], qoffset[1], qoffset[2], pixdim[1]!, pixdim[2]!, pixdim[3]!, qfac).map((r) => r.map(Number))
    : undefined;
  const w2 = 1 - (quatern[0] ** 2 + quatern[1] ** 2 + quatern[2] ** 2);
  const qformAffineAlt = qformCode > 0 && w2 > 0 && w2 < 1e-7 ? quaternionAffine(Math.sqrt(w2), quatern, qoffset, [pixdim[1]!, pixdim[2]!, qfac * pixdim[3]!]) : undefined;
  if (sformCode > 0) affine = [srow.slice(0, 4), srow.slice(4, 8), srow.slice(8, 12), [0, 0, 0, 1]];
  else if (qformAffine) affine = qformAffine;
  else {
    // nibabel's fallback for files without a transform: voxel size only, centred grid
    const d = [pixdim[1] || 1, pixdim[2] || 1, pixdim[3] || 1];
    affine = [[-d[0]!, 0, 0, ((spatial[0]! - 1) / 2) * d[0]!], [0, d[1]!, 0, -((spatial[1]! - 1) / 2) * d[1]!], [0, 0, d[2]!, -((spatial[2]! - 1) / 2) * d[2]!], [0, 0, 0, 1]];
  }
  return { dims: spatial, pixdim, qformCode, sformCode, quatern, qoffset, srow, xyztUnits, affine: affine.map((r) => r.map(Number)), ...(qformAffine ? { qformAffine } : {}), ...(qformAffineAlt ? { qformAffineAlt } : {}) };
}

/** The qform affine for quaternion (a, b, c, d) without renormalising (b, c, d), as nibabel builds
 *  it; `z` are the column zooms (qfac applied to the third). */
function quaternionAffine(a: number, [b, c, d]: readonly number[], offset: readonly number[], z: readonly number[]): number[][] {
  const R = [
    [a * a + b! * b! - c! * c! - d! * d!, 2 * (b! * c! - a * d!), 2 * (b! * d! + a * c!)],
    [2 * (b! * c! + a * d!), a * a + c! * c! - b! * b! - d! * d!, 2 * (c! * d! - a * b!)],
    [2 * (b! * d! - a * c!), 2 * (c! * d! + a * b!), a * a + d! * d! - c! * c! - b! * b!],
  ];
  return [0, 1, 2].map((r) => [R[r]![0]! * z[0]!, R[r]![1]! * z[1]!, R[r]![2]! * z[2]!, offset[r]!]).concat([[0, 0, 0, 1]]);
}

/** A geometry for maps with no reference image: 1 mm voxels, no transform codes. */
export function defaultGeometry(dims: number[]): Geometry {
  const spatial = [dims[0] ?? 1, dims[1] ?? 1, dims[2] ?? 1];
  return {
    dims: spatial, pixdim: [1, 1, 1, 1, 0, 0, 0, 0], qformCode: 0, sformCode: 0, quatern: [0, 0, 0], qoffset: [0, 0, 0],
    srow: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0], xyztUnits: 2,
    affine: [[-1, 0, 0, (spatial[0]! - 1) / 2], [0, 1, 0, -(spatial[1]! - 1) / 2], [0, 0, 1, -(spatial[2]! - 1) / 2], [0, 0, 0, 1]],
  };
}
