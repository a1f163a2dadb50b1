/**
 * Composite figures: the three-panel QC view (input | segmentation | entropy + colour bar) and a
 * simple grid montage. Pure pixel work on RGBAImage, so the CLI (PNG) and a browser (ImageData) share it.
 */
import { blit, colorBar, colorBarRampTop, labelsToRGBA, newImage, overlay, scalarToRGBA, scaleNearest, type RGBA, type RGBAImage } from "./image.js";
import { drawText, textWidth, FONT_HEIGHT } from "./font.js";
import type { Slice } from "./slice.js";

const BG: RGBA = [0, 0, 0, 255];
const FG: RGBA = [230, 230, 230, 255];
const MARK: RGBA = [255, 220, 0, 255];

/** Anatomical letters at the screen edges (a ViewPlan has these fields). */
export interface ScreenMarks { left: string; right: string; top: string; bottom: string }

export interface ThreePanelOptions {
  /** Input intensity slice; windowed at its 1st-99th percentile unless imageMin/imageMax are given. */
  image?: Slice;
  imageMin?: number;
  imageMax?: number;
  /** Integer label slice (0 = background), drawn over the dimmed input. */
  labels?: Slice;
  entropy: Slice;
  /** Top of the entropy colour scale (usually the maximum possible entropy, log C in the chosen unit). */
  entropyMax: number;
  unitLabel: string;
  title: string;
  /** Integer pixels per voxel; default fits the longer side to about 256 px (1..8). */
  scale?: number;
  /** Draw orientation letters on the input panel. */
  marks?: ScreenMarks;
  labelAlpha?: number;
  fontScale?: number;
}

/** [lo, hi] percentiles (numpy "linear" method) of the finite values; [0, 1] if there are none.
 *  The order statistics are selected in place (quickselect, O(n)) rather than by sorting. */
export function percentileWindow(data: ArrayLike<number>, lo = 1, hi = 99): [number, number] {
  const all = new Float64Array(data.length);
  let n = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    if (Number.isFinite(x)) { all[n++] = x; if (x < min) min = x; if (x > max) max = x; }
  }
  if (n === 0) return [0, 1];
  const v = all.subarray(0, n);
  const q = (p: number): number => {
    const pos = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
    const i = Math.floor(pos), f = pos - i;
    const x = selectInPlace(v, i);
    if (i + 1 >= n) return x;
    // after the selection every element right of i is >= v[i]: the next order statistic is their minimum
    let y = Infinity;
    for (let j = i + 1; j < n; j++) if (v[j]! < y) y = v[j]!;
    return x + f * (y - x);
  };
  const a = q(lo), b = q(hi);
  // A mostly-constant slice (e.g. background) would collapse the window; fall back to the full range.
  return b > a ? [a, b] : [min, max];
}

/** The k-th smallest of v (0-based), with v partitioned around it; a deep recursion (adversarial
 *  input) falls back to sorting the remaining range. */
function selectInPlace(v: Float64Array, k: number): number {
  let l = 0, r = v.length - 1;
  let budget = 2 * Math.ceil(Math.log2(v.length + 1)) + 8;
  while (r > l) {
    if (budget-- === 0) { v.subarray(l, r + 1).sort(); return v[k]!; }
    // median of three as the pivot
    const m = (l + r) >> 1;
    const a = v[l]!, b = v[m]!, c = v[r]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
    let i = l, j = r;
    while (i <= j) {
      while (v[i]! < pivot) i++;
      while (v[j]! > pivot) j--;
      if (i <= j) { const t = v[i]!; v[i] = v[j]!; v[j] = t; i++; j--; }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return v[k]!;
  }
  return v[k]!;
}

function sameSize(a: Slice, b: Slice, what: string): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`${what} slice is ${a.width}x${a.height} but entropy is ${b.width}x${b.height}`);
  }
}

function dim(img: RGBAImage, factor: number): RGBAImage {
  const out = newImage(img.width, img.height);
  for (let o = 0; o < img.data.length; o += 4) {
    out.data[o] = img.data[o]! * factor; out.data[o + 1] = img.data[o + 1]! * factor;
    out.data[o + 2] = img.data[o + 2]! * factor; out.data[o + 3] = img.data[o + 3]!;
  }
  return out;
}

function drawMarks(img: RGBAImage, m: ScreenMarks, s: number): void {
  const h = FONT_HEIGHT * s, midY = Math.floor((img.height - 7 * s) / 2);
  drawText(img, m.left, 2, midY, MARK, s);
  drawText(img, m.right, img.width - 2 - textWidth(m.right, s), midY, MARK, s);
  drawText(img, m.top, Math.floor((img.width - textWidth(m.top, s)) / 2), 2, MARK, s);
  drawText(img, m.bottom, Math.floor((img.width - textWidth(m.bottom, s)) / 2), img.height - h, MARK, s);
}

