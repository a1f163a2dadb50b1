/** Numbers shared with assembly/entropy.ts. Keep in step with that file. */
export const KIND_CODE = { softmax: 0, logits: 1, sigmoid: 2, tissue: 3 } as const;

/** Byte layout of the statistics block written by statsWrite(). */
export const STATS_BYTES = 48;
export const STATS = { total: 0, nZeroSum: 8, nNaN: 12, minValue: 16, maxValue: 20, minSum: 24, maxSum: 28, maxEntropy: 32 } as const;

/** The exports of the compiled module (all pointers are unsigned byte offsets). */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  statsReset(): void;
  statsWrite(dst: number): void;
  entropyPlanar(kind: number, src: number, classes: number, n: number, classStride: number, out: number, unitScale: number): void;
  deinterleave(src: number, classes: number, n: number, dst: number): void;
  labelsPlanar(kind: number, src: number, classes: number, n: number, classStride: number, out: number, regionLabels: number): void;
  sumF32(src: number, n: number): number;
}
