/**
 * The "most uncertain slice" is the slice the figures call axial (the voxel axis nearest S-I), in
 * the CLI text and stats.json alike; without geometry it is along grid axis k and says so.
 * Inputs are written by nibabel, the expected axes come from nibabel's aff2axcodes and the
 * expected totals from the closed form (a voxel at p = (0.5, 0.5) holds 1 bit, a one-hot one 0).
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { cli, tempDir } from "./helpers/cli.js";

// One uncertain plane at voxel index 10 of the axis `plane` (0 = i, 1 = j, 2 = k) of a (20, 24, 16) grid.
const PY = `
import sys, json, numpy as np, nibabel as nib
d, plane, affine = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
X, Y, Z, C = 20, 24, 16, 2
p = np.zeros((X, Y, Z, C), np.float32); p[..., 0] = 1
idx = [slice(None)] * 3; idx[plane] = 10; p[tuple(idx)] = 0.5
aff = np.array(affine, float)
img = nib.Nifti1Image(p, aff); img.header.set_qform(aff, 1); img.header.set_sform(aff, 1); nib.save(img, d + '/p.nii.gz')
np.save(d + '/p.npy', np.ascontiguousarray(np.moveaxis(p, 3, 0).transpose(0, 3, 2, 1)))
codes = ''.join(nib.aff2axcodes(aff))
print(json.dumps({"codes": codes, "axial": [i for i, c in enumerate(codes) if c in 'SI'][0], "shape": [X, Y, Z]}))
`;

function make(plane: number, affine: number[][]): { dir: string; codes: string; axial: number; shape: number[] } {
  const dir = tempDir();
  const r = spawnSync("/usr/bin/python3", ["-c", PY, dir, String(plane), JSON.stringify(affine)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return { dir, ...JSON.parse(r.stdout) };
}

const SAR = [[0, 0, 1, -8], [0, 1, 0, -12], [1, 0, 0, -10], [0, 0, 0, 1]];
const RAS = [[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]];

describe("most uncertain slice", () => {
  it("a sagittal acquisition (voxel axes SAR): the axial axis i, in text, stats.json and the figure name", () => {
    const g = make(0, SAR);
    expect(g.codes).toBe("SAR");
    const letter = "ijk"[g.axial]!;
    const out = join(g.dir, "o");
    const r = cli([join(g.dir, "p.nii.gz"), "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const planeBits = g.shape[1]! * g.shape[2]!; // 24 * 16 voxels at 1 bit
    expect(r.stdout).toContain(`most uncertain axial slice ${letter}=10 (voxel axes SAR)`);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    expect(stats.mostUncertainSlice).toEqual({ axis: letter, index: 10, totalEntropy: planeBits, view: "axial", voxelAxes: "SAR" });
    expect(readdirSync(out)).toContain(`axial_${letter}10_most_uncertain.png`);
  });

  it("an axial acquisition (RAS): along k", () => {
    const g = make(2, RAS);
    expect(g.codes).toBe("RAS");
    const out = join(g.dir, "o");
    const r = cli([join(g.dir, "p.nii.gz"), "--out", out, "--no-png"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("most uncertain axial slice k=10 (voxel axes RAS)");
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    expect(stats.mostUncertainSlice).toEqual({ axis: "k", index: 10, totalEntropy: g.shape[0]! * g.shape[1]!, view: "axial", voxelAxes: "RAS" });
  });

  it("no geometry (.npy): along grid axis k, said so", () => {
    const g = make(2, RAS);
    const out = join(g.dir, "o");
    const r = cli([join(g.dir, "p.npy"), "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("most uncertain slice k=10 (no geometry: along grid axis k)");
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    expect(stats.mostUncertainSlice).toEqual({ axis: "k", index: 10, totalEntropy: g.shape[0]! * g.shape[1]!, view: "grid k", voxelAxes: null });
    expect(readdirSync(out)).toContain("axial_k10_most_uncertain.png");
  });
});
