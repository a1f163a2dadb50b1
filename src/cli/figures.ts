import type { Analysis, References } from "../analyze.js";
export interface ImageSlice { data: ArrayLike<number>; shape: number[] }
export function renderFigures(_a: Analysis, _r: References, _i?: ImageSlice): { files: Map<string, Uint8Array>; orientation: string } {
  return { files: new Map(), orientation: "" };
}
