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
    const a = cli([npy, "--out", plain, "--no-png"]);
    expect(a.code, a.stderr).toBe(0);
    expect(stats(plain).input.scale).toBeUndefined();
    const scaled = join(dir, "scaled");
    const b = cli([npy, "--scale", String(1 / 255), "--out", scaled, "--no-png"]);
    expect(b.code, b.stderr).toBe(0);
    expect(stats(scaled).input.scale).toEqual({ slope: 1 / 255, inter: 0 });
  });
});
