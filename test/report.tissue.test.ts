/** Tissue maps: the report adds the mean entropy over the given classes (not the added background). */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempDir } from "./helpers/cli.js";
import { FIXTURES, manifest } from "./helpers/cases.js";

describe("tissue report", () => {
  it("meanEntropyTissueClasses equals the manifest's per-label reference over GM, WM and CSF", () => {
    const name = "s11_tpm_missing_background_spm_priors";
    const out = join(tempDir(), "o");
    const r = cli([join(FIXTURES, name, "probabilities.nii.gz"), "--kind", "tissue", "--out", out, "--no-png"]);
    expect(r.code, r.stderr).toBe(0);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    const per = manifest(name).expected.per_argmax_label as Record<string, { count: number; total_entropy: number }>;
    let count = 0, total = 0;
    for (const l of ["0", "1", "2"]) { count += per[l]!.count; total += per[l]!.total_entropy; }
    expect(Math.abs(stats.meanEntropyTissueClasses - total / count) / (total / count)).toBeLessThan(1e-5);
    // the label > 0 figure is kept as the reference defines it
    expect(Math.abs(stats.meanEntropyForeground - manifest(name).expected.mean_entropy_foreground_label_gt0) / stats.meanEntropyForeground).toBeLessThan(1e-5);
  });
});
