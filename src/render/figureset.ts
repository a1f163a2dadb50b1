/**
 * The set of figures a run produces: the three-panel figure (input | segmentation | entropy) for
 * the most uncertain axial slice and a few evenly spaced ones, and a montage of entropy slices.
 * Shared by the CLI (PNG files) and the browser demo, so the pictures match.
 */
import type { Affine, ViewPlan } from "./orientation.js";
import { NEUROLOGICAL_ORIENTATION, axisCodes, viewPlan } from "./orientation.js";
import type { RGBAImage } from "./image.js";
import { blit, newImage, scalarToRGBA, scaleNearest, colorBar } from "./image.js";
import { drawText, FONT_HEIGHT } from "./font.js";
import { extractSlice, sliceCount } from "./slice.js";
import { montage, percentileWindow, threePanelFigure } from "./figure.js";

export interface FigureSetInput {
  /** Entropy map, F order over dims. */
  entropy: ArrayLike<number>;
  dims: readonly number[];
  affine: Affine;
  /** Integer labels on the same grid (segmentation or argmax). */
  labels?: ArrayLike<number>;
  /** Input image on the same grid (first volume). */
  image?: ArrayLike<number>;
  /** Top of the entropy colour scale. */
  entropyMax: number;
  unitLabel: string;
  /** Screen layout; default: the axial view of `affine` in neurological convention. */
  plan?: ViewPlan;
  /** How many evenly spaced slices beside the most uncertain one (default 4). */
  spaced?: number;
  /** Per-slice entropy totals along each grid axis when already known (the summary has them): the
   *  figure set then skips its own pass over the map. */
  sliceTotals?: { i: readonly number[]; j: readonly number[]; k: readonly number[] };
}

export interface Figure {
  name: string;
  image: RGBAImage;
}

export interface FigureSet {
  figures: Figure[];
  /** How the slices are shown, for stats.json. */
  orientation: string;
  axcodes: string;
  sliceAxis: number;
  mostUncertainSlice: number;
}

/** Per-slice totals of finite values along `axis` of an F-order grid. */
export function sliceTotals(values: ArrayLike<number>, dims: readonly number[], axis: number): number[] {
  const [nx = 1, ny = 1, nz = 1] = dims;
  const out = new Float64Array([nx, ny, nz][axis]!);
  let v = 0;
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, v++) {
    const h = values[v]!;
    if (h === h) out[axis === 0 ? i : axis === 1 ? j : k] += h;
  }
  return Array.from(out);
}

export function renderFigureSet(input: FigureSetInput): FigureSet {
  const plan = input.plan ?? viewPlan(input.affine, "axial");
  const n = sliceCount(input.dims, plan);
  const known = input.sliceTotals?.[(["i", "j", "k"] as const)[plan.sliceAxis]!];
  const totals = known && known.length === n ? known : sliceTotals(input.entropy, input.dims, plan.sliceAxis);
  let most = 0;
  for (let s = 1; s < n; s++) if (totals[s]! > totals[most]!) most = s;
  const view = (data: ArrayLike<number>, s: number) => extractSlice({ data, dims: input.dims }, plan, s);
  const window = input.image ? percentileWindow(subsample(input.image, 1 << 20)) : undefined;
  const letter = ["i", "j", "k"][plan.sliceAxis]!;

  // slices that hold any entropy bound the evenly spaced picks, so none is empty background
  const nonzero = totals.map((t, s) => (t > 0 ? s : -1)).filter((s) => s >= 0);
  const lo = nonzero[0] ?? 0, hi = nonzero[nonzero.length - 1] ?? n - 1;
  const spaced = Math.max(0, input.spaced ?? 4);
  const picks: number[] = [];
  for (let q = 1; q <= spaced; q++) {
    const s = Math.round(lo + ((hi - lo) * q) / (spaced + 1));
    if (Math.abs(s - most) > 1 && !picks.includes(s)) picks.push(s);
  }
  const panel = (s: number, note: string): RGBAImage =>
    threePanelFigure({
      ...(input.image ? { image: view(input.image, s), imageMin: window![0], imageMax: window![1] } : {}),
      ...(input.labels ? { labels: view(input.labels, s) } : {}),
      entropy: view(input.entropy, s),
      entropyMax: input.entropyMax,
      unitLabel: input.unitLabel,
      title: n > 1 ? `${plan.view} ${letter}=${s}${note}` : "2-D slice",
      marks: plan,
    });
  const pad = String(n - 1).length;
  const first = n > 1 ? `${plan.view}_${letter}${String(most).padStart(pad, "0")}_most_uncertain.png` : "slice.png";
  const figures: Figure[] = [{ name: first, image: panel(most, "  (most uncertain)") }];
  for (const s of picks.sort((a, b) => a - b)) figures.push({ name: `${plan.view}_${letter}${String(s).padStart(pad, "0")}.png`, image: panel(s, "") });
  if (n > 1) figures.push({ name: "montage.png", image: entropyMontage(input, plan, lo, hi, view) });
  return { figures, orientation: NEUROLOGICAL_ORIENTATION, axcodes: axisCodes(input.affine), sliceAxis: plan.sliceAxis, mostUncertainSlice: most };
}

/** Up to 12 evenly spaced entropy slices in inferno, each captioned, with one colour bar. */
function entropyMontage(input: FigureSetInput, plan: ViewPlan, lo: number, hi: number, view: (d: ArrayLike<number>, s: number) => { width: number; height: number; data: Float32Array }): RGBAImage {
  const count = Math.min(12, hi - lo + 1);
  const letter = ["i", "j", "k"][plan.sliceAxis]!;
  const tiles: RGBAImage[] = [];
  for (let t = 0; t < count; t++) {
    const s = count === 1 ? lo : Math.round(lo + ((hi - lo) * t) / (count - 1));
    const slice = view(input.entropy, s);
    const scale = Math.max(1, Math.min(4, Math.floor(128 / Math.max(slice.width, slice.height))));
    const img = scaleNearest(scalarToRGBA(slice, { colormap: "inferno", min: 0, max: input.entropyMax }), scale);
    const tile = newImage(img.width, img.height + FONT_HEIGHT + 2, [0, 0, 0, 255]);
    drawText(tile, `${letter}=${s}`, 1, 1, [220, 220, 220, 255]);
    blit(tile, img, 0, FONT_HEIGHT + 2);
    tiles.push(tile);
  }
  const grid = montage(tiles, Math.min(6, count));
  const bar = colorBar("inferno", 0, input.entropyMax, { height: Math.max(64, Math.min(grid.height, 256)), label: input.unitLabel });
  const out = newImage(grid.width + bar.width + 8, Math.max(grid.height, bar.height), [0, 0, 0, 255]);
  blit(out, grid, 0, 0);
  blit(out, bar, grid.width + 4, 0);
  return out;
}

/** At most `max` evenly strided values: a window from a million voxels is as good as from all. */
function subsample(data: ArrayLike<number>, max: number): Float32Array {
  const step = Math.max(1, Math.ceil(data.length / max));
  const out = new Float32Array(Math.ceil(data.length / step));
  for (let i = 0, o = 0; i < data.length; i += step, o++) out[o] = data[i]!;
  return out;
}

/** Screen layout for 2-D arrays without geometry: row 0 at the top, column 0 at the left, as stored. */
export function arrayPlan(): ViewPlan {
  return { view: "axial", sliceAxis: 2, colAxis: 0, rowAxis: 1, flipCol: false, flipRow: false, left: "", right: "", top: "", bottom: "", colSpacing: 1, rowSpacing: 1 };
}
