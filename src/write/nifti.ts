/**
 * Our NIfTI-1 float32 writer. It copies the reference image's geometry field by field (qform and
 * sform codes, quaternion, offsets, srow, units), so the map overlays the image in any viewer.
 */
import type { Geometry } from "../read/nifti.js";

export interface NiftiWriteOptions {
  /** Display range hints for viewers. */
  calMin?: number;
  calMax?: number;
  /** Up to 79 ASCII characters. */
  description?: string;
  intentName?: string;
}

const HEADER = 352; // 348 + 4 bytes of "no extensions"

/** Encodes an F-order float32 map on `geometry.dims` as an uncompressed .nii. */
export function encodeNifti1Float32(map: Float32Array, geometry: Geometry, options: NiftiWriteOptions = {}): Uint8Array {
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
  return [encodeNifti1Header(map.length, geometry, options), new Uint8Array(map.buffer, map.byteOffset, map.byteLength)];
}

/** The 352 header bytes (348 + an empty extension flag) of a float32 NIfTI-1 of `voxels` voxels. */
export function encodeNifti1Header(voxels: number, geometry: Geometry, options: NiftiWriteOptions = {}): Uint8Array {
  const [nx, ny, nz] = geometry.dims as [number, number, number];
  if (voxels !== nx * ny * nz) throw new Error(`map has ${voxels} voxels, geometry ${nx}x${ny}x${nz}`);
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

function writeAscii(out: Uint8Array, offset: number, size: number, text: string): void {
  for (let i = 0; i < Math.min(text.length, size - 1); i++) out[offset + i] = text.charCodeAt(i) & 0x7f;
}
