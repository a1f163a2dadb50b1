/**
 * writeNiftiFile (breaker2 #12): a name ending in .gz in another case (map.NII.GZ) was written
 * uncompressed, which nibabel (case-insensitive extensions) then refused as "not a gzip file";
 * gzipLevel 12 leaked zlib's RangeError; misspelt option keys were dropped. nibabel is the
 * independent reader: it must load every name we write and see the values we wrote.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { writeNiftiFile, encodeNifti1Float32, defaultGeometry, SegentropyError } from "../src/node/index.js";
import { tempDir } from "./helpers/cli.js";

const map = new Float32Array([0, 0.25, 0.5, 1, 1.5, 2]);
const geometry = defaultGeometry([3, 2, 1]);

/** nibabel's view of a file: whether it is gzip (by its first bytes) and its values in F order. */
function nibabel(path: string): { values: number[]; shape: number[]; description: string } {
  const py = "import sys, json, numpy as np, nibabel as nib\n"
    + "img = nib.load(sys.argv[1]); d = np.asarray(img.dataobj, dtype=np.float64)\n"
    + "print(json.dumps({'values': d.ravel(order='F').tolist(), 'shape': list(img.shape), 'description': img.header['descrip'].tobytes().rstrip(b'\\x00').decode()}))";
  const r = spawnSync("/usr/bin/python3", ["-c", py, path], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { values: number[]; shape: number[]; description: string };
}

const isGzip = (path: string) => { const b = readFileSync(path); return b[0] === 0x1f && b[1] === 0x8b; };

function caught(f: () => unknown): SegentropyError {
  try { f(); } catch (e) { if (e instanceof SegentropyError) return e; throw e; }
  throw new Error("no error");
}

describe("writeNiftiFile: gzip by extension, in any case", () => {
  for (const name of ["map.nii.gz", "map.NII.GZ", "map.nii.GZ"]) {
    it(`${name} is gzip and nibabel reads it`, () => {
      const path = join(tempDir(), name);
      writeNiftiFile(path, map, geometry, { description: "writer test" });
      expect(isGzip(path)).toBe(true);
      const r = nibabel(path);
      expect(r.shape).toEqual([3, 2, 1]);
      expect(r.values).toEqual([0, 0.25, 0.5, 1, 1.5, 2]);
      expect(r.description).toBe("writer test");
    });
  }
  for (const name of ["map.nii", "map.NII"]) {
    it(`${name} is not gzip and nibabel reads it`, () => {
      const path = join(tempDir(), name);
      writeNiftiFile(path, map, geometry);
      expect(isGzip(path)).toBe(false);
      expect(nibabel(path).values).toEqual([0, 0.25, 0.5, 1, 1.5, 2]);
    });
  }
});

describe("writeNiftiFile: gzipLevel and option keys", () => {
  it("gzipLevel 0 and 9 are written and read back", () => {
    for (const gzipLevel of [0, 9]) {
      const path = join(tempDir(), "m.nii.gz");
      writeNiftiFile(path, map, geometry, { gzipLevel });
      expect(nibabel(path).values).toEqual([0, 0.25, 0.5, 1, 1.5, 2]);
    }
  });

  for (const bad of [12, -1, 1.5, NaN, "9"]) {
    it(`gzipLevel ${JSON.stringify(bad) ?? String(bad)} is refused with a SegentropyError and nothing is written`, () => {
      const dir = tempDir();
      const e = caught(() => writeNiftiFile(join(dir, "m.nii.gz"), map, geometry, { gzipLevel: bad as number }));
      expect(e.field).toBe("options.gzipLevel");
      expect(e.expected).toBe("an integer from 0 to 9");
      expect(readdirSync(dir)).toEqual([]);
    });
  }

  it("misspelt keys are refused with the close match, nothing written", () => {
    const dir = tempDir();
    const e = caught(() => writeNiftiFile(join(dir, "m.nii.gz"), map, geometry, { descripton: "typo" } as never));
    expect(e.field).toBe("options.descripton");
    expect(e.hint).toBe("did you mean description?");
    expect(caught(() => writeNiftiFile(join(dir, "m.nii.gz"), map, geometry, { gzipLvl: 9 } as never)).hint).toBe("did you mean gzipLevel?");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("encodeNifti1Float32 refuses unknown keys too (gzipLevel is not one of its options)", () => {
    expect(caught(() => encodeNifti1Float32(map, geometry, { calmax: 3 } as never)).hint).toBe("did you mean calMax?");
    expect(caught(() => encodeNifti1Float32(map, geometry, { gzipLevel: 1 } as never)).field).toBe("options.gzipLevel");
  });
});
