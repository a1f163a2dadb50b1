import { describe, expect, it } from "vitest";
import { colormapLUT, labelColor, lutIndex, COLORMAP_NAMES, type ColormapName } from "../../src/render/colormap.js";

const at = (name: ColormapName, i: number): number[] => Array.from(colormapLUT(name).subarray(i * 3, i * 3 + 3));

describe("colormaps", () => {
  it("are 256 x RGB", () => {
    for (const n of COLORMAP_NAMES) expect(colormapLUT(n).length).toBe(768);
  });
  it("have the published endpoints", () => {
    expect(at("inferno", 0)).toEqual([0, 0, 4]);
    expect(at("inferno", 255)).toEqual([252, 255, 164]);
    expect(at("viridis", 0)).toEqual([68, 1, 84]);
    expect(at("viridis", 255)).toEqual([253, 231, 37]);
    expect(at("gray", 0)).toEqual([0, 0, 0]);
    expect(at("gray", 255)).toEqual([255, 255, 255]);
  });
  it("stay within 2/255 of the full published table between anchors", () => {
    // Reference entries of the 256-entry tables (non-anchor indices).
    const ref: Array<[ColormapName, number, number[]]> = [
      ["inferno", 37, [41, 11, 85]], ["inferno", 100, [144, 37, 104]], ["inferno", 203, [252, 163, 9]], ["inferno", 250, [245, 249, 146]],
      ["viridis", 37, [70, 51, 127]], ["viridis", 100, [42, 118, 142]], ["viridis", 203, [119, 209, 83]], ["viridis", 250, [241, 229, 29]],
    ];
    for (const [name, i, rgb] of ref) {
      at(name, i).forEach((v, c) => expect(Math.abs(v - rgb[c]!), `${name}[${i}][${c}]`).toBeLessThanOrEqual(2));
    }
  });
  it("bins t like matplotlib: 1 -> top, 0 and NaN -> bottom", () => {
    expect(lutIndex(1)).toBe(255);
    expect(lutIndex(0.9999999)).toBe(255);
    expect(lutIndex(0)).toBe(0);
    expect(lutIndex(Number.NaN)).toBe(0);
    expect(lutIndex(0.5)).toBe(128);
  });
  it("rejects unknown names", () => {
    expect(() => colormapLUT("jet" as ColormapName)).toThrow(RangeError);
  });
});

describe("labelColor", () => {
  it("is black for background and deterministic", () => {
    expect(labelColor(0)).toEqual([0, 0, 0]);
    expect(labelColor(7)).toEqual(labelColor(7));
    expect(labelColor(2035)).toEqual(labelColor(2035));
  });
  it("gives distinct, non-black, saturated colours for 1..40", () => {
    const seen = new Set<string>();
    for (let l = 1; l <= 40; l++) {
      const c = labelColor(l);
      expect(Math.max(...c), `label ${l}`).toBeGreaterThan(100);
      expect(Math.max(...c) - Math.min(...c), `label ${l} saturation`).toBeGreaterThan(60);
      seen.add(c.join(","));
    }
    expect(seen.size).toBe(40);
  });
  it("handles negative and huge labels", () => {
    for (const l of [-1, -1000, 1e6]) {
      const c = labelColor(l);
      c.forEach((v) => expect(Number.isInteger(v) && v >= 0 && v <= 255).toBe(true));
      expect(c).not.toEqual([0, 0, 0]);
    }
  });
});
