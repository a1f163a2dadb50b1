/**
 * RGBA raster images and the operations figures are built from. RGBAImage has the same fields as a
 * browser ImageData, so `new ImageData(img.data, img.width, img.height)` works without copying.
 */
import { colormapLUT, labelColor, lutIndex, type ColormapName } from "./colormap.js";
import { drawText, textWidth, FONT_ASCENT, FONT_HEIGHT } from "./font.js";
import type { Slice } from "./slice.js";

export interface RGBAImage { width: number; height: number; data: Uint8ClampedArray }
export type RGBA = readonly [number, number, number, number];

export const TRANSPARENT: RGBA = [0, 0, 0, 0];
/** Where a value is NaN (e.g. outside a crop box): dark grey, distinct from every colormap's low end. */
export const NAN_COLOR: RGBA = [40, 40, 40, 255];

export function newImage(width: number, height: number, rgba: RGBA = TRANSPARENT): RGBAImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`bad image size ${width}x${height}`);
  }
  return fill({ width, height, data: new Uint8ClampedArray(width * height * 4) }, rgba);
}

/** Set every pixel to rgba (in place); returns img. */
export function fill(img: RGBAImage, rgba: RGBA): RGBAImage {
  const d = img.data;
  for (let o = 0; o < d.length; o += 4) { d[o] = rgba[0]; d[o + 1] = rgba[1]; d[o + 2] = rgba[2]; d[o + 3] = rgba[3]; }
  return img;
}

/** Fill a rectangle (clipped to the image), in place. */
export function fillRect(img: RGBAImage, x: number, y: number, w: number, h: number, rgba: RGBA): void {
  for (let yy = Math.max(0, y); yy < Math.min(img.height, y + h); yy++) {
    for (let xx = Math.max(0, x); xx < Math.min(img.width, x + w); xx++) {
      const o = (yy * img.width + xx) * 4;
      img.data[o] = rgba[0]; img.data[o + 1] = rgba[1]; img.data[o + 2] = rgba[2]; img.data[o + 3] = rgba[3];
    }
  }
}

/** Copy src into dst with its top-left at (x, y), replacing pixels (no blending), clipped; returns dst. */
export function blit(dst: RGBAImage, src: RGBAImage, x: number, y: number): RGBAImage {
  const x0 = Math.max(0, x), x1 = Math.min(dst.width, x + src.width);
  if (x1 <= x0) return dst;
  for (let yy = Math.max(0, y); yy < Math.min(dst.height, y + src.height); yy++) {
    const s = ((yy - y) * src.width + (x0 - x)) * 4;
    dst.data.set(src.data.subarray(s, s + (x1 - x0) * 4), (yy * dst.width + x0) * 4);
  }
  return dst;
}

/**
 * Map a scalar slice through a colormap: min -> first colour, max -> last, clamped outside.
 * NaN -> nanColor. If max <= min the map is a step at min (so a constant-zero map stays at the low end).
 */
export function scalarToRGBA(
  slice: Slice,
  opts: { colormap?: ColormapName; min: number; max: number; nanColor?: RGBA },
): RGBAImage {
  const lut = colormapLUT(opts.colormap ?? "gray");
  const nan = opts.nanColor ?? NAN_COLOR;
  const { min, max } = opts;
  const span = max - min;
  const img = newImage(slice.width, slice.height);
  const d = img.data;
  for (let i = 0; i < slice.width * slice.height; i++) {
    const v = slice.data[i]!;
    const o = i * 4;
    if (Number.isNaN(v)) { d[o] = nan[0]; d[o + 1] = nan[1]; d[o + 2] = nan[2]; d[o + 3] = nan[3]; continue; }
    const t = span > 0 ? (v - min) / span : v > min ? 1 : 0;
    const k = lutIndex(t) * 3;
    d[o] = lut[k]!; d[o + 1] = lut[k + 1]!; d[o + 2] = lut[k + 2]!; d[o + 3] = 255;
  }
  return img;
}

/**
 * Label slice -> colours from labelColor. Background (0), "no label" (-1, which NaN voxels get, and any
 * other negative label) and NaN are fully transparent for overlaying.
 */
export function labelsToRGBA(slice: Slice): RGBAImage {
  const img = newImage(slice.width, slice.height);
  const cache = new Map<number, [number, number, number]>();
  for (let i = 0; i < slice.width * slice.height; i++) {
    const l = Math.round(slice.data[i]!);
    if (!(l > 0 && Number.isFinite(l))) continue;
    let c = cache.get(l);
    if (c === undefined) { c = labelColor(l); cache.set(l, c); }
    img.data.set([c[0], c[1], c[2], 255], i * 4);
  }
  return img;
}

/**
 * New image: `top` composited over `base` ("source over") with opacity alpha * top's own alpha, only
 * where mask(pixelIndex) is true (everywhere if no mask). Both images must be the same size.
 */
