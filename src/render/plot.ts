/**
 * A minimal bar plot of per-slice values (e.g. total entropy per axial slice), to show where the
 * uncertainty sits along an axis and which slice a figure was taken from (the highlight).
 */
import { fillRect, formatTick, newImage, type RGBA, type RGBAImage } from "./image.js";
import { drawText, textWidth, FONT_HEIGHT } from "./font.js";

export interface ProfilePlotOptions {
  width: number;
  height: number;
  /** Index into values drawn in the highlight colour with a full-height marker (e.g. the figured slice). */
  highlight?: number;
  /** Caption drawn at the top left; the maximum value is printed at the top right. */
  label?: string;
  barColor?: RGBA;
  highlightColor?: RGBA;
  background?: RGBA;
}

/**
 * Bars scaled to the largest value (NaN and negatives count as 0). Each pixel column shows the
 * maximum of the values that fall into it, so no peak disappears when there are more values than columns.
 */
export function profilePlot(values: ArrayLike<number>, opts: ProfilePlotOptions): RGBAImage {
  const { width, height } = opts;
  const img = newImage(width, height, opts.background ?? [0, 0, 0, 255]);
  const fg: RGBA = [230, 230, 230, 255];
  const bar = opts.barColor ?? [90, 150, 255, 255];
  const hi = opts.highlightColor ?? [255, 160, 0, 255];
  const n = values.length;
  const v = (i: number): number => { const x = values[i]!; return x > 0 ? x : 0; };
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, v(i));
  const top = opts.label !== undefined || n > 0 ? FONT_HEIGHT + 3 : 2;
  if (opts.label) drawText(img, opts.label, 2, 1, fg, 1);
  if (n > 0) { const m = `max ${formatTick(max)}`; drawText(img, m, width - 2 - textWidth(m), 1, fg, 1); }
  const x0 = 2, plotW = Math.max(0, width - 4), y1 = height - 2, plotH = Math.max(0, y1 - top);
  fillRect(img, x0, y1, plotW, 1, [128, 128, 128, 255]); // baseline
  if (n === 0 || plotW === 0) return img;
  for (let x = 0; x < plotW; x++) {
    const a = Math.floor((x * n) / plotW), b = Math.max(a + 1, Math.floor(((x + 1) * n) / plotW));
    let colMax = 0, isHi = false;
    for (let i = a; i < b && i < n; i++) { colMax = Math.max(colMax, v(i)); if (i === opts.highlight) isHi = true; }
    const h = max > 0 ? Math.round((colMax / max) * plotH) : 0;
    if (isHi) fillRect(img, x0 + x, top, 1, plotH, [hi[0] >> 1, hi[1] >> 1, hi[2] >> 1, 255]);
    fillRect(img, x0 + x, y1 - h, 1, h, isHi ? hi : bar);
  }
  return img;
}
