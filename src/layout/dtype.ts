/** Element types a probability volume can be stored in. float16 is kept as raw Uint16 bits. */
export type DType = "uint8" | "int8" | "int16" | "uint16" | "int32" | "uint32" | "float16" | "float32" | "float64";

export type RawArray = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = {
  uint8: 1, int8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float16: 2, float32: 4, float64: 8,
};

export function isIntegerDType(d: DType): boolean {
  return d !== "float16" && d !== "float32" && d !== "float64";
}

/** The typed array that holds each element type (float16 as raw Uint16 bits). */
export const ARRAY_TYPE: Readonly<Record<DType, new (buffer: ArrayBufferLike, byteOffset: number, length: number) => RawArray>> = {
  uint8: Uint8Array, int8: Int8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array,
  uint32: Uint32Array, float16: Uint16Array, float32: Float32Array, float64: Float64Array,
};

/** A typed view of `count` elements at `byteOffset` of `buffer`; copies only when misaligned. */
export function typedView(dtype: DType, buffer: ArrayBufferLike, byteOffset: number, count: number): RawArray {
  const size = BYTES_PER_ELEMENT[dtype];
  if (byteOffset % size !== 0) {
    const copy = new Uint8Array(count * size);
    copy.set(new Uint8Array(buffer, byteOffset, count * size));
    return typedView(dtype, copy.buffer, 0, count);
  }
  return new ARRAY_TYPE[dtype](buffer, byteOffset, count);
}

/** Reverses the byte order of every element in place (big-endian files on little-endian hosts). */
export function swapBytesInPlace(bytes: Uint8Array, elementSize: number): void {
  if (elementSize === 1) return;
  const n = bytes.length - (bytes.length % elementSize);
  for (let i = 0; i < n; i += elementSize) {
    for (let a = i, b = i + elementSize - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

// float16 -> float32 through a 64 Ki-entry table: exact (every half is representable in f32).
let halfTable: Float32Array | undefined;
export function float16Table(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    let v: number;
    if (exp === 0) v = frac * 2 ** -24;
    else if (exp === 31) v = frac === 0 ? Infinity : NaN;
    else v = (1 + frac / 1024) * 2 ** (exp - 15);
    t[h] = sign * v;
  }
  halfTable = t;
  return t;
}
