/**
 * --npy for a 2-D (C, H, W) input: entropy.npy is (row, col) as the README says, with or without
 * a 2-D NIfTI --image (shapes and values read back by numpy; the expected map is numpy's float64).
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { cli, tempDir } from "./helpers/cli.js";

const PY_MAKE = `
import sys, numpy as np, nibabel as nib
d = sys.argv[1]
rng = np.random.default_rng(5)
p = rng.dirichlet(np.ones(3), size=(7, 9)).astype(np.float32)    # (row, col, C)
np.save(d + '/chw.npy', np.ascontiguousarray(np.moveaxis(p, 2, 0)))
q = p.astype(np.float64); q /= q.sum(-1, keepdims=True)
np.save(d + '/want.npy', -(q * np.log2(q)).sum(-1))
img = rng.random((9, 7)).astype(np.float32)                       # NIfTI (i = col, j = row)
nib.save(nib.Nifti1Image(img, np.diag([0.5, 0.7, 3, 1])), d + '/img2d.nii.gz')
`;
const PY_READ = `
import sys, json, numpy as np
e = np.load(sys.argv[1]); w = np.load(sys.argv[2])
print(json.dumps({"shape": list(e.shape), "maxerr": float(np.abs(e.reshape(w.shape) - w).max())}))
`;

describe("--npy for a 2-D input", () => {
  it("is (row, col) with and without a 2-D NIfTI --image", () => {
    const d = tempDir();
    const made = spawnSync("/usr/bin/python3", ["-c", PY_MAKE, d], { encoding: "utf8" });
    expect(made.status, made.stderr).toBe(0);
    for (const [name, extra] of [["plain", []], ["image", ["--image", join(d, "img2d.nii.gz")]]] as const) {
      const out = join(d, name);
      const r = cli([join(d, "chw.npy"), ...extra, "--npy", "--no-png", "--out", out]);
      expect(r.code, r.stderr).toBe(0);
      const read = spawnSync("/usr/bin/python3", ["-c", PY_READ, join(out, "entropy.npy"), join(d, "want.npy")], { encoding: "utf8" });
      expect(read.status, read.stderr).toBe(0);
      const got = JSON.parse(read.stdout) as { shape: number[]; maxerr: number };
      expect(got.shape, name).toEqual([7, 9]);
      expect(got.maxerr, name).toBeLessThan(1e-5);
    }
  });
});
