/** An .npz with no members (a valid zip: its end-of-central-directory record alone) is named as an empty archive. */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { readProbabilities, readNpz, npzKeys, isZip } from "../src/index.js";
import { cli, tempDir } from "./helpers/cli.js";

/** The 22-byte end-of-central-directory record of a zip with no members: PK\x05\x06 and zeros. */
const EMPTY_ZIP = new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);
const WANT = /empty\.npz: npz: expected at least one \.npy member, found an empty archive/;

describe("an empty .npz", () => {
  it("is a zip (fflate writes the same 22 bytes) with no keys", () => {
    expect(zipSync({})).toEqual(EMPTY_ZIP);
    expect(isZip(EMPTY_ZIP)).toBe(true);
    expect(npzKeys(EMPTY_ZIP, "empty.npz")).toEqual([]);
  });

  it("is refused as an empty archive by the readers", async () => {
    expect(() => readNpz(EMPTY_ZIP, "empty.npz")).toThrow(WANT);
    await expect(readProbabilities(EMPTY_ZIP, "empty.npz")).rejects.toThrow(WANT);
  });

  it("CLI: one line, exit 2; numpy's np.savez with no arrays writes the same 22 bytes", () => {
    const dir = tempDir();
    const path = join(dir, "empty.npz");
    writeFileSync(path, EMPTY_ZIP);
    const r = cli([path, "--out", join(dir, "out")]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(WANT);

    const py = spawnSync("/usr/bin/python3", ["-c", "import numpy as np, sys; np.savez(sys.argv[1])", path]);
    expect(py.status, String(py.stderr)).toBe(0);
    expect(new Uint8Array(readFileSync(path))).toEqual(EMPTY_ZIP);
  });
});
