/**
 * Independent check of our NIfTI writer: nibabel (Debian's python3-nibabel, installed by .ci/run)
 * reads entropy.nii.gz with the reference image's affine and the map's data.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { cli, tempDir } from "./helpers/cli.js";
import { FIXTURES } from "./helpers/cases.js";

const PY = `
import sys, json, numpy as np, nibabel as nib
out, ref, exp = sys.argv[1:4]
e = nib.load(out); r = nib.load(ref); x = nib.load(exp)
d = np.asarray(e.dataobj, dtype=np.float64); w = np.asarray(x.dataobj, dtype=np.float64)
fin = np.isfinite(w)
print(json.dumps({
  "shape": list(e.shape), "refShape": list(r.shape[:3]), "dtype": str(e.get_data_dtype()),
  "affineEqual": bool(np.allclose(e.affine, r.affine, atol=1e-6)),
  "sformCode": int(e.header["sform_code"]), "refSformCode": int(r.header["sform_code"]),
  "qformCode": int(e.header["qform_code"]), "refQformCode": int(r.header["qform_code"]),
  "nanPatternEqual": bool(np.array_equal(np.isfinite(d), fin)),
  "maxAbsErr": float(np.max(np.abs(d[fin] - w[fin]))) if fin.any() else 0.0,
}))
`;

const cases: [string, string[]][] = [
  ["s01_nnunetv2_inia19_1mm", ["probabilities.npz"]],
  ["s07_nifti2_icbm2009a_t1seg_3mm", ["probabilities.nii.gz"]],
  ["s08_bigendian_anatomical_gmm", ["probabilities.nii"]],
  ["s11_tpm_missing_background_spm_priors", ["probabilities.nii.gz", "--kind", "tissue"]],
];

describe("nibabel reads what we write", () => {
  it.each(cases)("%s", (name, args) => {
    const dir = join(FIXTURES, name);
    const image = join(dir, name.startsWith("s08") ? "image.nii" : "image.nii.gz");
    const out = tempDir();
    const r = cli([join(dir, args[0]!), ...args.slice(1), "--image", image, "--out", out, "--no-png"]);
    expect(r.code, r.stderr).toBe(0);
    const py = spawnSync("/usr/bin/python3", ["-c", PY, join(out, "entropy.nii.gz"), image, join(dir, "expected_entropy_bits.nii.gz")], { encoding: "utf8" });
    expect(py.status, `python3 with numpy and nibabel is needed (apt-get install python3-numpy python3-nibabel): ${py.stderr}`).toBe(0);
    const got = JSON.parse(py.stdout) as Record<string, unknown>;
    expect(got.shape).toEqual(got.refShape);
    expect(got.dtype).toBe("float32");
    expect(got.affineEqual).toBe(true);
    expect(got.sformCode).toBe(got.refSformCode);
    expect(got.qformCode).toBe(got.refQformCode);
    expect(got.nanPatternEqual).toBe(true);
    expect(got.maxAbsErr as number).toBeLessThanOrEqual(1e-5);
  });
});
