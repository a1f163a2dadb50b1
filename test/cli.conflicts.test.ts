/** Options that contradict each other, or the files given with them, are refused in one line. */
import { describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
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

describe("region order and kind against the regions_class_order of --properties", () => {
  const c = "s09_sigmoid_regions_inia19_2mm";
  const propsFile = caseFile(c, "properties.json");
  const order = (JSON.parse(readFileSync(propsFile, "utf8")) as { regions_class_order: number[] }).regions_class_order;
  const base = [caseFile(c, "probabilities.npz"), "--properties", propsFile, "--no-png"];
  const oneLine = (args: string[]): string => {
    const r = cli([...args, "--out", join(tempDir(), "o")]);
    expect(r.code, r.stdout).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    return lines[0]!;
  };

  it("a --regions order other than the properties' is refused, naming both", () => {
    const reversed = [...order].reverse().join(",");
    expect(reversed).not.toBe(order.join(","));
    const line = oneLine([...base, "--regions", reversed]);
    expect(line).toContain(`command line: --regions: expected the regions_class_order of --properties ${propsFile} (${order.join(",")})`);
    expect(line).toContain(`found ${reversed}`);
  });

  it("the same order twice runs, and stats.json records the order used and where it came from", () => {
    for (const [extra, source] of [[["--regions", order.join(",")], "--regions"], [[], propsFile]] as const) {
      const out = join(tempDir(), "o");
      const r = cli([...base, ...extra, "--out", out]);
      expect(r.code, r.stderr).toBe(0);
      const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
      expect(stats.kind).toBe("sigmoid");
      expect(stats.input.regionsClassOrder).toEqual({ labels: order, source });
    }
  });

  it("a malformed regions_class_order is refused with file, field, expected and found", () => {
    for (const [value, found] of [["abc", '"abc"'], [[1, "x", 3], '[1,"x",3]'], [[], "[]"], [{ a: 1 }, '{"a":1}']] as const) {
      const f = join(tempDir(), "props.json");
      writeFileSync(f, JSON.stringify({ regions_class_order: value }));
      const line = oneLine([caseFile(c, "probabilities.npz"), "--properties", f, "--no-png"]);
      expect(line).toBe(`segentropy: ${f}: regions_class_order: expected a list of integer labels, one per sigmoid channel, found ${found}`);
    }
  });

  it("an .npz member 'logits' (read as logits) with properties naming a region model is refused, not put through a softmax", () => {
    const d = tempDir();
    const py = spawnSync("/usr/bin/python3", ["-c", "import sys, numpy as np; np.savez(sys.argv[1], logits=np.zeros((3, 2, 3, 4), np.float32))", join(d, "l.npz")], { encoding: "utf8" });
    expect(py.status, py.stderr).toBe(0);
    const line = oneLine([join(d, "l.npz"), "--properties", propsFile, "--no-png"]);
    expect(line).toContain("command line: --kind: expected --kind sigmoid, or no --kind");
    expect(line).toContain("found the .npz member 'logits' (read as --kind logits)");
  });

  it("a kind other than sigmoid for a region model is refused (a region model's channels are independent sigmoids)", () => {
    for (const kind of ["logits", "softmax", "tissue"]) {
      const line = oneLine([...base, "--kind", kind]);
      expect(line).toContain("command line: --kind: expected --kind sigmoid, or no --kind");
      expect(line).toContain(`regions_class_order ${order.join(",")}`);
      expect(line).toContain(`found --kind ${kind}`);
    }
  });
});
