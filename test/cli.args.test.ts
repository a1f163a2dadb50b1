/** Integer options are parsed strictly: decimal digits only, range-checked, one clear line otherwise. */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { parseArgs } from "../src/cli/args.js";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { CLI, cli, tempDir, ROOT } from "./helpers/cli.js";

const npz = join(ROOT, "samples", "nnunetv2_inia19_1mm", "probabilities.npz");

function refusal(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`accepted: ${argv.join(" ")}`);
}

describe("integer options", () => {
  it("--threads takes decimal digits from 1 to 64 only", () => {
    for (const bad of ["1e1", "0x2", "", " ", "2.0", "+2", "-1", "0", "65", "1_0", "Infinity"]) {
      expect(refusal(["--threads", bad])).toBe(`command line: --threads: expected an integer from 1 to 64, found ${JSON.stringify(bad)} (see segentropy --help)`);
    }
    expect(parseArgs(["--threads", "2"]).threads).toBe(2);
    expect(parseArgs(["--threads=64"]).threads).toBe(64);
    expect(parseArgs(["--threads", " 2 "]).threads).toBe(2);   // trimmed, as --regions "1, 2, 3"
  });

  it("--gzip-level takes 0 to 9 and refuses an empty value", () => {
    for (const bad of ["", "0x1", "1e0", "10", "-1", " 1 0"]) {
      expect(refusal(["--gzip-level", bad])).toMatch(/^command line: --gzip-level: expected an integer from 0 to 9, found "/);
    }
    expect(refusal(["--gzip-level="])).toContain('found ""');
    expect(parseArgs(["--gzip-level", "0"]).gzipLevel).toBe(0);
    expect(parseArgs(["--gzip-level", "9"]).gzipLevel).toBe(9);
  });

  it("--class-axis takes a decimal axis, negative ones counted from the last", () => {
    for (const bad of ["", "0x0", "1e0", "+1", "3.", "64", "-65", "--1"]) {
      expect(refusal(["--class-axis", bad])).toMatch(/^command line: --class-axis: expected an integer axis from -64 to 63, found "/);
    }
    expect(parseArgs(["--class-axis", "3"]).classAxis).toBe(3);
    expect(parseArgs(["--class-axis", "-1"]).classAxis).toBe(-1);
    expect(Object.is(parseArgs(["--class-axis", "-0"]).classAxis, 0)).toBe(true);
  });

  it("--regions takes comma-separated decimal labels", () => {
    expect(parseArgs(["--kind", "sigmoid", "--regions", "1, 2,3"]).regions).toEqual([1, 2, 3]);
    for (const bad of ["1,0x2", "1,,2", "1e1", "1,2.5"]) expect(refusal(["--kind", "sigmoid", "--regions", bad])).toMatch(/--regions: expected comma-separated integer labels/);
    expect(refusal(["--kind", "sigmoid", "--regions", "1,99999999999"])).toMatch(/--regions: expected integer labels from -2147483648 to 2147483647, found "99999999999"/);
  });

  it("the CLI prints the refusal as one line and exits 2", () => {
    const out = join(tempDir(), "out");
    for (const [flag, value, want] of [
      ["--threads", "1e1", 'command line: --threads: expected an integer from 1 to 64, found "1e1"'],
      ["--gzip-level", "", 'command line: --gzip-level: expected an integer from 0 to 9, found ""'],
      ["--class-axis", "0x0", 'command line: --class-axis: expected an integer axis from -64 to 63, found "0x0"'],
    ] as const) {
      const r = cli([npz, flag, value, "--out", out, "--no-png"]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(want);
    }
  });
});

describe("path options", () => {
  it("an empty path is refused, not taken as 'not given'", () => {
    expect(refusal(["p.npz", "--out", ""])).toBe("command line: --out: expected a folder path, found '' (see segentropy --help)");
    expect(refusal(["p.npz", "--seg="])).toBe("command line: --seg: expected a file path, found '' (see segentropy --help)");
    expect(refusal(["p.npz", "--image", " "])).toMatch(/^command line: --image: expected a file path, found ''/);
    expect(refusal(["p.npz", "--properties", ""])).toMatch(/^command line: --properties: expected a file path/);
    expect(refusal(["p.npz", "--crop-bbox", ""])).toMatch(/^command line: --crop-bbox: expected a file path or z0:z1,y0:y1,x0:x1/);
    expect(refusal(["p.npz", "--key", ""])).toMatch(/^command line: --key: expected an \.npz member name/);
  });

  it("a value-taking option followed by another option names the missing value", () => {
    expect(refusal(["p.npz", "--image", "--out", "o"])).toBe("command line: --image: expected a value, found the option '--out' (see segentropy --help)");
    expect(refusal(["p.npz", "--seg", "--force"])).toMatch(/^command line: --seg: expected a value, found the option '--force'/);
    expect(refusal(["p.npz", "--out", "-q"])).toMatch(/^command line: --out: expected a value, found the option '-q'/);
    // a file really named like an option is still reachable
    expect(parseArgs(["p.npz", "--image=--out"]).image).toBe("--out");
    expect(parseArgs(["p.npz", "--image", "./--out"]).image).toBe("./--out");
  });

  it("the CLI stops before writing anything into the current folder", () => {
    const cwd = tempDir();
    const r = spawnSync(process.execPath, [CLI, npz, "--out", "", "--quiet"], { encoding: "utf8", cwd });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("segentropy: command line: --out: expected a folder path, found '' (see segentropy --help)");
    expect(readdirSync(cwd)).toEqual([]);
  });
});
