/**
 * Messages that named the wrong cause (second fresh-user pass): a .hdr/.img pair, a 64-bit .npy,
 * a negative scaling, and the .pkl conversion command, each checked against files nibabel/numpy write.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempDir } from "./helpers/cli.js";

function py(code: string, ...args: string[]): string {
  const r = spawnSync("/usr/bin/python3", ["-c", code, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

describe("messages that name the real cause", () => {
  it("a NIfTI-1 .hdr/.img pair (nibabel's Nifti1Pair) is named as a pair, with the conversion", () => {
    const d = tempDir();
    py("import sys, numpy as np, nibabel as nib; nib.save(nib.Nifti1Pair(np.full((3, 3, 2, 2), 0.5, np.float32), np.eye(4)), sys.argv[1])", join(d, "pair.hdr"));
    const r = cli([join(d, "pair.hdr"), "--out", join(d, "o")]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("pair.hdr: magic: expected 'n+1' or 'n+2' (single-file .nii), found 'ni1' (the header of a .hdr/.img pair)");
  });

  it("an int64 .npy: the accepted list includes |b1 (bool is read) and the hint says how to save it", () => {
    const d = tempDir();
    py("import sys, numpy as np; np.save(sys.argv[1], np.ones((2, 3, 3, 3), np.int64)); np.save(sys.argv[2], np.ones((2, 3, 3, 3), bool))", join(d, "i8.npy"), join(d, "b1.npy"));
    const r = cli([join(d, "i8.npy"), "--out", join(d, "o")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("descr: expected one of <f2 <f4 <f8 |u1 |i1 <u2 <i2 <u4 <i4 |b1 (either byte order), found '<i8' (64-bit integers are not read");
    // the listed |b1 is really read: two classes of ones renormalise to 1 bit per voxel (closed form)
    const ok = cli([join(d, "b1.npy"), "--out", join(d, "ob"), "--no-png", "--allow-unnormalized"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(d, "ob", "stats.json"), "utf8")).totalEntropy).toBe(27);
  });

  it("values made negative by a negative --scale or scl_slope are blamed on the scaling, not read as logits", () => {
    const d = tempDir();
    py(`import sys, numpy as np, nibabel as nib
p = np.full((3, 3, 2, 2), 0.5, np.float32)
nib.save(nib.Nifti1Image(p, np.eye(4)), sys.argv[1])
img = nib.Nifti1Image(np.full((3, 3, 2, 2), 128, np.uint8), np.eye(4)); img.header.set_slope_inter(-1 / 255, 0)
nib.save(img, sys.argv[2])`, join(d, "p.nii"), join(d, "u8neg.nii"));
    for (const args of [[join(d, "p.nii"), "--scale", "-1"], [join(d, "u8neg.nii")]]) {
      const r = cli([...args, "--out", join(d, "o")]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/values: expected .*, found min -\S+, max -\S+ \(the scaling is negative \(slope -\S+, from scl_slope or --scale\): probabilities need a positive factor/);
      expect(r.stderr).not.toContain("logits");
    }
  });

  it("the .pkl conversion command in the hint runs on a pickle with numpy values and gives the JSON the CLI reads", () => {
    const d = tempDir();
    writeFileSync(join(d, "x"), "");
    const r = cli([join(d, "x"), "--properties", join(d, "props.pkl"), "--out", join(d, "o")]);
    const cmd = /convert it \(numpy values become lists and numbers\): (python3 -c "(.*)" FILE\.pkl > props\.json)/.exec(r.stderr);
    expect(cmd, r.stderr).not.toBeNull();
    py(`import sys, pickle, numpy as np
pickle.dump({"crop_bbox": [[np.int64(0), np.int64(82)], [5, 105], [4, 85]], "classes": np.array([0, 1, 2]), "spacing": (2.0, 2.0, 2.0)}, open(sys.argv[1], "wb"))`, join(d, "props.pkl"));
    const code = cmd![2]!.replace(/\\"/g, '"');
    const json = JSON.parse(py(code, join(d, "props.pkl")));
    expect(json).toEqual({ crop_bbox: [[0, 82], [5, 105], [4, 85]], classes: [0, 1, 2], spacing: [2, 2, 2] });
  });
});
