/** Options that contradict each other, or the files given with them, are refused in one line. */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempDir } from "./helpers/cli.js";
import { FIXTURES } from "./helpers/cases.js";

const caseFile = (c: string, f: string) => join(FIXTURES, c, f);

describe("--crop-bbox against the crop_bbox of --properties", () => {
  const c = "s02_nnunetv1_avg152_float16";
  // the box as the properties file states it, (z, y, x) ranges
  const props = JSON.parse(readFileSync(caseFile(c, "properties.json"), "utf8")) as { crop_bbox: number[][] };
  const propsText = props.crop_bbox.map(([a, b]) => `${a}:${b}`).join(",");
  const base = [caseFile(c, "softmax.npz"), "--image", caseFile(c, "image.nii.gz"), "--properties", caseFile(c, "properties.json"), "--no-png"];

  it("two different boxes stop the run with one line naming both", () => {
    const shifted = props.crop_bbox.map(([a, b], d) => (d === 0 ? `${a! + 1}:${b! + 1}` : `${a}:${b}`)).join(",");
    for (const order of [[...base, "--crop-bbox", shifted], ["--crop-bbox", shifted, ...base]]) {
      const r = cli([...order, "--out", join(tempDir(), "o")]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(propsText);
      expect(lines[0]).toContain(shifted);
      expect(lines[0]).toMatch(/command line: --crop-bbox: expected the crop box of --properties/);
    }
  });

  it("the same box given twice runs and is the box used", () => {
    const out = join(tempDir(), "o");
    const r = cli([...base, "--crop-bbox", propsText, "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    const [z, y, x] = props.crop_bbox as [number[], number[], number[]];
    expect(stats.input.cropBox.start_ijk).toEqual([x[0], y[0], z[0]]);
    expect(stats.input.cropBox.end_ijk).toEqual([x[1], y[1], z[1]]);
  });
});