export function overlay(base: RGBAImage, top: RGBAImage, alpha: number, mask?: (i: number) => boolean): RGBAImage {
  if (base.width !== top.width || base.height !== top.height) {
    throw new RangeError(`overlay size mismatch: ${base.width}x${base.height} vs ${top.width}x${top.height}`);
  }
  const a0 = Math.min(1, Math.max(0, alpha));
  const out: RGBAImage = { width: base.width, height: base.height, data: new Uint8ClampedArray(base.data) };
  const b = base.data, t = top.data, d = out.data;
  for (let i = 0; i < base.width * base.height; i++) {
    if (mask !== undefined && !mask(i)) continue;
    const o = i * 4;
    const a = a0 * (t[o + 3]! / 255);
    if (a === 0) continue;
    const ba = (b[o + 3]! / 255) * (1 - a);
    const oa = a + ba;
    for (let c = 0; c < 3; c++) d[o + c] = (t[o + c]! * a + b[o + c]! * ba) / oa;
    d[o + 3] = oa * 255;
  }
  return out;
}

/** Integer nearest-neighbour upscaling (keeps voxels crisp: each becomes factor x factor pixels). */
export function scaleNearest(img: RGBAImage, factor: number): RGBAImage {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`scale factor must be a positive integer, got ${factor}`);
  if (factor === 1) return { width: img.width, height: img.height, data: new Uint8ClampedArray(img.data) };
  const out = newImage(img.width * factor, img.height * factor);
  const rowBytes = out.width * 4;
  for (let y = 0; y < img.height; y++) {
    const first = y * factor * rowBytes;
    for (let x = 0; x < img.width; x++) {
      const px = img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4);
      for (let k = 0; k < factor; k++) out.data.set(px, first + (x * factor + k) * 4);
    }
    for (let k = 1; k < factor; k++) out.data.copyWithin(first + k * rowBytes, first, first + rowBytes);
  }
  return out;
}

/** Short tick text: 3 significant digits, exponent form only for very large or small magnitudes. */
export function formatTick(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(2).replace(/\.?0+e/, "e");
  return String(parseFloat(v.toPrecision(3)));
}

export interface ColorBarOptions {
  /** Height of the colour ramp itself, in pixels (e.g. the panel height). */
  height: number;
  /** Width of the colour ramp (default 12). */
  width?: number;
  /** Unit label drawn above the ramp (e.g. "nats"). */
  label?: string;
  fontScale?: number;
  textColor?: RGBA;
  background?: RGBA;
}

/**
 * Row of a colour bar image where its ramp (the max colour) starts: below the unit label, a margin so
 * the top tick text fits, and the 1 px outline. Exposed so figures can align the ramp with a panel.
 */
export function colorBarRampTop(opts: Pick<ColorBarOptions, "label" | "fontScale">): number {
  const s = Math.max(1, Math.floor(opts.fontScale ?? 1));
  const labelH = opts.label ? FONT_HEIGHT * s + 2 : 0;
  return labelH + Math.ceil((FONT_ASCENT * s) / 2) + 1;
}

/**
 * Vertical colour bar: max at the top row, min at the bottom row, ticks and numbers (min, mid, max)
 * to the right, unit label on top. The ramp rows use the same binning as scalarToRGBA, so the top
 * row is exactly the colour a value of `max` gets.
 */
export function colorBar(colormap: ColormapName, min: number, max: number, opts: ColorBarOptions): RGBAImage {
  const s = Math.max(1, Math.floor(opts.fontScale ?? 1));
  const barH = Math.max(1, Math.round(opts.height)), barW = Math.max(1, Math.round(opts.width ?? 12));
  const fg = opts.textColor ?? [230, 230, 230, 255];
  const ticks = [max, (min + max) / 2, min].map(formatTick);
  const pad = 2, tickLen = 3;
  const y0 = colorBarRampTop(opts); // first ramp row
  const textX = pad + 1 + barW + 1 + tickLen + 2;
  const width = Math.max(textX + Math.max(...ticks.map((t) => textWidth(t, s))) + pad, textWidth(opts.label ?? "", s) + 2 * pad);
  const below = Math.ceil((FONT_ASCENT * s) / 2) + 1; // outline + room for the min tick text
  const img = newImage(width, y0 + barH + below, opts.background ?? [0, 0, 0, 255]);
  if (opts.label) drawText(img, opts.label, pad, 0, fg, s);
  fillRect(img, pad, y0 - 1, barW + 2, barH + 2, [128, 128, 128, 255]);
  const lut = colormapLUT(colormap);
  for (let y = 0; y < barH; y++) {
    const k = lutIndex(barH === 1 ? 1 : 1 - y / (barH - 1)) * 3;
    fillRect(img, pad + 1, y0 + y, barW, 1, [lut[k]!, lut[k + 1]!, lut[k + 2]!, 255]);
  }
  // Skip the mid tick on short bars, where its text would collide with the ends.
  const tickYs = [y0, barH >= 3 * FONT_HEIGHT * s ? y0 + Math.floor((barH - 1) / 2) : -1, y0 + barH - 1];
  tickYs.forEach((ty, n) => {
    if (ty < 0) return;
    fillRect(img, pad + 2 + barW, ty, tickLen, 1, fg);
    drawText(img, ticks[n]!, textX, ty - Math.floor((FONT_ASCENT * s) / 2), fg, s);
  });
  return img;
}
