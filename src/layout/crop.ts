/** nnU-Net v1 cropped grids: the probabilities cover only crop_bbox of the image grid. */
import { fail } from "../errors.js";

/** Half-open box in NIfTI voxel order: i in [i0, i1), j in [j0, j1), k in [k0, k1). */
export interface CropBox {
  start: [number, number, number];
  end: [number, number, number];
}

/**
 * Parses a crop box in nnU-Net's (z, y, x) order: "z0:z1,y0:y1,x0:x1" or [[z0,z1],[y0,y1],[x0,x1]]
 * (the crop_bbox of nnU-Net v1 properties), into NIfTI (i, j, k) order. `source` names where the
 * box came from in messages ("options" when a library caller gives none).
 */
export function parseCropBox(value: unknown, source?: string): CropBox {
  let zyx: number[][];
  if (typeof value === "string") zyx = value.split(",").map((p) => p.split(":").map((s) => Number(s.trim())));
  else zyx = value as number[][];
  const ok = Array.isArray(zyx) && zyx.length === 3 && zyx.every((r) => Array.isArray(r) && r.length === 2 && r.every((x) => Number.isInteger(x) && x >= 0) && r[1]! > r[0]!);
  if (!ok) fail({ file: typeof source === "string" && source ? source : "options", field: "crop_bbox", expected: "three increasing integer ranges in (z, y, x) order, e.g. 0:82,5:105,4:85", found: JSON.stringify(value) });
  const [z, y, x] = zyx as [number[], number[], number[]];
  return { start: [x[0]!, y[0]!, z[0]!], end: [x[1]!, y[1]!, z[1]!] };
}

export function cropDims(box: CropBox): number[] {
  return [0, 1, 2].map((d) => box.end[d]! - box.start[d]!);
}

/** Places a map of the crop into a zero-filled map of the full grid (outside: certain background). */
export function placeInGrid<T extends Float32Array | Int32Array>(map: T, box: CropBox, full: readonly number[]): T {
  const [cx, cy, cz] = cropDims(box) as [number, number, number];
  const [fx, fy] = full as [number, number, number];
  const out = new (map.constructor as new (n: number) => T)(full[0]! * full[1]! * full[2]!);
  for (let k = 0; k < cz; k++) {
    for (let j = 0; j < cy; j++) {
      const src = cx * (j + cy * k);
      const dst = box.start[0] + fx * (box.start[1] + j + fy * (box.start[2] + k));
      out.set(map.subarray(src, src + cx), dst);
    }
  }
  return out;
}
