/**
 * All-or-nothing output (--out, --force): a folder in the way of one output, an earlier run's outputs,
 * and stale figures of an earlier run. Expected folder contents come from the folder as it was before
 * the run and from the stats.json files the runs write (their "outputs" lists), never from this code.
 */
import { describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempDir, ROOT, snapshot } from "./helpers/cli.js";
import { FIXTURES } from "./helpers/cases.js";

const s01 = join(ROOT, "samples", "nnunetv2_inia19_1mm", "probabilities.npz");
const logits2mm = join(FIXTURES, "s10_logits_inia19_2mm", "logits.npz");

function outputsOf(dir: string): string[] {
  return JSON.parse(readFileSync(join(dir, "stats.json"), "utf8")).outputs as string[];
}

describe("atomic output with --force", () => {
  it("a folder where an output goes: exit 2 naming that path, nothing written into a fresh folder", () => {
    const out = tempDir();
    mkdirSync(join(out, "montage.png"));
    writeFileSync(join(out, "montage.png", "x"), "");
    const before = snapshot(out);
    const r = cli([s01, "--out", out, "--force"]);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${join(out, "montage.png")}:`);
    expect(lines[0]).toMatch(/folder/);
    expect(snapshot(out)).toEqual(before);
  });

  it("a folder in the way of one output leaves an earlier run's outputs exactly as they were", () => {
    const out = tempDir();
    expect(cli([s01, "--out", out, "-q"]).code).toBe(0);
    const figures = outputsOf(out).filter((f) => f.endsWith(".png"));
    expect(figures.length).toBeGreaterThanOrEqual(2);
    // the last figure becomes a folder: every other output of the new run would be replaced first
    const blocked = join(out, figures[figures.length - 1]!);
    rmSync(blocked);
    mkdirSync(blocked);
    const before = snapshot(out);
    const r = cli([s01, "--units", "nats", "--out", out, "--force"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${blocked}:`);
    expect(snapshot(out)).toEqual(before);
  });

  it("removes figures of an earlier segentropy run that this run does not write (listed in its stats.json)", () => {
    const out = tempDir();
    expect(cli([s01, "--out", out, "-q"]).code).toBe(0);
    const first = outputsOf(out);
    writeFileSync(join(out, "notes.txt"), "mine");
    // a 2 mm volume with 32 slices: other slice numbers, so other figure names
    const r = cli([logits2mm, "--kind", "logits", "--out", out, "--force", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const second = outputsOf(out);
    const gone = first.filter((f) => !second.includes(f));
    expect(gone.length).toBeGreaterThan(0);
    expect(readdirSync(out).sort()).toEqual([...second, "notes.txt", "stats.json"].sort());
    expect(readFileSync(join(out, "notes.txt"), "utf8")).toBe("mine");
  });

  it("leaves files alone when stats.json is not segentropy's, and never follows a listed path out of the folder", () => {
    const outer = tempDir();
    const out = join(outer, "run");
    expect(cli([s01, "--out", out, "-q"]).code).toBe(0);
    const first = outputsOf(out);
    writeFileSync(join(outer, "outside.png"), "keep");
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    writeFileSync(join(out, "stats.json"), JSON.stringify({ ...stats, tool: "othertool 1.0", outputs: [...first, "../outside.png"] }));
    expect(cli([logits2mm, "--kind", "logits", "--out", out, "--force", "-q"]).code).toBe(0);
    const second = outputsOf(out);
    for (const f of first) expect(existsSync(join(out, f)), f).toBe(true); // not ours to remove
    for (const f of second) expect(existsSync(join(out, f)), f).toBe(true);

    // now the folder's stats.json is segentropy's again; a listed path outside the folder stays untouched
    const own = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    writeFileSync(join(out, "stats.json"), JSON.stringify({ ...own, outputs: [...own.outputs, "../outside.png"] }));
    expect(cli([s01, "--out", out, "--force", "-q"]).code).toBe(0);
    expect(readFileSync(join(outer, "outside.png"), "utf8")).toBe("keep");
  });

  it("without --force an earlier run is refused before anything changes", () => {
    const out = tempDir();
    expect(cli([s01, "--out", out, "-q"]).code).toBe(0);
    const before = snapshot(out);
    const r = cli([logits2mm, "--kind", "logits", "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--force");
    expect(snapshot(out)).toEqual(before);
  });
});
