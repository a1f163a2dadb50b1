/** PNG encoding of an RGBAImage via fast-png (pure JS, runs in browsers as well as Node). */
import { encode } from "fast-png";
import type { RGBAImage } from "./image.js";

/** 8-bit RGBA PNG bytes for img. */
export function encodePng(img: RGBAImage): Uint8Array {
  if (img.data.length !== img.width * img.height * 4) {
    throw new RangeError(`RGBA data has ${img.data.length} bytes, ${img.width}x${img.height} needs ${img.width * img.height * 4}`);
  }
  return encode({ width: img.width, height: img.height, data: img.data, channels: 4, depth: 8 });
}
