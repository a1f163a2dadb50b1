/**
 * Every datatype that stores probabilities, in both byte orders, written by nibabel (an
 * independent writer) from a real case; the expected entropy is computed by numpy in float64 from
 * nibabel's decoded values.
 */
import { describe, expect, it, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { init, readProbabilitiesFile, analyze, readNpyFile } from "../src/node/index.js";
import { FIXTURES } from "./helpers/cases.js";
import { tempDir } from "./helpers/cli.js";

const PY = `
import sys, numpy as np, nibabel as nib
src, out = sys.argv[1], sys.argv[2]
img = nib.load(src); p = np.asarray(img.dataobj, dtype=np.float64)
variants = {
  "uint8_scaled": (np.uint8, 1/255), "int16_scaled": (np.int16, 1/32767), "uint16_scaled": (np.uint16, 1/65535),
  "float32": (np.float32, None), "float64": (np.float64, None),
}
for name, (dt, slope) in variants.items():
  for endian in "<>":
    if slope is None:
      arr = p.astype(np.dtype(dt).newbyteorder(endian))
      h = nib.Nifti1Image(arr, img.affine)
    else:
      raw = np.round(p / slope).astype(dt)
      h = nib.Nifti1Image(raw.astype(np.dtype(dt).newbyteorder(endian)), img.affine)
      h.header.set_slope_inter(slope, 0)
    h.header.set_data_dtype(np.dtype(dt).newbyteorder(endian))
    if endian == ">":
      h = nib.Nifti1Image(h.dataobj if slope is None else raw, img.affine, h.header.as_byteswapped(">"))
      if slope is not None: h.header.set_slope_inter(slope, 0)
    path = f"{out}/{name}_{'be' if endian == '>' else 'le'}.nii"
    nib.save(h, path)
    d = np.asarray(nib.load(path).dataobj, dtype=np.float64)
    s = d.sum(axis=3, keepdims=True)
    q = np.divide(d, s, out=np.zeros_like(d), where=s > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
      H = -np.where(q > 0, q * np.log2(q), 0).sum(axis=3)
    np.save(path + ".expected.npy", np.ascontiguousarray(H.T))  # C order of the transpose = F order of H
    print(path)
`;

beforeAll(async () => { await init(); });

describe("datatypes and byte orders", () => {
  it("uint8/int16/uint16 with scl_slope, float32, float64; little and big endian", async () => {
    const dir = tempDir();
    const py = spawnSync("/usr/bin/python3", ["-c", PY, join(FIXTURES, "s03_nifti4d_float32_anatomical", "probabilities.nii.gz"), dir], { encoding: "utf8" });
    expect(py.status, `python3 with numpy and nibabel is needed: ${py.stderr}`).toBe(0);
    const paths = py.stdout.trim().split("\n");
    expect(paths).toHaveLength(10);
    for (const p of paths) {
      const input = await readProbabilitiesFile(p);
      expect(input.info.byteOrder).toBe(p.includes("_be") ? "big" : "little");
      const a = analyze(input);
      const want = (await readNpyFile(p + ".expected.npy")).data as Float64Array;
      let worst = 0;
      for (let v = 0; v < want.length; v++) worst = Math.max(worst, Math.abs(a.map[v]! - want[v]!));
      expect(worst, p).toBeLessThanOrEqual(1e-5);
    }
  });
});
