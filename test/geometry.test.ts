/**
 * Files combined voxel by voxel must sit at the same place in space: per-class files, the
 * probabilities' own NIfTI header, --image and --seg. A mismatch is refused (naming the file and
 * both affines), not silently resolved by taking one header. The test files are written by nibabel.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { cli, tempDir } from "./helpers/cli.js";

let dir = "";
const f = (name: string): string => join(dir, name);

beforeAll(() => {
  dir = tempDir();
  // a 10 x 9 x 8 grid with 3 classes; affines: A = diag(2, 2, 2) at (-10, -9, -8); shifted A;
  // x-flipped A; A + 1e-6 (float noise: accepted); no geometry (codes 0)
  const py = spawnSync("/usr/bin/python3", ["-c", `
import sys, numpy as np, nibabel as nib
d = sys.argv[1]
rng = np.random.default_rng(3)
p = rng.random((10, 9, 8, 3)).astype(np.float32) ** 4
p /= p.sum(axis=3, keepdims=True)
A = np.diag([2.0, 2.0, 2.0, 1.0]); A[:3, 3] = [-10, -9, -8]
S = A.copy(); S[:3, 3] += [50, -30, 10]
F = A.copy(); F[0, 0] = -2.0
N = A.copy(); N[:3, :] += 1e-6
def save(data, aff, name, codes=True):
    # no affine: nibabel writes sform and qform codes 0 (no placement in space)
    img = nib.Nifti1Image(data, aff if codes else None)
    nib.save(img, d + '/' + name)
save(p, A, 'probs.nii.gz')
save(p, A, 'probs_nogeom.nii.gz', codes=False)
img = (p[..., 0] * 100).astype(np.float32)
save(img, A, 'image.nii.gz'); save(img, F, 'image_flip.nii.gz'); save(img, N, 'image_noise.nii.gz'); save(img, S, 'image_shift.nii.gz')
seg = p.argmax(axis=3).astype(np.uint8)
save(seg, A, 'seg.nii.gz'); save(seg, F, 'seg_flip.nii.gz')
# an image whose sform (aligned, code 2) differs from its qform (scanner, code 1), and a
# segmentation written the way ITK/SimpleITK may write it: both forms set to the image's qform
Q = A.copy(); Q[:3, 3] += [3, 0, 0]
both = nib.Nifti1Image(img, A); both.set_sform(A, code=2); both.set_qform(Q, code=1); nib.save(both, d + '/image_two_forms.nii.gz')
itk = nib.Nifti1Image(seg, Q); itk.set_sform(Q, code=1); itk.set_qform(Q, code=1); nib.save(itk, d + '/seg_itk.nii.gz')
# a qform-only image rotated within 0.04 degrees of 180 (LAS storage, slight obliquity), 64 x 64 x 5,
# and its segmentation saved the usual nibabel way from nibabel's reading of the image: there
# nifti1_io and nibabel decode the float32 quaternion differently (a = 0 against a = sqrt(1e-8))
def rot(axis, deg):
    a = np.deg2rad(deg); c, s = np.cos(a), np.sin(a); R = np.eye(3)
    i, j = [(1, 2), (0, 2), (0, 1)][axis]; R[i, i] = c; R[j, j] = c; R[i, j] = -s; R[j, i] = s
    return R
def affine(R, zooms, origin):
    M = np.eye(4); M[:3, :3] = R @ np.diag(zooms); M[:3, 3] = origin; return M
H = affine(np.diag([-1, 1, 1.0]) @ rot(1, 0.04) @ rot(0, 0.016), [0.7, 0.7, 5], [100.1, -120.2, -50.3])
big = rng.random((64, 64, 5)).astype(np.float32)
q = nib.Nifti1Image(big, H); q.header.set_qform(H, code=1); q.header.set_sform(H, code=0); q.update_header = lambda: None
nib.save(q, d + '/image_near180.nii.gz')
nib.save(nib.Nifti1Image((big > 0.5).astype(np.uint8), nib.load(d + '/image_near180.nii.gz').affine), d + '/seg_near180.nii.gz')
np.save(d + '/probs_64.npy', np.full((2, 5, 64, 64), 0.5, np.float32))
# 0.5 x 0.5 x 10 mm slices against 0.5009 mm in-plane spacing: 0.11 mm (0.23 voxel) apart at i = 127
Si = affine(np.eye(3), [0.5, 0.5, 10], [-32, -32, -10]); Ss = affine(np.eye(3), [0.5009, 0.5009, 10], [-32, -32, -10])
flat = rng.random((128, 128, 2)).astype(np.float32)
nib.save(nib.Nifti1Image(flat, Si), d + '/image_thick.nii.gz'); nib.save(nib.Nifti1Image((flat > 0.5).astype(np.uint8), Ss), d + '/seg_thick_spacing.nii.gz')
np.save(d + '/probs_128.npy', np.full((2, 2, 128, 128), 0.5, np.float32))
for c in range(3):
    save(p[..., c], A, f'c{c}.nii.gz'); save(p[..., c], S, f'c{c}_shift.nii.gz')
`, dir], { encoding: "utf8" });
  expect(py.status, `python3 with numpy and nibabel is needed: ${py.stderr}`).toBe(0);
});

/** Exit 2, one stderr line matching `mention`, nothing written. */
function rejected(args: string[], mention: RegExp): void {
  const out = join(tempDir(), "out");
  const r = cli([...args, "--out", out, "--no-png", "--quiet"]);
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(mention);
  expect(existsSync(out)).toBe(false);
}

