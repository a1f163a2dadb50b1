/** PNG figures for a CLI run, drawn by the same render code as the browser demo. */
import type { Analysis, References } from "../analyze.js";
import { renderFigureSet, arrayPlan, encodePng } from "../render/index.js";

/** A 2-D image given as .npy (row, col): its C order is the map's F order over (col, row). */
export interface ImageSlice {
  data: ArrayLike<number>;
  shape: number[];
}

export interface RenderedFigures {
  files: Map<string, Uint8Array>;
  orientation: string;
  axcodes: string;
}

export function renderFigures(a: Analysis, refs: References, imageNpy?: ImageSlice): RenderedFigures {
  // no geometry: none read (a .npy --seg is a label picture with none of its own)
  const noGeometry = !refs.image && a.geometrySource.startsWith("none");
  const imageData = refs.image ? scaled(refs.image.data, refs.image.scale) : imageNpy && imageNpy.data.length === a.map.length ? imageNpy.data : undefined;
  const set = renderFigureSet({
    entropy: a.map,
    dims: a.dims,
    affine: a.geometry.affine,
    ...(a.labels.length === a.map.length ? { labels: a.labels } : {}),
    ...(imageData ? { image: imageData } : {}),
    entropyMax: a.maxPossibleEntropy,
    unitLabel: a.unit,
    ...(noGeometry && a.dims[2] === 1 ? { plan: arrayPlan() } : {}),
    sliceTotals: a.summary.perSliceTotal,
  });
  const files = new Map<string, Uint8Array>();
  for (const f of set.figures) files.set(f.name, encodePng(f.image));
  const orientation = noGeometry && a.dims[2] === 1 ? "array order: row 0 at the top, column 0 at the left (no geometry)" : `${set.orientation}; voxel axes ${set.axcodes}`;
  return { files, orientation, axcodes: set.axcodes };
}

function scaled(data: ArrayLike<number>, scale: { slope: number; inter: number } | undefined): ArrayLike<number> {
  if (!scale) return data;
  const out = new Float32Array(data.length);
  for (let i = 0; i < out.length; i++) out[i] = data[i]! * scale.slope + scale.inter;
  return out;
}
