/** Numbers shared with assembly/entropy.ts. Keep in step with that file. */
export const KIND_CODE = { softmax: 0, logits: 1, sigmoid: 2, tissue: 3 } as const;

/** Stored element types the kernels decode themselves (softmax kind), and their codes. */
export const DTYPE_CODE = { float32: 0, float64: 1, float16: 2, uint8: 3, uint16: 4 } as const;
export type NativeDType = keyof typeof DTYPE_CODE;
export const NATIVE_BYTES: Readonly<Record<NativeDType, number>> = { float32: 4, float64: 8, float16: 2, uint8: 1, uint16: 2 };

/** Byte layout of the statistics block written by statsWrite(). */
export const STATS_BYTES = 48;
export const STATS = { total: 0, nZeroSum: 8, nNaN: 12, minValue: 16, maxValue: 20, minSum: 24, maxSum: 28, maxEntropy: 32 } as const;

/** The exports of the compiled module (all pointers are unsigned byte offsets). */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  relaxed(): number;
  statsReset(): void;
  statsWrite(dst: number): void;
  entropyPlanar(kind: number, dtype: number, src: number, classes: number, n: number, classStride: number, out: number, labels: number, unitScale: number, slope: number, inter: number): void;
  entropyInterleaved(kind: number, dtype: number, src: number, classes: number, n: number, out: number, labels: number, unitScale: number, slope: number, inter: number, scratch: number, block: number): void;
  deinterleave(src: number, classes: number, n: number, dst: number, stride: number): void;
  labelsPlanar(kind: number, src: number, classes: number, n: number, classStride: number, out: number, regionLabels: number): void;
  decodeF32(dtype: number, src: number, n: number, dst: number, slope: number, inter: number): void;
  sumF32(src: number, n: number): number;
  rangeF64(src: number, planes: number, n: number, strideBytes: number, dst: number): void;
}
