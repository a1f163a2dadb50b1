/**
 * Uncompressed .npy inputs are read slab by slab from disk (by each worker with --threads): the
 * maps and statistics equal, bit for bit, those of the same array read whole from the .npz, for
 * C order, Fortran order (a permuted layout) and big-endian files (read whole), on 1 and 2 threads.
 */
import { describe, expect, it, beforeAll } from "vitest";
import { readFileSync, writeFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { cli, tempDir, ROOT } from "./helpers/cli.js";
import { init, readProbabilities } from "../src/index.js";

const npz = join(ROOT, "samples", "nnunetv2_inia19_1mm", "probabilities.npz");
let dir: string;

/** An .npy of the array in the given order and byte order. */
function npyBytes(data: Float32Array, shape: number[], order: "C" | "F", bigEndian: boolean): Uint8Array {
  let header = `{'descr': '${bigEndian ? ">" : "<"}f4', 'fortran_order': ${order === "F" ? "True" : "False"}, 'shape': (${shape.join(", ")}), }`;
  header += " ".repeat((64 - ((10 + header.length + 1) % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  let values = data;
  if (order === "F") {
    // element [c, k, j, i] of the C-order array goes to F-order position c + C*(k + Z*(j + Y*i))
    const [C, Z, Y, X] = shape as [number, number, number, number];
    values = new Float32Array(data.length);
    for (let c = 0, s = 0; c < C; c++) for (let k = 0; k < Z; k++) for (let j = 0; j < Y; j++) for (let i = 0; i < X; i++, s++) values[c + C * (k + Z * (j + Y * i))] = data[s]!;
  }
  const body = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  if (bigEndian) for (let i = 0; i < body.length; i += 4) body.subarray(i, i + 4).reverse();
  out.set(body, 10 + header.length);
  return out;
}

function mapAndStats(out: string): { map: Buffer; stats: Record<string, unknown> } {
  const nii = gunzipSync(readFileSync(join(out, "entropy.nii.gz")));
  const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8")) as Record<string, unknown>;
  return { map: nii.subarray(352), stats };
}

beforeAll(async () => {
  await init();
  dir = tempDir();
  const input = await readProbabilities(new Uint8Array(readFileSync(npz)), "probabilities.npz");
  const shape = input.info.shape;
  const data = input.volume.data as Float32Array;
  writeFileSync(join(dir, "c.npy"), npyBytes(data, shape, "C", false));
  writeFileSync(join(dir, "f.npy"), npyBytes(data, shape, "F", false));
  writeFileSync(join(dir, "be.npy"), npyBytes(data, shape, "C", true));
  const c = readFileSync(join(dir, "c.npy"));
  writeFileSync(join(dir, "truncated.npy"), c.subarray(0, c.length - 1000));
});

describe("streamed .npy input", () => {
  it("equals the .npz read whole, bit for bit, in every order and on 1 and 2 threads", () => {
    const ref = cli([npz, "--out", join(dir, "ref"), "--no-png", "--threads", "1"]);
    expect(ref.code, ref.stderr).toBe(0);
    const want = mapAndStats(join(dir, "ref"));
    for (const f of ["c.npy", "f.npy", "be.npy"]) {
      for (const threads of ["1", "2"]) {
        const out = join(dir, `${f}-${threads}`);
        const r = cli([join(dir, f), "--out", out, "--no-png", "--threads", threads]);
        expect(r.code, r.stderr).toBe(0);
        const got = mapAndStats(out);
        expect(got.map.equals(want.map), `${f} on ${threads} threads: map`).toBe(true);
        for (const k of ["totalEntropy", "meanEntropy", "maxEntropy", "zeroSumVoxels", "perLabel", "perSliceTotalEntropy"]) {
          expect(got.stats[k], `${f} ${threads}: ${k}`).toEqual(want.stats[k]);
        }
        expect((got.stats.timings as { threads: number }).threads).toBe(Number(threads));
      }
    }
  });

  it("a truncated .npy is refused with exit 2, one line naming the file, and no output", () => {
    const out = join(dir, "trunc-out");
    const r = cli([join(dir, "truncated.npy"), "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("truncated.npy");
    expect(r.stderr).toMatch(/data: expected \d+ bytes/);
    expect(() => readdirSync(out)).toThrow();
  });
});
