import { describe, expect, it } from "vitest";
import { decode } from "fast-png";
import { encodePng } from "../../src/render/png.js";
import { newImage } from "../../src/render/image.js";

describe("encodePng", () => {
  it("round-trips through fast-png decode to identical RGBA pixels", () => {
    const img = newImage(7, 5);
    let seed = 12345;
    for (let i = 0; i < img.data.length; i++) { seed = (seed * 1103515245 + 12345) >>> 0; img.data[i] = seed >>> 24; }
    const bytes = encodePng(img);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const back = decode(bytes);
    expect([back.width, back.height, back.channels, back.depth]).toEqual([7, 5, 4, 8]);
    expect(Array.from(back.data)).toEqual(Array.from(img.data));
  });
  it("rejects data of the wrong length", () => {
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8ClampedArray(3) })).toThrow(RangeError);
  });
});
