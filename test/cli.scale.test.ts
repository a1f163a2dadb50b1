/**
 * stats.json records the scaling the kernel applied: the header's scl_slope/scl_inter, or the
 * --scale that replaces them (found by a fresh-user pass: the header's values were reported even
 * when --scale had replaced them, and a .npy run with --scale reported none).
 */
import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempDir } from "./helpers/cli.js";
import { FIXTURES } from "./helpers/cases.js";

const s04 = join(FIXTURES, "s04_nifti4d_uint8_scaled_icbm2009a_1mm", "probabilities.nii.gz");

function stats(out: string): { input: { scale?: { slope: number; inter: number }; valueRange: { max: number } } } {
  return JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
}

/** A (C, H, W) uint8 .npy, C order. */
function u8Npy(path: string, C: number, H: number, W: number): void {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${C}, ${H}, ${W}), }`;
  header += " ".repeat((64 - ((10 + header.length + 1) % 64)) % 64) + "\n";
  const body = new Uint8Array(C * H * W);
  for (let v = 0; v < H * W; v++) { body[v] = v % 256; body[H * W + v] = 255 - (v % 256); for (let c = 2; c < C; c++) body[c * H * W + v] = 0; }
  const head = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, "latin1"), body]));
}

describe("stats.json input.scale", () => {
  it("NIfTI: the header's scaling without --scale, the --scale value (intercept 0) with it", () => {
    const plain = join(tempDir(), "plain");
    const a = cli([s04, "--out", plain, "--no-png"]);
    expect(a.code, a.stderr).toBe(0);
    expect(stats(plain).input.scale).toEqual({ slope: Math.fround(1 / 255), inter: 0 });

    const scaled = join(tempDir(), "scaled");
    const b = cli([s04, "--scale", "0.002", "--out", scaled, "--no-png", "--allow-unnormalized"]);
    expect(b.code, b.stderr).toBe(0);
    const s = stats(scaled);
    expect(s.input.scale).toEqual({ slope: 0.002, inter: 0 });
    expect(s.input.valueRange.max).toBeCloseTo(255 * 0.002, 6); // what the kernel saw
  });

  it(".npy: no scale entry without --scale, the --scale value with it", () => {
    const dir = tempDir();
    const npy = join(dir, "u8.npy");
    u8Npy(npy, 3, 16, 16);
    const plain = join(dir, "plain");
    // 0..255 without a scale: counts to renormalise (refused without the flag)
    const a = cli([npy, "--out", plain, "--no-png", "--allow-unnormalized"]);
    expect(a.code, a.stderr).toBe(0);
    expect(stats(plain).input.scale).toBeUndefined();
    const scaled = join(dir, "scaled");
    const b = cli([npy, "--scale", String(1 / 255), "--out", scaled, "--no-png"]);
    expect(b.code, b.stderr).toBe(0);
    expect(stats(scaled).input.scale).toEqual({ slope: 1 / 255, inter: 0 });
  });
});

/** A minimal NIfTI-1 uint8 (or uint16) 3-D file with scl_slope/scl_inter (no transform). */
function u8Nifti(path: string, dims: [number, number, number], data: Uint8Array | Uint16Array, slope: number, inter = 0): void {
  const h = Buffer.alloc(352);
  h.writeInt32LE(348, 0);
  [3, ...dims, 1, 1, 1, 1].forEach((d, i) => h.writeInt16LE(d, 40 + 2 * i));
  const u16 = data instanceof Uint16Array;
  h.writeInt16LE(u16 ? 512 : 2, 70); h.writeInt16LE(u16 ? 16 : 8, 72);   // datatype uint16/uint8, bitpix
  for (let i = 0; i < 8; i++) h.writeFloatLE(1, 76 + 4 * i);
  h.writeFloatLE(352, 108); h.writeFloatLE(slope, 112); h.writeFloatLE(inter, 116);
  h.write("n+1\0", 344, "latin1");
  writeFileSync(path, Buffer.concat([h, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

/** Sum over voxels of the entropy (bits) of the class values `value(c, v)`, renormalised, float64. */
function totalEntropy(C: number, N: number, value: (c: number, v: number) => number): number {
  let total = 0;
  for (let v = 0; v < N; v++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += value(c, v);
    for (let c = 0; c < C; c++) { const p = value(c, v) / s; if (p > 0) total -= p * Math.log2(p); }
  }
  return total;
}

describe("one NIfTI file per class with different scl_slope (found by a breaker pass)", () => {
  it("--scale replaces every file's slope (it was applied on top of them); stats.json says so; without it each file's scaling is reported", () => {
    const dir = tempDir();
    const dims: [number, number, number] = [8, 6, 5], N = 240;
    const raw = [new Uint8Array(N), new Uint8Array(N), new Uint8Array(N)];
    for (let v = 0; v < N; v++) { raw[0]![v] = (v * 37) % 200; raw[1]![v] = (v * 11) % 55; raw[2]![v] = 255 - raw[0]![v]! - raw[1]![v]!; }
    const slopes = [Math.fround(1 / 255), Math.fround(2 / 255), Math.fround(1 / 255)];
    const files = raw.map((r, c) => { const f = join(dir, `c${c + 1}.nii`); u8Nifti(f, dims, r, slopes[c]!); return f; });

    const scaled = join(dir, "scaled");
    const a = cli([...files, "--scale", "1/255", "--out", scaled, "--no-png", "--allow-unnormalized"]);
    expect(a.code, a.stderr).toBe(0);
    const sa = JSON.parse(readFileSync(join(scaled, "stats.json"), "utf8"));
    expect(sa.input.scale).toEqual({ slope: 1 / 255, inter: 0 });
    expect(sa.input.dtype).toBe("uint8");
    expect(sa.input.scalePerFile).toBeUndefined();
    const wantScaled = totalEntropy(3, N, (c, v) => raw[c]![v]!);   // raw * 1/255: the same ratios
    expect(Math.abs(sa.totalEntropy - wantScaled)).toBeLessThanOrEqual(1e-6 * N);

    const plain = join(dir, "plain");
    const b = cli([...files, "--out", plain, "--no-png", "--allow-unnormalized"]);
    expect(b.code, b.stderr).toBe(0);
    const sb = JSON.parse(readFileSync(join(plain, "stats.json"), "utf8"));
    expect(sb.input.scalePerFile).toEqual(slopes.map((slope) => ({ slope, inter: 0 })));
    const wantPlain = totalEntropy(3, N, (c, v) => Math.fround(raw[c]![v]! * slopes[c]!));
    expect(Math.abs(sb.totalEntropy - wantPlain)).toBeLessThanOrEqual(1e-6 * N);
    expect(Math.abs(wantPlain - wantScaled)).toBeGreaterThan(1); // the two runs must differ
  });

  it("class files of different stored types: --scale is refused (no single stored values to scale); without it each file's scaling applies", () => {
    const dir = tempDir();
    const dims: [number, number, number] = [4, 4, 2], N = 32;
    const a = new Uint8Array(N), b = new Uint16Array(N), c = new Uint8Array(N);
    for (let v = 0; v < N; v++) { a[v] = v * 3; b[v] = (255 - v * 3 - (v % 5)) * 257; c[v] = v % 5; }
    const files = [["c1.nii", a, 1 / 255], ["c2.nii", b, 1 / 65535], ["c3.nii", c, 1 / 255]].map(([f, d, sl]) => { const p = join(dir, f as string); u8Nifti(p, dims, d as Uint8Array | Uint16Array, sl as number); return p; });
    const r = cli([...files, "--scale", "1/255", "--out", join(dir, "x"), "--no-png", "--allow-unnormalized"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--scale: expected class files of one stored type .*found types uint8, uint16, uint8/);
    const ok = cli([...files, "--out", join(dir, "y"), "--no-png"]);
    expect(ok.code, ok.stderr).toBe(0);
    const st = JSON.parse(readFileSync(join(dir, "y", "stats.json"), "utf8"));
    expect(st.input.dtypePerFile).toEqual(["uint8", "uint16", "uint8"]);
    const want = totalEntropy(3, N, (k, v) => (k === 0 ? Math.fround(a[v]! * Math.fround(1 / 255)) : k === 1 ? Math.fround(b[v]! * Math.fround(1 / 65535)) : Math.fround(c[v]! * Math.fround(1 / 255))));
    expect(Math.abs(st.totalEntropy - want)).toBeLessThanOrEqual(1e-6 * N);
  });

  it("--scale 0 is refused (it would zero every value)", () => {
    const r = cli([join(FIXTURES, "s04_nifti4d_uint8_scaled_icbm2009a_1mm", "probabilities.nii.gz"), "--scale", "0", "--out", join(tempDir(), "x")]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--scale: expected a non-zero number/);
  });
});
