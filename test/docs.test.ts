/** What README.md and --help say about inputs and outputs matches what the code does. */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { USAGE } from "../src/cli/args.js";
import { isSegentropyError } from "../src/errors.js";
import { readNpyFile } from "../src/node/index.js";
import { ROOT, tempDir } from "./helpers/cli.js";

const README = readFileSync(join(ROOT, "README.md"), "utf8");

describe("--help", () => {
  it("gives entropy.npy's real order: (z, y, x), the grid axes reversed, or (row, col) for 2-D", () => {
    const npy = USAGE.slice(USAGE.indexOf("--npy"), USAGE.indexOf("--no-png")).replace(/\s+/g, " ");
    expect(npy).toContain("(z, y, x)");
    expect(npy).toContain("grid axes reversed");
    expect(npy).toContain("(row, col) for 2-D");
    expect(USAGE).not.toContain("array order of the input");
  });
});

describe("README: .npy dtypes", () => {
  const row = README.split("\n").find((l) => l.startsWith("| `.npy`"))!;

  it("lists exactly the dtypes the reader accepts, in both byte orders, and names the refused ones", async () => {
    const listed = /`((?:[fuib]\d ?)+)` and `b1`/.exec(row);
    expect(listed, row).not.toBeNull();
    const codes = [...listed![1]!.trim().split(" "), "b1"];
    expect(codes.sort()).toEqual(["b1", "f2", "f4", "f8", "i1", "i2", "i4", "u1", "u2", "u4"]);
    for (const refused of ["int64", "complex", "object"]) expect(row).toContain(refused);

    const dir = tempDir();
    const py = spawnSync("/usr/bin/python3", ["-c", `
import sys, numpy as np
d = sys.argv[1]
for code in sys.argv[2].split(","):
    for e in "<>":
        np.save(f"{d}/{code}_{'le' if e == '<' else 'be'}.npy", np.ones((2, 3), np.dtype(code).newbyteorder(e)))
`, dir, [...codes, "i8", "u8", "c8", "O"].join(",")], { encoding: "utf8" });
    expect(py.status, py.stderr).toBe(0);
    for (const code of codes) for (const e of ["le", "be"]) {
      const arr = await readNpyFile(join(dir, `${code}_${e}.npy`));
      expect(Array.from(arr.shape), `${code} ${e}`).toEqual([2, 3]);
    }
    for (const code of ["i8", "u8", "c8", "O"]) {
      const err = await readNpyFile(join(dir, `${code}_le.npy`)).then(() => undefined, (e: unknown) => e);
      expect(isSegentropyError(err), `${code} should be refused`).toBe(true);
    }
  });
});
