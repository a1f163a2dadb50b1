/**
 * OutputSet.commit undoes a partial commit: a rename that fails after other outputs were already
 * moved into place (injected here, as a full disk or a concurrent writer would) leaves the folder
 * byte for byte as it was, stale files included, with no temporary or backup files.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import * as fs from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { CommitInterrupted, OutputSet } from "../src/node/output.js";
import { isSegentropyError } from "../src/errors.js";

vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  return { ...real, renameSync: vi.fn(real.renameSync), writeFileSync: vi.fn(real.writeFileSync) };
});

const real = await vi.importActual<typeof import("node:fs")>("node:fs");

function contents(dir: string): Record<string, string> {
  return Object.fromEntries(real.readdirSync(dir).sort().map((f) => [f, real.readFileSync(join(dir, f), "utf8")]));
}

/** A folder holding an earlier segentropy run: two outputs this run replaces and one it does not write. */
function earlierRun(): string {
  const dir = real.mkdtempSync(join(tmpdir(), "segentropy-rollback-"));
  real.writeFileSync(join(dir, "entropy.nii.gz"), "old entropy");
  real.writeFileSync(join(dir, "axial_k01.png"), "old k01");
  real.writeFileSync(join(dir, "axial_k99.png"), "old k99 (stale)");
  real.writeFileSync(join(dir, "stats.json"), JSON.stringify({ tool: "segentropy 0.0.1", outputs: ["entropy.nii.gz", "axial_k01.png", "axial_k99.png"] }));
  return dir;
}

function newRun(dir: string): OutputSet {
  const set = new OutputSet(dir, { force: true, inputs: [] });
  set.add("entropy.nii.gz", "new entropy");
  set.add("axial_k01.png", [new TextEncoder().encode("new "), new TextEncoder().encode("k01")]);
  set.add("montage.png", "new montage");
  set.add("stats.json", JSON.stringify({ tool: "segentropy 0.1.0", outputs: ["entropy.nii.gz", "axial_k01.png", "montage.png"] }));
  return set;
}

function expectFailureNaming(f: () => unknown, path: string): void {
  let err: unknown;
  try { f(); } catch (e) { err = e; }
  expect(isSegentropyError(err), String(err)).toBe(true);
  expect((err as { file: string }).file).toBe(path);
}

afterEach(() => {
  vi.mocked(fs.renameSync).mockImplementation(real.renameSync);
  vi.mocked(fs.writeFileSync).mockImplementation(real.writeFileSync);
});

describe("OutputSet.commit rollback", () => {
  it("succeeds: new outputs in place, the stale figure removed, no temporary or backup files", () => {
    const dir = earlierRun();
    expect(newRun(dir).commit()).toEqual(["entropy.nii.gz", "axial_k01.png", "montage.png", "stats.json"].map((f) => join(dir, f)));
    const c = contents(dir);
    expect(Object.keys(c)).toEqual(["axial_k01.png", "entropy.nii.gz", "montage.png", "stats.json"]);
    expect(c["axial_k01.png"]).toBe("new k01");
    expect(c["entropy.nii.gz"]).toBe("new entropy");
  });

  it("a rename into place failing after others succeeded restores everything", () => {
    const dir = earlierRun();
    const before = contents(dir);
    const target = join(dir, "montage.png");
    vi.mocked(fs.renameSync).mockImplementation((from, to) => {
      if (String(to) === target) throw Object.assign(new Error("no space"), { code: "ENOSPC" });
      real.renameSync(from, to);
    });
    expectFailureNaming(() => newRun(dir).commit(), target);
    expect(contents(dir)).toEqual(before);
  });

  it("moving an existing output aside failing restores what was already moved", () => {
    const dir = earlierRun();
    const before = contents(dir);
    const target = join(dir, "axial_k99.png"); // the stale one: moved aside last
    vi.mocked(fs.renameSync).mockImplementation((from, to) => {
      if (String(from) === target) throw Object.assign(new Error("busy"), { code: "EBUSY" });
      real.renameSync(from, to);
    });
    expectFailureNaming(() => newRun(dir).commit(), target);
    expect(contents(dir)).toEqual(before);
  });

  it("a write failing leaves the folder untouched and removes a folder it created", () => {
    const dir = earlierRun();
    const before = contents(dir);
    vi.mocked(fs.writeFileSync).mockImplementation((path, data) => {
      if (String(path).includes("montage.png")) throw Object.assign(new Error("full"), { code: "ENOSPC" });
      real.writeFileSync(path, data);
    });
    expectFailureNaming(() => newRun(dir).commit(), join(dir, "montage.png"));
    expect(contents(dir)).toEqual(before);

    const fresh = join(real.mkdtempSync(join(tmpdir(), "segentropy-rollback-")), "out");
    expectFailureNaming(() => newRun(fresh).commit(), join(fresh, "montage.png"));
    expect(real.existsSync(fresh)).toBe(false);

    // every folder the commit created is removed, the ones that were there stay
    const parent = real.mkdtempSync(join(tmpdir(), "segentropy-rollback-"));
    const nested = join(parent, "a", "b", "out");
    expectFailureNaming(() => newRun(nested).commit(), join(nested, "montage.png"));
    expect(real.readdirSync(parent)).toEqual([]);
  });

  it("commitAsync aborted after an output was moved aside: rejects with CommitInterrupted, everything restored", async () => {
    const dir = earlierRun();
    const before = contents(dir);
    const stop = new AbortController();
    vi.mocked(fs.renameSync).mockImplementation((from, to) => {
      real.renameSync(from, to);
      if (String(to).endsWith(".bak")) stop.abort("SIGTERM");
    });
    const err = await newRun(dir).commitAsync(stop.signal).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(CommitInterrupted);
    expect((err as CommitInterrupted).reason).toBe("SIGTERM");
    expect((err as CommitInterrupted).notRestored).toEqual([]);
    expect(contents(dir)).toEqual(before);
  });

  it("commitAsync aborted while writing into a folder it made: the folder is removed", async () => {
    const parent = real.mkdtempSync(join(tmpdir(), "segentropy-rollback-"));
    const stop = new AbortController();
    vi.mocked(fs.writeFileSync).mockImplementation((path, data) => {
      real.writeFileSync(path, data);
      stop.abort("SIGINT");
    });
    await expect(newRun(join(parent, "a", "out")).commitAsync(stop.signal)).rejects.toBeInstanceOf(CommitInterrupted);
    expect(real.readdirSync(parent)).toEqual([]);
  });

  it("commitAsync without an abort writes the same outputs as commit", async () => {
    const dir = earlierRun();
    expect(await newRun(dir).commitAsync(new AbortController().signal)).toEqual(["entropy.nii.gz", "axial_k01.png", "montage.png", "stats.json"].map((f) => join(dir, f)));
    expect(Object.keys(contents(dir))).toEqual(["axial_k01.png", "entropy.nii.gz", "montage.png", "stats.json"]);
  });
});
