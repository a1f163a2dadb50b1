/**
 * A 4-D .npy (C, z, y, x) is a volume even when z = 1 (nnU-Net's 2-D output shape (C, 1, H, W)):
 * it used to take the 2-D path (entropy.npy (H, W) and no entropy.nii.gz). Only a 3-D array
 * (C, H, W) is a 2-D picture. And grids too long to draw (a (2, 1, 300000) strip drew a
 * 900070-pixel-wide slice.png in 3 s and 500 MB) get no figures, said on stdout and in stats.json.
 * Expected maps and shapes come from numpy and nibabel.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempDir } from "./helpers/cli.js";
import { FIXTURES } from "./helpers/cases.js";

function python(code: string, ...args: string[]): string {
  const py = spawnSync("/usr/bin/python3", ["-c", code, ...args], { encoding: "utf8" });
  expect(py.status, `python3 with numpy and nibabel is needed: ${py.stderr}`).toBe(0);
  return py.stdout;
}

/** numpy's entropy (bits, float64, 0 log 0 = 0) of a (C, ...) array against the CLI's outputs: shapes and largest difference. */
const CHECK = `
import sys, json, os, numpy as np, nibabel as nib
p = np.load(sys.argv[1]).astype(np.float64); out = sys.argv[2]
p = p / p.sum(0)
with np.errstate(divide="ignore", invalid="ignore"):
    h = -np.where(p > 0, p * np.log2(p), 0).sum(0)
res = {"files": sorted(os.listdir(out))}
if os.path.exists(f"{out}/entropy.npy"):
    e = np.load(f"{out}/entropy.npy"); res["npy_shape"] = list(e.shape)
    res["npy_diff"] = float(np.abs(e - h.reshape(e.shape)).max()) if e.size == h.size else None
if os.path.exists(f"{out}/entropy.nii.gz"):
    img = nib.load(f"{out}/entropy.nii.gz"); d = np.asarray(img.dataobj)
    res["nii_shape"] = list(img.shape)
    # NIfTI (i, j, k) is the array's (x, y, z): the axes reversed
    res["nii_diff"] = float(np.abs(d - h.transpose(tuple(range(h.ndim))[::-1])).max())
print(json.dumps(res))
`;

describe("a 4-D .npy (C, 1, H, W)", () => {
  it("is a 3-D volume with z = 1: entropy.nii.gz of (x, y, z) = (W, H, 1) and --npy shaped (1, H, W)", () => {
    const dir = tempDir();
    const src = join(FIXTURES, "s06_2d_npy_t1slice", "probabilities.npy");
    const npy4 = join(dir, "c1hw.npy");
    python("import sys, numpy as np; np.save(sys.argv[2], np.load(sys.argv[1])[:, None])", src, npy4);
    const out = join(dir, "out");
    const r = cli([npy4, "--npy", "--out", out, "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(python(CHECK, npy4, out));
    expect(res.nii_shape).toEqual([256, 256, 1]);
    expect(res.npy_shape).toEqual([1, 256, 256]);
    expect(res.nii_diff).toBeLessThan(1e-6);
    expect(res.npy_diff).toBeLessThan(1e-6);
    // a z = 1 volume still gets its figure: the one slice
    expect(res.files).toEqual(["entropy.nii.gz", "entropy.npy", "slice.png", "stats.json"]);
    // the 3-D (C, H, W) array stays a 2-D picture
    const out2 = join(dir, "out2");
    expect(cli([src, "--out", out2, "--quiet"]).code).toBe(0);
    const res2 = JSON.parse(python(CHECK, src, out2));
    expect(res2.files).toEqual(["entropy.npy", "slice.png", "stats.json"]);
    expect(res2.npy_shape).toEqual([256, 256]);
  });
});

describe("grids too long to draw", () => {
  it("get no figures (said on stdout and in stats.json); a grid NIfTI-1 cannot hold goes to entropy.npy", () => {
    const dir = tempDir();
    python(`
import sys, numpy as np
r = np.random.default_rng(1)
for name, shape in [("strip3", (2, 1, 300000)), ("strip4", (2, 1, 1, 200000))]:
    a = r.random(shape).astype(np.float32); a /= a.sum(0)
    np.save(f"{sys.argv[1]}/{name}.npy", a)
`, dir);
    for (const [name, grid, npyShape] of [["strip3", "[300000, 1, 1]", [1, 300000]], ["strip4", "[200000, 1, 1]", [1, 1, 200000]]] as const) {
      const npy = join(dir, `${name}.npy`);
      const out = join(dir, `out_${name}`);
      const r = cli([npy, "--out", out]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout, name).toContain(`note: no PNG figures: the grid ${grid} has an axis of more than 8192 voxels`);
      const res = JSON.parse(python(CHECK, npy, out));
      expect(res.files, name).toEqual(["entropy.npy", "stats.json"]);
      expect(res.npy_shape, name).toEqual(npyShape);
      expect(res.npy_diff, name).toBeLessThan(1e-6);
      const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
      expect(stats.figures, name).toEqual({ skipped: `the grid ${grid} has an axis of more than 8192 voxels`, files: [] });
      expect(stats.outputs, name).toEqual(["entropy.npy"]);
    }
    // the 4-D strip is a volume, but its 200000-voxel axis does not fit NIfTI-1's int16 sizes
    const r = cli([join(dir, "strip4.npy"), "--out", join(dir, "again"), "--no-png"]);
    expect(r.stdout).toContain("note: no entropy.nii.gz: the grid [200000, 1, 1] has an axis of more than 32767 voxels, more than NIfTI-1 holds; the map is in entropy.npy");
    expect(existsSync(join(dir, "again", "entropy.nii.gz"))).toBe(false);
    expect(readdirSync(join(dir, "again")).sort()).toEqual(["entropy.npy", "stats.json"]);
  });
});
