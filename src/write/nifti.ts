/**
 * Our NIfTI-1 float32 writer. It copies the reference image's geometry field by field (qform and
 * sform codes, quaternion, offsets, srow, units), so the map overlays the image in any viewer.
 */
import type { Geometry } from "../read/nifti.js";
import { describeValue, fail, refuseUnknownKeys } from "../errors.js";

export interface NiftiWriteOptions {
  /** Display range hints for viewers. */
  calMin?: number;
  calMax?: number;
  /** Up to 79 ASCII characters. */
  description?: string;
  intentName?: string;
}

const HEADER = 352; // 348 + 4 bytes of "no extensions"

/** The keys of NiftiWriteOptions: a misspelt one ({ descripton }) would be dropped without a word. */
export const NIFTI_WRITE_OPTION_KEYS: readonly string[] = ["calMin", "calMax", "description", "intentName"] satisfies readonly (keyof NiftiWriteOptions)[];

/** Encodes an F-order float32 map on `geometry.dims` as an uncompressed .nii. */
export function encodeNifti1Float32(map: Float32Array, geometry: Geometry, options: NiftiWriteOptions = {}): Uint8Array {
  checkMap(map);
  const out = new Uint8Array(HEADER + map.length * 4);
  out.set(encodeNifti1Header(map.length, geometry, options));
  new Float32Array(out.buffer, HEADER, map.length).set(map); // little-endian hosts (all supported)
  return out;
}

/**
 * The same file as two pieces, header and voxel bytes, without copying the map (writers and
 * compressors that take pieces avoid a second full-size buffer).
 */
export function nifti1Float32Parts(map: Float32Array, geometry: Geometry, options: NiftiWriteOptions = {}): Uint8Array[] {
  checkMap(map);
  return [encodeNifti1Header(map.length, geometry, options), new Uint8Array(map.buffer, map.byteOffset, map.byteLength)];
}

/** The 352 header bytes (348 + an empty extension flag) of a float32 NIfTI-1 of `voxels` voxels. */
export function encodeNifti1Header(voxels: number, geometry: Geometry, options: NiftiWriteOptions = {}): Uint8Array {
  const [nx, ny, nz] = checkGeometry(geometry, options);
  if (voxels !== nx * ny * nz) {
    fail({ file: "arguments", field: "geometry.dims", expected: `a grid of the map's ${voxels} voxels`, found: `[${geometry.dims.join(", ")}] (${nx * ny * nz} voxels)`, hint: "pass the geometry of the analysis the map came from (analysis.geometry)" });
  }
  const out = new Uint8Array(HEADER);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, 348, true);
  dv.setInt8(39, 0); // dim_info
  const dim = [3, nx, ny, nz, 1, 1, 1, 1];
  dim.forEach((d, i) => dv.setInt16(40 + 2 * i, d, true));
  dv.setInt16(68, 0, true); // intent_code: none
  dv.setInt16(70, 16, true); // datatype FLOAT32
  dv.setInt16(72, 32, true); // bitpix
  const pix = geometry.pixdim;
  const qfac = pix[0] === -1 ? -1 : 1;
  [qfac, pix[1] ?? 1, pix[2] ?? 1, pix[3] ?? 1, 0, 0, 0, 0].forEach((p, i) => dv.setFloat32(76 + 4 * i, p, true));
  dv.setFloat32(108, HEADER, true); // vox_offset
  dv.setFloat32(112, 1, true); // scl_slope
  dv.setFloat32(116, 0, true); // scl_inter
  dv.setUint8(123, geometry.xyztUnits & 0xff);
  dv.setFloat32(124, options.calMax ?? 0, true);
  dv.setFloat32(128, options.calMin ?? 0, true);
  writeAscii(out, 148, 80, options.description ?? "segentropy entropy map");
  dv.setInt16(252, geometry.qformCode, true);
  dv.setInt16(254, geometry.sformCode, true);
  geometry.quatern.forEach((q, i) => dv.setFloat32(256 + 4 * i, q, true));
  geometry.qoffset.forEach((q, i) => dv.setFloat32(268 + 4 * i, q, true));
  geometry.srow.forEach((s, i) => dv.setFloat32(280 + 4 * i, s, true));
  writeAscii(out, 328, 16, options.intentName ?? "");
  out.set([0x6e, 0x2b, 0x31, 0x00], 344); // "n+1\0"
  // bytes 348..351 stay 0: no extensions
  return out;
}

function checkMap(map: Float32Array): void {
  if (!(map instanceof Float32Array)) fail({ file: "arguments", field: "map", expected: "a Float32Array entropy map", found: describeValue(map) });
}

/**
 * The exported writers take JavaScript callers' geometries: each field the header needs, named when
 * missing or of the wrong type, instead of a TypeError or a header with wrapped sizes in it. Values
 * are not judged (a reference image's NaN srow under sform code 0 is copied as it was read).
 * Returns the grid as three sizes (a 1-D or 2-D grid padded with 1).
 */
function checkGeometry(geometry: Geometry, options: NiftiWriteOptions): [number, number, number] {
  if (typeof geometry !== "object" || geometry === null) fail({ file: "arguments", field: "geometry", expected: "a Geometry (analysis.geometry, or a NiftiImage's geometry)", found: describeValue(geometry) });
  const g = geometry as Partial<Geometry>;
  const list = (x: unknown): string => Array.isArray(x) ? `[${x.map((v) => JSON.stringify(v) ?? String(v)).join(", ")}]` : describeValue(x);
  // NIfTI-1 dims are int16: larger grids need NIfTI-2, which this writer does not write
  if (!Array.isArray(g.dims) || g.dims.length < 1 || g.dims.length > 3 || !g.dims.every((d) => Number.isSafeInteger(d) && d >= 1 && d <= 32767)) {
    fail({ file: "arguments", field: "geometry.dims", expected: "1 to 3 grid sizes (i, j, k), integers from 1 to 32767 (NIfTI-1)", found: list(g.dims) });
  }
  for (const [field, n] of [["pixdim", 1], ["quatern", 3], ["qoffset", 3], ["srow", 12]] as const) {
    const x: unknown = g[field];
    if (!Array.isArray(x) || x.length < n || !x.every((v) => typeof v === "number")) fail({ file: "arguments", field: `geometry.${field}`, expected: `at least ${n} numbers`, found: list(x) });
  }
  for (const field of ["qformCode", "sformCode", "xyztUnits"] as const) {
    if (!Number.isSafeInteger(g[field])) fail({ file: "arguments", field: `geometry.${field}`, expected: "an integer", found: String(g[field]) });
  }
  if (typeof options !== "object" || options === null) fail({ file: "arguments", field: "options", expected: "NiftiWriteOptions (or nothing)", found: describeValue(options) });
  refuseUnknownKeys(options, NIFTI_WRITE_OPTION_KEYS, "options");
  const [nx = 1, ny = 1, nz = 1] = g.dims;
  return [nx, ny, nz];
}

function writeAscii(out: Uint8Array, offset: number, size: number, text: string): void {
  for (let i = 0; i < Math.min(text.length, size - 1); i++) out[offset + i] = text.charCodeAt(i) & 0x7f;
}
