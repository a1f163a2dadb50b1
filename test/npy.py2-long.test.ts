/**
 * .npy files written by numpy under Python 2 spell long dims as 3L; numpy still reads them from
 * version 1.0 and 2.0 headers (format._filter_header), so we do too; a 3.0 header never held them.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseNpy, isSegentropyError } from "../src/index.js";
import { tempDir } from "./helpers/cli.js";

function npy(major: number, header: string, data: Float32Array): Uint8Array {
  const lenBytes = major === 1 ? 2 : 4;
  let h = header;
  while ((8 + lenBytes + h.length + 1) % 64 !== 0) h += " ";
  h += "\n";
  const out = new Uint8Array(8 + lenBytes + h.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, h.length, true); else dv.setUint32(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[8 + lenBytes + i] = h.charCodeAt(i);
  out.set(new Uint8Array(data.buffer), 8 + lenBytes + h.length);
  return out;
}

describe(".npy headers with Python 2 long dims", () => {
  const data = new Float32Array(2 * 3 * 4 * 5).map((_, i) => i / 10);
  const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L, 4L, 5L), }";

  it("versions 1.0 and 2.0 read as numpy reads them", () => {
    for (const major of [1, 2]) {
      const bytes = npy(major, header, data);
      const dir = tempDir();
      writeFileSync(join(dir, "a.npy"), bytes);
      // numpy's reading of the same bytes is the expectation
      const r = spawnSync("/usr/bin/python3", ["-c", "import sys, numpy as np; a = np.load(sys.argv[1]); print(list(a.shape), float(a.sum()))", join(dir, "a.npy")], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const [shape, sum] = r.stdout.trim().split(/\s(?=[\d.]+$)/) as [string, string];
      const arr = parseNpy(bytes, "a.npy");
      expect(JSON.stringify(Array.from(arr.shape))).toBe(shape.replace(/ /g, ""));
      expect(Array.from(arr.data as Float32Array).reduce((a, b) => a + b, 0)).toBeCloseTo(Number(sum), 3);
    }
  });

  it("a 3.0 header with 3L is refused, naming the shape", () => {
    let err: unknown;
    try { parseNpy(npy(3, header, data), "a.npy"); } catch (e) { err = e; }
    expect(isSegentropyError(err)).toBe(true);
    expect((err as Error).message).toMatch(/a\.npy: shape: expected non-negative integers, found \(2L, 3L, 4L, 5L\)/);
  });
});
