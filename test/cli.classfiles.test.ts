/** One file per class: the same file named twice (also through a symlink or a hard link) is refused. */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, ROOT, tempDir } from "./helpers/cli.js";
import { readProbabilitiesFile } from "../src/node/index.js";
import { isSegentropyError } from "../src/errors.js";
import { readdirSync } from "node:fs";

// three 3-D class maps (4, 3, 2) written by nibabel: p0 = 0.5, p1 = 0.25, p2 = 0.25 everywhere
const PY = `
import sys, numpy as np, nibabel as nib
d = sys.argv[1]
for c, v in enumerate([0.5, 0.25, 0.25]):
    nib.save(nib.Nifti1Image(np.full((4, 3, 2), v, np.float32), np.eye(4)), f'{d}/c{c}.nii')
`;

function classFiles(): string {
  const dir = tempDir();
  const r = spawnSync("/usr/bin/python3", ["-c", PY, dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return dir;
}

describe("per-class file lists", () => {
  it("the same path twice is refused in one line naming both classes", () => {
    const d = classFiles();
    const [a, b, c] = ["c0.nii", "c1.nii", "c2.nii"].map((f) => join(d, f)) as [string, string, string];
    for (const [files, second, first] of [
      [[a, b, a], 3, 1],
      [[a, join(d, ".", "c0.nii"), c], 2, 1],
      [[a, b, join(d, "..", d.split("/").pop()!, "c1.nii")], 3, 2],
    ] as [string[], number, number][]) {
      const r = cli([...files, "--out", join(d, "o"), "--no-png"]);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toBe(`segentropy: ${files[second - 1]}: class ${second}: expected a different file from class ${first} (${files[first - 1]}), found the same file (give each class's probability file once)`);
    }
  });

  it("links to one object are different classes (DataLad / git-annex store identical maps once): they run", () => {
    // two empty classes with identical content, linked to one annex-like object, next to a full one
    const d = tempDir();
    const r0 = spawnSync("/usr/bin/python3", ["-c", `
import sys, os, numpy as np, nibabel as nib
d = sys.argv[1]
os.makedirs(f'{d}/objects')
nib.save(nib.Nifti1Image(np.zeros((4, 3, 2), np.float32), np.eye(4)), f'{d}/objects/zero.nii')
nib.save(nib.Nifti1Image(np.ones((4, 3, 2), np.float32), np.eye(4)), f'{d}/full.nii')
os.symlink(f'{d}/objects/zero.nii', f'{d}/c1.nii'); os.link(f'{d}/objects/zero.nii', f'{d}/c2.nii')
`, d], { encoding: "utf8" });
    expect(r0.status, r0.stderr).toBe(0);
    const out = join(d, "o");
    const r = cli([join(d, "full.nii"), join(d, "c1.nii"), join(d, "c2.nii"), join(d, "objects", "zero.nii"), "--out", out, "--no-png"]);
    expect(r.code, r.stderr).toBe(0);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    expect(stats.input.classes).toBe(4);
    expect(stats.totalEntropy).toBe(0); // one-hot on the first class everywhere
  });

  it("three different files run: 1.5 bits per voxel (closed form for 0.5, 0.25, 0.25)", () => {
    const d = classFiles();
    const out = join(d, "o");
    const r = cli([join(d, "c0.nii"), join(d, "c1.nii"), join(d, "c2.nii"), "--out", out, "--no-png"]);
    expect(r.code, r.stderr).toBe(0);
    const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8"));
    expect(stats.input.classes).toBe(3);
    expect(Math.abs(stats.totalEntropy - 1.5 * 24)).toBeLessThan(1e-4);
  });

  it("the library's readProbabilitiesFile refuses the same file twice too (the CLI's check lives there)", async () => {
    const d = classFiles();
    const [a, b] = [join(d, "c0.nii"), join(d, "c1.nii")];
    const err = await readProbabilitiesFile([a, b, a]).then(() => undefined, (e: unknown) => e);
    expect(isSegentropyError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/class 3: expected a different file from class 1/);
  });
});

describe("one place imports node:", () => {
  it("only src/node/ imports node: modules (the CLI and the browser build go through it)", () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) { if (p !== join(ROOT, "src", "node")) walk(p); continue; }
        if (/\.ts$/.test(e.name) && /from\s+["']node:/.test(readFileSync(p, "utf8"))) offenders.push(p.slice(ROOT.length + 1));
      }
    };
    walk(join(ROOT, "src"));
    expect(offenders).toEqual([]);
  });
});
