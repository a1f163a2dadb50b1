import { describe, expect, it } from "vitest";
import { drawText, textWidth, hasGlyph, FONT_HEIGHT, GLYPH_ADVANCE } from "../../src/render/font.js";
import { newImage, type RGBAImage } from "../../src/render/image.js";

function inkBox(img: RGBAImage): { x0: number; x1: number; y0: number; y1: number; n: number } {
  const b = { x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity, n: 0 };
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) {
    if (img.data[(y * img.width + x) * 4 + 3] === 0) continue;
    b.n++; b.x0 = Math.min(b.x0, x); b.x1 = Math.max(b.x1, x); b.y0 = Math.min(b.y0, y); b.y1 = Math.max(b.y1, y);
  }
  return b;
}
const WHITE = [255, 255, 255, 255] as const;

describe("bitmap font", () => {
  it("covers the required characters", () => {
    const need = "0123456789.-+e:/ ()=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    for (const ch of need) expect(hasGlyph(ch), ch).toBe(true);
  });
  it("keeps ink inside [x, x + textWidth) x [y, y + FONT_HEIGHT)", () => {
    for (const scale of [1, 2, 3]) {
      const text = "axial k=42 (most uncertain) 1.5e-3 nats/voxel Wjgy";
      const img = newImage(textWidth(text, scale) + 20, FONT_HEIGHT * scale + 20);
      drawText(img, text, 10, 10, WHITE, scale);
      const b = inkBox(img);
      expect(b.x0).toBe(10); // "a" touches its left column
      expect(b.x1).toBeLessThan(10 + textWidth(text, scale));
      expect(b.x1).toBeGreaterThanOrEqual(10 + textWidth(text, scale) - GLYPH_ADVANCE * scale);
      expect(b.y0).toBeGreaterThanOrEqual(10);
      expect(b.y1).toBeLessThan(10 + FONT_HEIGHT * scale);
    }
  });
  it("draws every glyph except space with some ink, and the right shape for 'A'", () => {
    for (const ch of "0123456789.-+e:/ABCxyz") {
      const img = newImage(6, FONT_HEIGHT);
      drawText(img, ch, 0, 0, WHITE);
      expect(inkBox(img).n, ch).toBeGreaterThan(0);
    }
    const img = newImage(5, 7);
    drawText(img, "A", 0, 0, WHITE);
    const rows = Array.from({ length: 7 }, (_, y) =>
      Array.from({ length: 5 }, (_, x) => (img.data[(y * 5 + x) * 4 + 3] ? "#" : ".")).join(""));
    expect(rows).toEqual([".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"]);
  });
  it("has zero width for empty text and clips at image edges", () => {
    expect(textWidth("", 2)).toBe(0);
    expect(textWidth("ab", 1)).toBe(11);
    const img = newImage(4, 4);
    expect(() => drawText(img, "WWW", -3, -3, WHITE, 2)).not.toThrow();
  });
  it("draws unknown characters as '?'", () => {
    const a = newImage(5, 9), b = newImage(5, 9);
    drawText(a, "\u00b5", 0, 0, WHITE);
    drawText(b, "?", 0, 0, WHITE);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });
});
