/**
 * The same-class-file check compares real paths and (dev, inode) pairs. Inode numbers above 2^53
 * (Lustre FIDs such as 0x0200000400000001, GPFS, some NFS) round to one double, and some SMB/FUSE
 * mounts report 0 for every file: neither may make different files look the same. statSync is
 * wrapped to report such inodes for three real, different files.
 */
import { describe, expect, it, vi } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./helpers/cli.js";

const fake = { inos: [] as bigint[] };
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const statSync = ((path: string, options?: { bigint?: boolean }) => {
    const st = fs.statSync(path, options as never) as unknown as Record<string, unknown>;
    const m = /c(\d)\.nii$/.exec(String(path));
    if (!m || fake.inos.length === 0) return st;
    const ino = fake.inos[Number(m[1])]!;
    return { ...st, ino: options?.bigint ? ino : Number(ino), dev: options?.bigint ? 42n : 42, isFile: () => true, isDirectory: () => false };
  }) as typeof fs.statSync;
  return { ...fs, default: { ...fs, statSync }, statSync };
});

const { refuseRepeatedClassFiles } = await import("../src/node/files.js");

function three(): string[] {
  const d = tempDir();
  return [0, 1, 2].map((c) => { const p = join(d, `c${c}.nii`); writeFileSync(p, `class ${c}`); return p; });
}

describe("same-file check on filesystems with huge or zero inode numbers", () => {
  it("three files whose inodes differ only above 2^53 are three files", () => {
    // as doubles all three are 144115205255725056
    fake.inos = [0x0200000400000001n, 0x0200000400000002n, 0x0200000400000003n];
    expect(Number(fake.inos[0]) === Number(fake.inos[2])).toBe(true);
    expect(() => refuseRepeatedClassFiles(three())).not.toThrow();
  });

  it("an inode of 0 for every file does not make them the same; the same path twice still is", () => {
    fake.inos = [0n, 0n, 0n];
    const [a, b, c] = three() as [string, string, string];
    expect(() => refuseRepeatedClassFiles([a, b, c])).not.toThrow();
    expect(() => refuseRepeatedClassFiles([a, b, a])).toThrow(/class 3: expected a different file from class 1/);
  });
});
