/**
 * An async fill (natural for code that reads slabs from a FileHandle) returned before writing the
 * slab: the kernel read zeros and gave an all-zero map with exit-free statistics. It is refused.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { init, streamEntropy, isSegentropyError } from "../src/index.js";

beforeAll(async () => { await init(); });

describe("streamEntropy with an async fill", () => {
  it("is refused with a SegentropyError naming fill; the same source filled synchronously gives the closed form", () => {
    // two classes at 0.25 / 0.75 for 64 voxels: H = 2 - 0.75 log2 3 bits each (closed form)
    const write = (dst: Float32Array, n: number, stride: number) => { for (let v = 0; v < n; v++) { dst[v] = 0.25; dst[stride + v] = 0.75; } };
    const asyncSource = { classes: 2, voxels: 64, interleaved: false, async fill(dst: Float32Array, _v0: number, n: number, stride: number) { await Promise.resolve(); write(dst, n, stride); } };
    let err: unknown;
    try { streamEntropy(asyncSource, {}, () => {}); } catch (e) { err = e; }
    expect(isSegentropyError(err)).toBe(true);
    expect((err as Error).message).toMatch(/^source: fill: expected a synchronous fill that has written the slab when it returns, found one returning a Promise/);

    const syncSource = { ...asyncSource, fill(dst: Float32Array, _v0: number, n: number, stride: number) { write(dst, n, stride); } };
    const stats = streamEntropy(syncSource, {}, () => {});
    expect(stats.total).toBeCloseTo(64 * (2 - 0.75 * Math.log2(3)), 4);
  });
});
