/** .npy writer: little-endian float32, C order, version 1.0 header padded to 64 bytes. */
import { describeValue, fail } from "../errors.js";

export function encodeNpyFloat32(data: Float32Array, shape: readonly number[]): Uint8Array {
  // exported: a header whose shape does not describe the data is a file numpy misreads or refuses
  if (!(data instanceof Float32Array)) fail({ file: "arguments", field: "data", expected: "a Float32Array", found: describeValue(data) });
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail({ file: "arguments", field: "shape", expected: "a list of integers >= 0", found: Array.isArray(shape) ? `[${shape.map((d) => JSON.stringify(d) ?? String(d)).join(", ")}]` : describeValue(shape) });
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) fail({ file: "arguments", field: "shape", expected: `a shape of the data's ${data.length} elements`, found: `(${shape.join(", ")}) (${count} elements)` });
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + data.length * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  new Float32Array(out.buffer, 10 + header.length, data.length).set(data);
  return out;
}
