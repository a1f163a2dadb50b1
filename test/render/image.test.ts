import { describe, expect, it } from "vitest";
import {
  blit, colorBar, colorBarRampTop, fill, formatTick, labelsToRGBA, newImage, overlay, scalarToRGBA, scaleNearest, NAN_COLOR,
  type RGBAImage,
} from "../../src/render/image.js";
import { colormapLUT, labelColor } from "../../src/render/colormap.js";

const px = (img: RGBAImage, x: number, y: number): number[] => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
const lutAt = (i: number): number[] => [...Array.from(colormapLUT("inferno").subarray(i * 3, i * 3 + 3)), 255];

describe("scalarToRGBA", () => {
  const slice = { width: 5, height: 1, data: new Float32Array([0, 0.5, 1, 7, Number.NaN]) };
  it("maps min/max to the LUT ends, clamps, and greys out NaN", () => {
    const img = scalarToRGBA(slice, { colormap: "inferno", min: 0, max: 1 });
    expect(px(img, 0, 0)).toEqual(lutAt(0));
    expect(px(img, 1, 0)).toEqual(lutAt(128));
    expect(px(img, 2, 0)).toEqual([252, 255, 164, 255]);
    expect(px(img, 3, 0)).toEqual([252, 255, 164, 255]);
    expect(px(img, 4, 0)).toEqual([...NAN_COLOR]);
    expect(NAN_COLOR.slice(0, 3)).toEqual([40, 40, 40]);
  });
  it("float32-rounded max entropy still gets the top colour", () => {
    const max = Math.log(3);
    const img = scalarToRGBA({ width: 1, height: 1, data: new Float32Array([max]) }, { colormap: "inferno", min: 0, max });
    expect(px(img, 0, 0)).toEqual([252, 255, 164, 255]);
  });
  it("a zero range is a step at min, not NaN", () => {
    const img = scalarToRGBA({ width: 2, height: 1, data: new Float32Array([0, 1]) }, { colormap: "gray", min: 0, max: 0 });
    expect(px(img, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(px(img, 1, 0)).toEqual([255, 255, 255, 255]);
  });
});

describe("labels and overlay", () => {
  it("labelsToRGBA makes background transparent and uses labelColor", () => {
    const img = labelsToRGBA({ width: 3, height: 1, data: new Float32Array([0, 3, Number.NaN]) });
    expect(px(img, 0, 0)[3]).toBe(0);
    expect(px(img, 1, 0)).toEqual([...labelColor(3), 255]);
    expect(px(img, 2, 0)[3]).toBe(0);
  });
  it("overlay blends by alpha, respects the mask and the top's own alpha", () => {
    const base = newImage(3, 1, [100, 100, 100, 255]);
    const top = newImage(3, 1, [200, 0, 0, 255]);
    top.data[2 * 4 + 3] = 0; // third pixel of top is transparent
    const out = overlay(base, top, 0.5, (i) => i !== 1);
    expect(px(out, 0, 0)).toEqual([150, 50, 50, 255]);
    expect(px(out, 1, 0)).toEqual([100, 100, 100, 255]);
    expect(px(out, 2, 0)).toEqual([100, 100, 100, 255]);
    expect(px(base, 0, 0)).toEqual([100, 100, 100, 255]); // inputs untouched
    expect(() => overlay(base, newImage(2, 1), 0.5)).toThrow(RangeError);
  });
});

describe("geometry helpers", () => {
  it("scaleNearest repeats each pixel factor x factor", () => {
    const img = newImage(2, 1);
    img.data.set([1, 2, 3, 4, 5, 6, 7, 8]);
    const big = scaleNearest(img, 3);
    expect([big.width, big.height]).toEqual([6, 3]);
    for (let y = 0; y < 3; y++) for (let x = 0; x < 6; x++) expect(px(big, x, y)).toEqual(x < 3 ? [1, 2, 3, 4] : [5, 6, 7, 8]);
    expect(() => scaleNearest(img, 1.5)).toThrow(RangeError);
  });
  it("blit copies with clipping; fill sets every pixel", () => {
    const dst = fill(newImage(3, 3), [9, 9, 9, 255]);
    blit(dst, newImage(2, 2, [1, 2, 3, 255]), 2, -1);
    expect(px(dst, 2, 0)).toEqual([1, 2, 3, 255]);
    expect(px(dst, 2, 1)).toEqual([9, 9, 9, 255]);
    expect(px(dst, 1, 0)).toEqual([9, 9, 9, 255]);
  });
  it("formatTick keeps ticks short", () => {
    expect(formatTick(0)).toBe("0");
    expect(formatTick(Math.log(3))).toBe("1.1");
    expect(formatTick(Math.log(3) / 2)).toBe("0.549");
    expect(formatTick(123456)).toBe("1.23e+5");
    expect(formatTick(0.00012)).toBe("1.2e-4");
  });
});

describe("colorBar", () => {
  it("has max colour at the top ramp row and min colour at the bottom, with text", () => {
    const opts = { height: 100, label: "nats" };
    const bar = colorBar("inferno", 0, Math.log(3), opts);
    const top = colorBarRampTop(opts);
    expect(px(bar, 5, top)).toEqual([252, 255, 164, 255]);
    expect(px(bar, 5, top + 99)).toEqual([0, 0, 4, 255]);
    expect(px(bar, 5, top - 1)).toEqual([128, 128, 128, 255]); // outline
    let ink = 0;
    for (let y = 0; y < bar.height; y++) for (let x = 20; x < bar.width; x++) if (px(bar, x, y)[0] === 230) ink++;
    expect(ink).toBeGreaterThan(30); // tick numbers and label were drawn
    expect(bar.height).toBeGreaterThan(100 + top);
  });
});
