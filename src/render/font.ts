/**
 * A tiny built-in 5x7 bitmap font (with 2 descender rows), so figures get labels without a canvas,
 * a font file or any platform text API: the same pixels in Node and in browsers.
 */
import type { RGBA, RGBAImage } from "./image.js";

/** Glyph cell: 5 px wide, 9 px tall (7 above the baseline, 2 for descenders); 1 px gap between glyphs. */
export const GLYPH_WIDTH = 5;
export const FONT_ASCENT = 7;
export const FONT_HEIGHT = 9;
export const GLYPH_ADVANCE = GLYPH_WIDTH + 1;

// Each glyph: one hex byte per row, top row first; bit 4 is the leftmost pixel. Rows left out are blank.
// e.g. "A" = 0e 11 11 1f 11 11 11 = .###. / #...# / #...# / ##### / #...# / #...# / #...#
const GLYPHS: Readonly<Record<string, string>> = {
  " ": "",
  "0": "0e11131519110e", "1": "040c040404040e", "2": "0e11010204081f", "3": "1f02040201110e", "4": "02060a121f0202",
  "5": "1f101e0101110e", "6": "0608101e11110e", "7": "1f010204080808", "8": "0e11110e11110e", "9": "0e11110f01020c",
  ".": "00000000000c0c", "-": "0000000e000000", "+": "0004041f040400", ":": "000c0c000c0c00", ";": "000c0c000c0408",
  "/": "00010204081000", "=": "00001f001f0000", "(": "02040808080402", ")": "08040202020408", ",": "000000000c0408",
  "_": "000000000000001f", "?": "0e110102040004", "!": "04040404040004", "%": "18190204081303", "[": "0e08080808080e",
  "]": "0e02020202020e", "<": "02040810080402", ">": "08040201020408", "|": "04040404040404", "*": "0004150e150400",
  "'": "04040800000000", "\"": "0a0a0000000000", "#": "0a0a1f0a1f0a0a", "&": "0c12140815120d",
  A: "0e11111f111111", B: "1e11111e11111e", C: "0e11101010110e", D: "1c12111111121c", E: "1f10101e10101f",
  F: "1f10101e101010", G: "0e11101711110f", H: "1111111f111111", I: "0e04040404040e", J: "0702020202120c",
  K: "11121418141211", L: "1010101010101f", M: "111b1515111111", N: "11111915131111", O: "0e11111111110e",
  P: "1e11111e101010", Q: "0e11111115120d", R: "1e11111e141211", S: "0f10100e01011e", T: "1f040404040404",
  U: "1111111111110e", V: "11111111110a04", W: "1111111515150a", X: "11110a040a1111", Y: "11110a04040404",
  Z: "1f01020408101f",
  a: "00000e010f110f", b: "1010161911111e", c: "00000e1010110e", d: "01010d1311110f", e: "00000e111f100e",
  f: "0609081c080808", g: "00000f1111110f010e", h: "10101619111111", i: "04000c0404040e", j: "02000602020202120c",
  k: "10101214181412", l: "0c04040404040e", m: "00001a15151515", n: "00001619111111", o: "00000e1111110e",
  p: "00001e1111111e1010", q: "00000f1111110f0101", r: "00001619101010", s: "00000e100e011e", t: "08081c08080906",
  u: "0000111111130d", v: "00001111110a04", w: "0000111115150a", x: "0000110a040a11", y: "0000111111110f010e",
  z: "00001f0204081f",
};

/** Row bitmasks for a character; characters outside the table render as "?" so gaps are visible. */
function glyphRows(ch: string): number[] {
  const hex = GLYPHS[ch] ?? GLYPHS["?"]!;
  const rows: number[] = [];
  for (let i = 0; i < hex.length; i += 2) rows.push(parseInt(hex.slice(i, i + 2), 16));
  return rows;
}

/** True if the character has its own glyph (others draw as "?"). */
export function hasGlyph(ch: string): boolean {
  return GLYPHS[ch] !== undefined;
}

/** Width in pixels of a single line of text: ink runs from x to x + textWidth (no trailing gap). */
export function textWidth(text: string, scale = 1): number {
  const n = Array.from(text).length;
  return n === 0 ? 0 : n * GLYPH_ADVANCE * scale - scale;
}

/**
 * Draw one line of text with its top-left cell corner at (x, y), writing `rgba` over the ink pixels
 * (no blending; pixels outside the image are skipped). scale magnifies each font pixel to scale x scale.
 * Returns the width drawn (= textWidth).
 */
export function drawText(img: RGBAImage, text: string, x: number, y: number, rgba: RGBA, scale = 1): number {
  const s = Math.max(1, Math.floor(scale));
  let penX = Math.round(x);
  const top = Math.round(y);
  for (const ch of text) {
    const rows = glyphRows(ch);
    for (let r = 0; r < rows.length; r++) {
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if ((rows[r]! >> (GLYPH_WIDTH - 1 - c)) & 1) fillBlock(img, penX + c * s, top + r * s, s, rgba);
      }
    }
    penX += GLYPH_ADVANCE * s;
  }
  return textWidth(text, s);
}

function fillBlock(img: RGBAImage, x0: number, y0: number, s: number, rgba: RGBA): void {
  for (let y = Math.max(0, y0); y < Math.min(img.height, y0 + s); y++) {
    for (let x = Math.max(0, x0); x < Math.min(img.width, x0 + s); x++) {
      const o = (y * img.width + x) * 4;
      img.data[o] = rgba[0]; img.data[o + 1] = rgba[1]; img.data[o + 2] = rgba[2]; img.data[o + 3] = rgba[3];
    }
  }
}
