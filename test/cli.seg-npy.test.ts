/**
 * --seg takes a 2-D (row, col) .npy label map for a 2-D input, as --image takes a .npy image: the
 * per-label statistics follow it (expected: numpy's counts and float64 entropies per label), the
 * map stays a (row, col) entropy.npy without geometry. Other .npy label maps are refused by shape.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempDir } from "./helpers/cli.js";

const PY = `
import sys, json, numpy as np, nibabel as nib
d = sys.argv[1]
rng = np.random.default_rng(3)
H, W, C = 7, 9, 3
p = rng.dirichlet(np.ones(C), size=(H, W)).astype(np.float32)   # (H, W, C)
np.save(d + '/chw.npy', np.ascontiguousarray(np.moveaxis(p, 2, 0)))
seg = rng.integers(0, 4, size=(H, W)).astype(np.int16)
np.save(d + '/seg.npy', seg)
np.save(d + '/seg_f.npy', np.asfortranarray(seg))
np.save(d + '/seg3d.npy', np.zeros((2, H, W), np.int16))
q = p.astype(np.float64); q /= q.sum(-1, keepdims=True)
h = -(q * np.log2(q)).sum(-1)
labels = {str(l): {"count": int((seg == l).sum()), "total": float(h[seg == l].sum())} for l in np.unique(seg)}
print(json.dumps({"labels": labels, "shape": [H, W]}))
`;

function make(): { dir: string; labels: Record<string, { count: number; total: number }>; shape: number[] } {
  const dir = tempDir();
  const r = spawnSync("/usr/bin/python3", ["-c", PY, dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return { dir, ...JSON.parse(r.stdout) };
}

describe("--seg with a .npy label map", () => {
  it("a 2-D (row, col) label map of a 2-D input gives numpy's per-label counts and totals, C or F order", () => {
    const g = make();
    for (const seg of ["seg.npy", "seg_f.npy"]) {
      const out = join(g.dir, `o_${seg}`);
      const r = cli([join(g.dir, "chw.npy"), "--seg", join(g.dir, seg), "--out", out]);
      expect(r.code, r.stderr).toBe(0);
      const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
      expect(stats.perLabel.source).toBe("segmentation");
      expect(Object.keys(stats.perLabel.labels).sort()).toEqual(Object.keys(g.labels).sort());
      for (const [l, want] of Object.entries(g.labels)) {
        expect(stats.perLabel.labels[l].count, `label ${l}`).toBe(want.count);
        expect(Math.abs(stats.perLabel.labels[l].totalEntropy - want.total), `label ${l}`).toBeLessThan(1e-5);
      }
      // still a 2-D picture without geometry: entropy.npy of (row, col), no entropy.nii.gz
      expect(stats.outputs).toContain("entropy.npy");
      expect(stats.outputs).not.toContain("entropy.nii.gz");
      expect(stats.grid.geometrySource).toMatch(/^none/);
      const npy = readFileSync(join(out, "entropy.npy"));
      expect(npy.toString("latin1", 10, 80)).toContain(`'shape': (${g.shape[0]}, ${g.shape[1]})`);
    }
  });

  it("a .npy label map of another shape is refused with its shape", () => {
    const g = make();
    const r = cli([join(g.dir, "chw.npy"), "--seg", join(g.dir, "seg3d.npy"), "--out", join(g.dir, "o")]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`segentropy: ${join(g.dir, "seg3d.npy")}: --seg: expected a NIfTI label map, or a 2-D (row, col) .npy label map for a 2-D input, found a .npy of shape (2, 7, 9)`);
  });
});
