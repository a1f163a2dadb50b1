/**
 * Label -1 ("no label": NaN voxels, NaN in a segmentation) and other negative labels are drawn like
 * background 0: no colour. The render code is shared by the CLI PNGs and the browser demo.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { cli, tempDir, ROOT } from "./helpers/cli.js";
import { labelsToRGBA } from "../src/render/image.js";
import { threePanelFigure } from "../src/render/figure.js";
import { labelColor } from "../src/render/colormap.js";

const sample = join(ROOT, "samples", "nnunetv2_inia19_1mm");

describe("negative labels are transparent", () => {
  it("labelsToRGBA: -1, -7 and NaN get alpha 0 like 0; 2 gets its colour", () => {
    const img = labelsToRGBA({ width: 5, height: 1, data: new Float32Array([-1, -7, Number.NaN, 0, 2]) });
    for (let x = 0; x < 4; x++) expect(Array.from(img.data.subarray(x * 4, x * 4 + 4)), `pixel ${x}`).toEqual([0, 0, 0, 0]);
    expect(Array.from(img.data.subarray(16, 20))).toEqual([...labelColor(2), 255]);
  });

  it("threePanelFigure: labels -1 draw exactly as labels 0, and differently from label 2", () => {
    const w = 6, h = 4, n = w * h;
    const image = { width: w, height: h, data: Float32Array.from({ length: n }, (_, i) => (i * 7) % 11) };
    const entropy = { width: w, height: h, data: Float32Array.from({ length: n }, (_, i) => (i % 5) / 4) };
    const labels = (fill: number) => ({ width: w, height: h, data: Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? fill : i % 3)) });
    const fig = (fill: number) => threePanelFigure({ image, entropy, labels: labels(fill), entropyMax: 1, unitLabel: "bits", title: "t", scale: 2 }).data;
    expect(Array.from(fig(-1))).toEqual(Array.from(fig(0)));
    expect(Array.from(fig(2))).not.toEqual(Array.from(fig(0)));
  });

  it("CLI figures: a segmentation with NaN voxels draws them like background", () => {
    const dir = tempDir();
    // float32 copies of seg.nii.gz with a block through every slice set to NaN, to 0, and to label 2
    const py = spawnSync("/usr/bin/python3", ["-c", `
import sys, numpy as np, nibabel as nib
s = nib.load(sys.argv[1]); d = np.asarray(s.dataobj).astype(np.float32)
for name, v in (("nan", np.nan), ("zero", 0.0), ("two", 2.0)):
    f = d.copy(); f[30:55, 35:70, :] = v
    img = nib.Nifti1Image(f, s.affine); img.set_data_dtype(np.float32); nib.save(img, sys.argv[2] + "/seg_" + name + ".nii.gz")
`, join(sample, "seg.nii.gz"), dir], { encoding: "utf8" });
    expect(py.status, `python3 with numpy and nibabel is needed: ${py.stderr}`).toBe(0);
    const figures = (variant: string): Map<string, string> => {
      const out = join(dir, variant);
      const r = cli([join(sample, "probabilities.npz"), "--image", join(sample, "image.nii.gz"), "--seg", join(dir, `seg_${variant}.nii.gz`), "--out", out, "-q"]);
      expect(r.code, r.stderr).toBe(0);
      const pngs = readdirSync(out).filter((f) => f.endsWith(".png")).sort();
      expect(pngs.length).toBeGreaterThan(0);
      return new Map(pngs.map((f) => [f, readFileSync(join(out, f)).toString("base64")]));
    };
    const zero = figures("zero");
    expect(figures("nan")).toEqual(zero);
    expect(figures("two")).not.toEqual(zero); // the block is on the figures
  });
});
