/**
 * .npz members read in Node are checked against the CRC-32 of the zip directory, as numpy does:
 * a flipped bit in a stored member is refused with an error naming the file and the member.
 */
import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { readProbabilitiesFile, isSegentropyError } from "../src/node/index.js";
import { tempDir } from "./helpers/cli.js";

function npyF32(values: number[], shape: number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(", ")},), }`;
  header += " ".repeat((64 - ((10 + header.length + 1) % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + 4 * values.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const f = new Float32Array(values);
  out.set(new Uint8Array(f.buffer), 10 + header.length);
  return out;
}

describe(".npz CRC-32", () => {
  it("a clean member reads; one flipped bit in a stored member is refused", async () => {
    const dir = tempDir();
    const npy = npyF32([0.25, 0.5, 0.75, 0.5], [2, 2]);
    const zip = zipSync({ "probabilities.npy": [npy, { level: 0 }] });
    const good = join(dir, "good.npz");
    writeFileSync(good, zip);
    const input = await readProbabilitiesFile(good);
    expect(Array.from(input.volume.data as Float32Array)).toEqual([0.25, 0.5, 0.75, 0.5]);
    // the stored member's data follows its local header: flip the lowest mantissa bit of the last value
    const bad = zip.slice();
    const at = 30 + "probabilities.npy".length + npy.length - 4;
    expect(bad[at]).toBe(npy[npy.length - 4]);
    bad[at] ^= 1;
    const badPath = join(dir, "bad.npz");
    writeFileSync(badPath, bad);
    const err = await readProbabilitiesFile(badPath).then(() => null, (e: unknown) => e);
    expect(isSegentropyError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/bad\.npz: probabilities\.npy CRC-32: expected 0x[0-9a-f]{8}/);
  });
});

describe("the JavaScript CRC-32 (browsers and any host without a native one)", () => {
  it("equals node:zlib's crc32 on every length from 0 to 300 and on 1 MiB, also continued", async () => {
    const { crc32: zlibCrc } = await import("node:zlib");
    const { crc32 } = await import("../src/read/crc32.js");
    const data = new Uint8Array(1 << 20);
    let s = 12345;
    for (let i = 0; i < data.length; i++) { s = (s * 1103515245 + 12345) >>> 0; data[i] = s >>> 24; }
    for (let n = 0; n <= 300; n++) expect(crc32(data.subarray(0, n))).toBe(zlibCrc(data.subarray(0, n)));
    expect(crc32(data)).toBe(zlibCrc(data));
    expect(crc32(data.subarray(1000), crc32(data.subarray(0, 1000)))).toBe(zlibCrc(data));
  });

  it("readProbabilities without a crc32 option (the browser path) refuses a flipped bit in a stored member", async () => {
    const { readProbabilities } = await import("../src/read/probabilities.js");
    const npy = npyF32([0.25, 0.5, 0.75, 0.5], [2, 2]);
    const zip = zipSync({ "probabilities.npy": [npy, { level: 0 }] });
    expect(Array.from((await readProbabilities(zip, "good.npz")).volume.data as Float32Array)).toEqual([0.25, 0.5, 0.75, 0.5]);
    const bad = zip.slice();
    bad[30 + "probabilities.npy".length + npy.length - 4] ^= 1;
    const err = await readProbabilities(bad, "bad.npz").then(() => null, (e: unknown) => e);
    expect(isSegentropyError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/^bad\.npz: probabilities\.npy CRC-32: expected 0x[0-9a-f]{8} \(from the zip directory\), found 0x[0-9a-f]{8}: the member's data is corrupt/);
  });
});
