/** The CLI as a user meets it: outputs, exit codes, one-line errors, atomic and non-clobbering writes. */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, writeFileSync, readdirSync, copyFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync, gunzipSync } from "node:zlib";
import { cli, tempDir, ROOT } from "./helpers/cli.js";
import { FIXTURES, manifest } from "./helpers/cases.js";

const sample = join(ROOT, "samples", "nnunetv2_inia19_1mm");
const s01 = (f: string) => join(sample, f);
const caseFile = (c: string, f: string) => join(FIXTURES, c, f);

describe("segentropy CLI", () => {
  it("--help and --version exit 0", () => {
    const h = cli(["--help"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("--kind");
    const v = cli(["--version"]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^segentropy \d+\.\d+\.\d+/);
  });

  it("writes entropy.nii.gz, stats.json and PNG figures for an nnU-Net v2 case", () => {
    const out = join(tempDir(), "out");
    const r = cli([s01("probabilities.npz"), "--image", s01("image.nii.gz"), "--seg", s01("seg.nii.gz"), "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("total entropy");
    const files = readdirSync(out);
    expect(files).toContain("entropy.nii.gz");
    expect(files).toContain("stats.json");
    expect(files.filter((f) => f.endsWith(".png")).length).toBeGreaterThanOrEqual(3);
    expect(files.some((f) => f.includes(".tmp"))).toBe(false);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    const want = manifest("s01_nnunetv2_inia19_1mm").expected;
    expect(Math.abs(stats.totalEntropy - want.total_entropy)).toBeLessThan(1e-5 * want.total_entropy);
    expect(stats.unit).toBe("bits");
    expect(stats.input.format).toBe("npz");
    expect(stats.input.key).toBe("probabilities");
    expect(stats.input.shape).toEqual([4, 64, 103, 84]);
    expect(stats.input.classAxis).toBe(0);
    expect(stats.perLabel.source).toBe("segmentation");
    expect(stats.perSliceTotalEntropy.k).toHaveLength(64);
    expect(stats.perSliceTotalEntropy.i).toHaveLength(84);
    expect(stats.zeroSumVoxels).toBe(0);
    expect(stats.nanVoxels).toBe(0);
  });

  it("refuses an existing output without --force, replaces it with --force", () => {
    const out = tempDir();
    const args = [s01("probabilities.npz"), "--image", s01("image.nii.gz"), "--out", out, "--no-png"];
    expect(cli(args).code).toBe(0);
    const again = cli(args);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("--force");
    expect(cli([...args, "--force"]).code).toBe(0);
  });

  it("--units nats scales the total by ln 2", () => {
    const out = tempDir();
    expect(cli([s01("probabilities.npz"), "--units", "nats", "--out", out, "--no-png"]).code).toBe(0);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    const want = manifest("s01_nnunetv2_inia19_1mm").expected.total_entropy * Math.LN2;
    expect(Math.abs(stats.totalEntropy - want)).toBeLessThan(1e-5 * want);
    expect(stats.unit).toBe("nats");
  });

  it("places a cropped nnU-Net v1 grid with --crop-bbox given as text", () => {
    const c = "s02_nnunetv1_avg152_float16";
    const out = tempDir();
    const r = cli([caseFile(c, "softmax.npz"), "--image", caseFile(c, "image.nii.gz"), "--crop-bbox", "0:82,5:105,4:85", "--out", out, "--no-png"]);
    expect(r.code, r.stderr).toBe(0);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    expect(stats.grid.dims).toEqual([91, 109, 91]);
    expect(Math.abs(stats.totalEntropy - manifest(c).expected.total_entropy)).toBeLessThan(1e-5 * manifest(c).expected.total_entropy);
  });

  it("writes entropy.npy in (row, col) order for a 2-D .npy", () => {
    const c = "s06_2d_npy_t1slice";
    const out = tempDir();
    const r = cli([caseFile(c, "probabilities.npy"), "--image", caseFile(c, "image.npy"), "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const npy = readFileSync(join(out, "entropy.npy"));
    expect(npy.subarray(0, 80).toString("latin1")).toContain("'shape': (256, 256)");
    expect(readdirSync(out).some((f) => f.endsWith(".png"))).toBe(true);
  });
});

/** Each malformed input: exit 2, one line on stderr naming the file, and no output left behind. */
describe("malformed input", () => {
  function expectRejected(args: string[], mention: RegExp): void {
    const out = join(tempDir(), "out");
    const r = cli([...args, "--out", out]);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(mention);
    expect(lines[0]).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  }

  it("a truncated .gz", () => {
    const dir = tempDir();
    const gz = readFileSync(caseFile("s03_nifti4d_float32_anatomical", "probabilities.nii.gz"));
    const bad = join(dir, "truncated.nii.gz");
    writeFileSync(bad, gz.subarray(0, Math.floor(gz.length / 2)));
    expectRejected([bad], /truncated\.nii\.gz: gzip stream: expected a complete gzip file, found a truncated one/);
  });

  it("data shorter than the header says", () => {
    const dir = tempDir();
    const raw = gunzipSync(readFileSync(caseFile("s03_nifti4d_float32_anatomical", "probabilities.nii.gz")));
    const bad = join(dir, "short.nii.gz");
    writeFileSync(bad, gzipSync(raw.subarray(0, raw.length - 1000)));
    expectRejected([bad], /short\.nii\.gz: data: expected \d+ bytes .* found \d+ bytes \(the file is truncated\)/);
  });

  it("negative values without --kind logits", () => {
    expectRejected([caseFile("s10_logits_inia19_2mm", "logits.npz"), "--kind", "softmax"], /logits\.npz: values: expected probabilities in \[0, 1\].*--kind logits/);
  });

  it("sigmoid channels read as softmax", () => {
    expectRejected([caseFile("s09_sigmoid_regions_inia19_2mm", "probabilities.npz")], /class sums: .*--kind sigmoid/);
  });

  it("tissue maps without background read as softmax", () => {
    expectRejected([caseFile("s11_tpm_missing_background_spm_priors", "probabilities.nii.gz")], /class sums: .*--kind tissue/);
  });

  it("a shape mismatch names both shapes", () => {
    expectRejected([s01("probabilities.npz"), "--image", caseFile("s03_nifti4d_float32_anatomical", "image.nii.gz")], /image\.nii\.gz: image grid: expected the probability grid \[84, 103, 64\].*found \[33, 41, 25\]/);
  });

  it("a cropped v1 grid without --crop-bbox", () => {
    const c = "s02_nnunetv1_avg152_float16";
    expectRejected([caseFile(c, "softmax.npz"), "--image", caseFile(c, "image.nii.gz")], /--crop-bbox/);
  });

  it("a missing file, an unknown option and a bad --kind", () => {
    expectRejected([join(tempDir(), "nope.npz")], /nope\.npz: path: expected a readable file, found no such file/);
    expectRejected([s01("probabilities.npz"), "--bogus"], /command line: --bogus: expected a known option/);
    expectRejected([s01("probabilities.npz"), "--kind", "soft"], /--kind: expected softmax \| logits \| sigmoid \| tissue, found 'soft'/);
  });

  it("never writes over an input", () => {
    const dir = tempDir();
    const p = join(dir, "stats.json");
    copyFileSync(s01("probabilities.npz"), join(dir, "p.npz"));
    writeFileSync(p, "{}");
    const r = cli([join(dir, "p.npz"), "--properties", p, "--out", dir, "--force", "--no-png"]);
    expect(r.code).toBe(2);
    expect(readFileSync(p, "utf8")).toBe("{}");
  });
});
