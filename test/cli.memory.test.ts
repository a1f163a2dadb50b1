/**
 * The CLI streams an uncompressed .npy from disk: on a 256 MiB input (C = 32 classes, 128^3 voxels,
 * float32) its peak resident memory stays far below the input's size, on one thread and on two,
 * and the written map is right (uniform rows give exactly log2 32 = 5 bits, one-hot rows 0).
 */
import { describe, expect, it } from "vitest";
import { closeSync, openSync, readFileSync, writeSync, rmSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { cli, tempDir } from "./helpers/cli.js";

describe("CLI memory on a large .npy", () => {
  it("peak RSS < 1/2 of a 256 MiB input, and the map is exact", () => {
    const C = 32, n = 128, N = n ** 3;
    const dir = tempDir();
    const path = join(dir, "big.npy");
    let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${C}, ${n}, ${n}, ${n}), }`;
    header += " ".repeat((64 - ((10 + header.length + 1) % 64)) % 64) + "\n";
    const h = new Uint8Array(10 + header.length);
    h.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
    for (let i = 0; i < header.length; i++) h[10 + i] = header.charCodeAt(i);
    // voxel v: uniform over the 32 classes when v is even, one-hot on class v % 32 when odd
    const fd = openSync(path, "w");
    writeSync(fd, h);
    const plane = new Float32Array(N);
    for (let c = 0; c < C; c++) {
      for (let v = 0; v < N; v++) plane[v] = v % 2 === 0 ? 1 / 32 : v % C === c ? 1 : 0;
      writeSync(fd, new Uint8Array(plane.buffer));
    }
    closeSync(fd);
    const inputMiB = (C * N * 4) / 2 ** 20;
    try {
      for (const threads of ["1", "2"]) {
        const out = join(dir, `out${threads}`);
        const r = cli([path, "--out", out, "--no-png", "--threads", threads]);
        expect(r.code, r.stderr).toBe(0);
        const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
        expect(stats.timings.threads).toBe(Number(threads));
        expect(stats.timings.peakRssMiB).toBeLessThan(inputMiB / 2);
        const map = new Float32Array(gunzipSync(readFileSync(join(out, "entropy.nii.gz"))).buffer.slice(352));
        expect(map.length).toBe(N);
        for (let v = 0; v < N; v += 997) expect(map[v]).toBe(v % 2 === 0 ? 5 : 0);
        expect(stats.totalEntropy).toBe((N / 2) * 5);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