function accepted(args: string[]): { geometrySource: string } {
  const out = join(tempDir(), "out");
  const r = cli([...args, "--out", out, "--no-png", "--quiet"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(readFileSync(join(out, "stats.json"), "utf8")).grid as { geometrySource: string };
}

describe("geometry", () => {
  it("per-class files at different places are refused, the same ones accepted", () => {
    rejected([f("c0.nii.gz"), f("c1_shift.nii.gz"), f("c2.nii.gz"), "--kind", "tissue"],
      /c1_shift\.nii\.gz: affine: expected the placement in space of .*c0\.nii\.gz: \[2, 0, 0, -10\].*found \[2, 0, 0, 40\].*voxels placed up to 59\.2 mm apart/);
    accepted([f("c0.nii.gz"), f("c1.nii.gz"), f("c2.nii.gz")]);
  });

  it("--image and --seg on another placement than the probabilities' header are refused", () => {
    rejected([f("probs.nii.gz"), "--image", f("image_flip.nii.gz")], /probs\.nii\.gz: affine: expected the placement in space of .*image_flip\.nii\.gz: \[-2, 0, 0, -10\].*voxels placed up to 36 mm apart \(18 of the smallest voxel size 2 mm\)/);
    rejected([f("probs.nii.gz"), "--image", f("image_shift.nii.gz")], /affine: .*voxels placed up to 59\.2 mm apart/);
    rejected([f("probs.nii.gz"), "--seg", f("seg_flip.nii.gz")], /seg_flip\.nii\.gz: affine: expected the placement in space of .*probs\.nii\.gz/);
    rejected([f("probs.nii.gz"), "--image", f("image.nii.gz"), "--seg", f("seg_flip.nii.gz")], /seg_flip\.nii\.gz: affine:/);
  });

  it("float noise in an affine, and a header without geometry, are accepted", () => {
    expect(accepted([f("probs.nii.gz"), "--image", f("image_noise.nii.gz")]).geometrySource).toMatch(/image_noise\.nii\.gz$/);
    // probabilities written without a placement take the image's
    expect(accepted([f("probs_nogeom.nii.gz"), "--image", f("image_flip.nii.gz")]).geometrySource).toMatch(/image_flip\.nii\.gz$/);
  });

  it("a header's sform or qform may match: an image with two placements and a segmentation written from its qform", () => {
    expect(accepted([f("probs_nogeom.nii.gz"), "--image", f("image_two_forms.nii.gz"), "--seg", f("seg_itk.nii.gz")]).geometrySource).toMatch(/image_two_forms\.nii\.gz$/);
    rejected([f("probs_nogeom.nii.gz"), "--image", f("image_flip.nii.gz"), "--seg", f("seg_itk.nii.gz")], /seg_itk\.nii\.gz: affine: .*voxels placed up to 39 mm apart/);
  });

  it("a qform near 180 degrees, which nifti1_io and nibabel decode differently, still matches nibabel's writing of it", () => {
    accepted([f("probs_64.npy"), "--image", f("image_near180.nii.gz"), "--seg", f("seg_near180.nii.gz")]);
  });

  it("a spacing off by 0.2% is refused even with thick slices (the check is on where voxels land, not per matrix entry)", () => {
    rejected([f("probs_128.npy"), "--image", f("image_thick.nii.gz"), "--seg", f("seg_thick_spacing.nii.gz")],
      /seg_thick_spacing\.nii\.gz: affine: .*found \[0\.5009, 0, 0, -32\].*voxels placed up to 0\.162 mm apart \(0\.323 of the smallest voxel size 0\.5 mm\)/);
  });

  it("the probabilities' own header is the geometry when only --seg is given", () => {
    expect(accepted([f("probs.nii.gz"), "--seg", f("seg.nii.gz")]).geometrySource).toMatch(/probs\.nii\.gz$/);
    // ... unless it has none
    expect(accepted([f("probs_nogeom.nii.gz"), "--seg", f("seg_flip.nii.gz")]).geometrySource).toMatch(/seg_flip\.nii\.gz$/);
  });

  it("--class-axis and --key are refused for NIfTI inputs, --key for .npy; the NIfTI class-sum hint names no --class-axis", () => {
    rejected([f("probs.nii.gz"), "--class-axis", "0"], /command line: --class-axis: expected a \.npy or \.npz input.*found .*probs\.nii\.gz \(nifti1\)/);
    rejected([f("probs.nii.gz"), "--key", "probabilities"], /command line: --key: expected an \.npz input.*found .*probs\.nii\.gz \(nifti1\)/);
    const npy = f("p.npy");
    const py = spawnSync("/usr/bin/python3", ["-c", "import sys, numpy as np; p = np.full((3, 4, 5, 6), 1/3, np.float32); np.save(sys.argv[1], p)", npy], { encoding: "utf8" });
    expect(py.status, py.stderr).toBe(0);
    rejected([npy, "--key", "probabilities"], /--key: expected an \.npz input.*\(npy\)/);
    // class sums of 3 in a 4-D NIfTI: the hint cannot be --class-axis (NIfTI fixes the class axis)
    const tripled = f("tripled.nii.gz");
    const py2 = spawnSync("/usr/bin/python3", ["-c", "import sys, numpy as np, nibabel as nib; nib.save(nib.Nifti1Image(np.full((4, 5, 6, 2), 1.0, np.float32) * np.float32(0.9), np.eye(4)), sys.argv[1])", tripled], { encoding: "utf8" });
    expect(py2.status, py2.stderr).toBe(0);
    const out = join(tempDir(), "o");
    const r = cli([tripled, "--out", out, "--no-png"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/class sums: expected sums near 1/);
    expect(r.stderr).not.toMatch(/class-axis/);
  });
});