/** Title line, then three captioned panels side by side, then the entropy colour bar aligned to the panels. */
export function threePanelFigure(o: ThreePanelOptions): RGBAImage {
  const e = o.entropy;
  if (o.image) sameSize(o.image, e, "image");
  if (o.labels) sameSize(o.labels, e, "labels");
  const scale = o.scale ?? Math.min(8, Math.max(1, Math.floor(256 / Math.max(e.width, e.height, 1))));
  const fs = Math.max(1, Math.floor(o.fontScale ?? 1));
  const pad = 6, lineH = FONT_HEIGHT * fs;

  let input: RGBAImage, inputCaption: string;
  if (o.image) {
    // Percentiles only fill in whichever bound the caller did not give.
    const [pMin, pMax] = o.imageMin !== undefined && o.imageMax !== undefined ? [o.imageMin, o.imageMax] : percentileWindow(o.image.data);
    input = scalarToRGBA(o.image, { colormap: "gray", min: o.imageMin ?? pMin, max: o.imageMax ?? pMax });
    inputCaption = "input";
  } else {
    // an empty panel: a grey copy of the entropy would pass for a scan
    input = newImage(e.width, e.height, [24, 24, 24, 255]);
    inputCaption = "input";
  }
  const panels: Array<[RGBAImage, string]> = [[input, inputCaption]];
  if (o.labels) panels.push([overlay(dim(input, 0.5), labelsToRGBA(o.labels), o.labelAlpha ?? 0.5), "segmentation"]);
  else panels.push([newImage(e.width, e.height, [24, 24, 24, 255]), "segmentation"]);
  panels.push([scalarToRGBA(e, { colormap: "inferno", min: 0, max: o.entropyMax }), "entropy"]);
  const scaled = panels.map(([img, cap]) => [scaleNearest(img, scale), cap] as const);
  const pw = e.width * scale, ph = e.height * scale;
  if (o.marks) drawMarks(scaled[0]![0], o.marks, fs);
  const placeholder = (img: RGBAImage, msg: string) => drawText(img, msg, Math.floor((pw - textWidth(msg, fs)) / 2), Math.floor((ph - 7 * fs) / 2), FG, fs);
  if (!o.image) placeholder(scaled[0]![0], "no image");
  if (!o.labels) placeholder(scaled[1]![0], "no segmentation");

  const barOpts = { height: ph, label: o.unitLabel, fontScale: fs, background: BG };
  const bar = colorBar("inferno", 0, o.entropyMax, barOpts);
  const barRampTop = colorBarRampTop(barOpts); // so the ramp lines up with the panel's top row
  const panelY = pad + lineH + pad + lineH + 2;
  const barY = Math.max(0, panelY - barRampTop);
  const width = Math.max(pad + 3 * pw + 3 * pad + bar.width + pad, 2 * pad + textWidth(o.title, fs));
  const height = Math.max(panelY + ph, barY + bar.height) + pad;
  const fig = newImage(width, height, BG);
  drawText(fig, o.title, pad, pad, FG, fs);
  scaled.forEach(([img, cap], n) => {
    const x = pad + n * (pw + pad);
    drawText(fig, cap, x, panelY - lineH - 2, FG, fs);
    blit(fig, img, x, panelY);
  });
  blit(fig, bar, pad + 3 * pw + 3 * pad, barY);
  return fig;
}

/** Tiles in a grid, row by row, each centred in a cell of the largest tile's size; `gap` px between cells. */
export function montage(tiles: RGBAImage[], columns: number, gap = 2, background: RGBA = BG): RGBAImage {
  if (tiles.length === 0) return newImage(0, 0);
  const cols = Math.max(1, Math.min(Math.floor(columns), tiles.length));
  const rows = Math.ceil(tiles.length / cols);
  const cw = Math.max(...tiles.map((t) => t.width)), ch = Math.max(...tiles.map((t) => t.height));
  const out = newImage(cols * cw + (cols - 1) * gap, rows * ch + (rows - 1) * gap, background);
  tiles.forEach((t, n) => {
    const x = (n % cols) * (cw + gap) + Math.floor((cw - t.width) / 2);
    const y = Math.floor(n / cols) * (ch + gap) + Math.floor((ch - t.height) / 2);
    blit(out, t, x, y);
  });
  return out;
}
