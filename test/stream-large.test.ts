/**
 * A volume whose class data exceeds 4 GiB (C = 26 classes over 512 x 512 x 204 voxels of float32,
 * 5.6 GB, the size of public reports of nnU-Net exports running out of memory) streams through the
 * kernel in bounded memory: the source generates each slab on demand, the wasm memory stays within
 * its 64 MiB ceiling, the process never holds the input, and every voxel matches a float64 reference.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { init, streamEntropy, memoryBytes, MAX_WASM_BYTES } from "../src/index.js";
import type { SlabSource } from "../src/index.js";
import { entropyBits, syntheticRows } from "./helpers/synthetic.js";

beforeAll(async () => { await init(); });

describe("streaming a > 4 GiB volume", () => {
  it("C=26, 512x512x204 float32: bounded memory, every voxel within 1e-6 bits of float64", () => {
    const C = 26, N = 512 * 512 * 204;
    expect(C * N * 4).toBeGreaterThan(4 * 2 ** 30);
    // 61 distinct class vectors (a prime count, so patterns do not line up with slabs), stored as f32
    const K = 61;
    const rows = syntheticRows(C, K, 26);
    const columns = Array.from({ length: C }, (_, c) => Float32Array.from(rows, (r) => r[c]!));
    const ref = rows.map((r) => entropyBits(Float32Array.from(r)));
    const pattern = (v: number) => v % K;
    const source: SlabSource = {
      classes: C, voxels: N, interleaved: false,
      fill(dst, v0, n, stride) {
        for (let c = 0; c < C; c++) {
          const col = columns[c]!;
          const base = c * stride;
          let p = pattern(v0);
          for (let i = 0; i < n; i++) {
            dst[base + i] = col[p]!;
            if (++p === K) p = 0;
          }
        }
      },
    };
    const rss0 = process.memoryUsage().rss;
    let seen = 0, worst = 0, sum = 0, expectedTotal = 0, nextVoxel = 0;
    const stats = streamEntropy(source, { slabBytes: 8 * 1024 * 1024 }, (v0, h) => {
      expect(v0).toBe(nextVoxel);
      nextVoxel += h.length;
      let p = pattern(v0);
      for (let i = 0; i < h.length; i++) {
        const e = Math.abs(h[i]! - ref[p]!);
        if (e > worst) worst = e;
        sum += h[i]!;
        expectedTotal += ref[p]!;
        if (++p === K) p = 0;
      }
      seen += h.length;
    });
    expect(seen).toBe(N);
    expect(worst).toBeLessThanOrEqual(1e-6);
    // the kernel's f64 total equals the f64 sum of the map it produced, and the float64 reference
    expect(Math.abs(stats.total - sum) / sum).toBeLessThan(1e-9);
    expect(Math.abs(stats.total - expectedTotal) / expectedTotal).toBeLessThan(1e-6);
    expect(stats.nNaN).toBe(0);
    expect(memoryBytes()).toBeLessThanOrEqual(MAX_WASM_BYTES);
    // the process grew by far less than the 5.6 GB of class data
    expect(process.memoryUsage().rss - rss0).toBeLessThan(256 * 1024 * 1024);
  }, 600_000);
});
