/**
 * Atomic output. `commit` is all or nothing:
 *   1. every target is checked first (an input, an existing file without `force`, or a folder in the
 *      way is refused before anything is written);
 *   2. every file is written under a temporary name next to its target;
 *   3. existing targets (and, with `force`, stale outputs of an earlier segentropy run that this run
 *      does not write) are moved aside under backup names;
 *   4. the temporary files are renamed into place and the backups removed.
 * Any failure in 2-4 restores the backups and removes the temporary files, so the folder is exactly
 * as before, and the error names the file that failed. Inputs are never overwritten or removed.
 * `commitAsync` is the same commit yielding between files and moves, undone the same way when its
 * abort signal fires (the CLI's SIGINT / SIGTERM).
 */
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync, realpathSync, rmdirSync, readdirSync } from "node:fs";
import type { Stats } from "node:fs";
import { basename, dirname, join, normalize, resolve } from "node:path";
import { fail } from "../errors.js";
import { describeEntry } from "./files.js";

/** Names an earlier run's stats.json may list that we are willing to remove as stale outputs. */
const OUTPUT_NAME = /^[^./\\][^/\\]*\.(png|nii|nii\.gz|npy)$/i;

/** Internal: thrown inside the commit when its abort signal is seen. */
class Interruption extends Error {}

/**
 * The rejection of {@link OutputSet.commitAsync} when its signal was aborted mid-commit. The commit
 * has been undone; `notRestored` lists the backups that could not be put back (normally none).
 */
export class CommitInterrupted extends Error {
  constructor(readonly reason: unknown, readonly notRestored: readonly string[]) {
    super(notRestored.length ? `output commit interrupted: could not restore ${notRestored.join(", ")}` : "output commit interrupted: the output folder is unchanged");
    this.name = "CommitInterrupted";
  }
}

export class OutputSet {
  private readonly files = new Map<string, Uint8Array | string | readonly Uint8Array[]>();

  constructor(readonly dir: string, private readonly options: { force: boolean; inputs: readonly string[] }) {}

  /** Content may be given in pieces (written one after the other). */
  add(name: string, content: Uint8Array | string | readonly Uint8Array[]): void {
    this.files.set(name, content);
  }

  names(): string[] {
    return [...this.files.keys()].map((n) => join(this.dir, n));
  }

  /**
   * Checks conflicts before any work is written; returns the stale files (full paths) that a
   * `force` commit removes: outputs listed by the folder's segentropy stats.json that this set
   * does not write.
   */
  check(): string[] {
    missingFolders(this.dir); // refuses a file in the way before anything is written
    const inputs = new Set(this.options.inputs.map(canonical));
    for (const name of this.files.keys()) {
      const path = join(this.dir, name);
      if (inputs.has(canonical(path))) fail({ file: path, field: "--out", expected: "an output path that is not an input", found: "the same path as an input" });
      const st = lstat(path);
      if (st?.isDirectory()) fail({ file: path, field: "--out", expected: "a file path for this output", found: "a folder", hint: "remove or rename the folder" });
      if (st && !this.options.force) fail({ file: path, field: "--out", expected: "a file that does not exist yet", found: "an existing file", hint: "pass --force to replace it" });
    }
    return this.options.force ? this.staleFiles(inputs) : [];
  }

  /** Outputs of an earlier segentropy run in this folder (listed by its stats.json) that this run does not write. */
  private staleFiles(inputs: ReadonlySet<string>): string[] {
    const statsPath = join(this.dir, "stats.json");
    if (!lstat(statsPath)?.isFile()) return [];
    let report: unknown;
    try {
      report = JSON.parse(readFileSync(statsPath, "utf8"));
    } catch {
      return []; // not ours (or unreadable): leave everything alone
    }
    if (!report || typeof report !== "object") return [];
    const { tool, outputs } = report as { tool?: unknown; outputs?: unknown };
    if (typeof tool !== "string" || !tool.startsWith("segentropy") || !Array.isArray(outputs)) return [];
    const stale = new Set<string>();
    for (const name of outputs) {
      if (typeof name !== "string" || !OUTPUT_NAME.test(name) || name !== basename(name) || this.files.has(name)) continue;
      const path = join(this.dir, name);
      if (lstat(path)?.isFile() && !inputs.has(canonical(path))) stale.add(path);
    }
    return [...stale];
  }

  /** Writes every output (see the file comment) in one go; throws a SegentropyError after undoing a partial commit. */
  commit(): string[] {
    const steps = this.steps();
    for (let r = steps.next(); ; r = steps.next()) if (r.done) return r.value;
  }

  /**
   * The same commit, yielding to the event loop between files, file pieces and moves aside, so
   * that a signal handler or timer can run while it writes. Once `signal` is aborted, the commit
   * stops at the next of these points and is undone exactly as a failed one is (temporary files
   * removed, moved-aside outputs put back, folders it made removed); it then rejects with a
   * {@link CommitInterrupted}. An abort after the last move aside comes too late: the outputs are
   * then renamed into place without yielding, and the commit completes.
   */
  async commitAsync(signal?: AbortSignal): Promise<string[]> {
    const steps = this.steps(signal);
    for (let r = steps.next(); ; r = steps.next()) {
      if (r.done) return r.value;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** The commit, a yield at each point where it may be interrupted (after which `signal` is checked). */
  private *steps(signal?: AbortSignal): Generator<void, string[], void> {
    if (signal?.aborted) throw new CommitInterrupted(signal.reason, []);
    const stale = this.check();
    const created = makeFolders(this.dir);
    const temps = new Map<string, string>(); // target -> temporary file
    const backups: Array<[string, string]> = []; // [original path, backup path]
    const placed: string[] = [];
    let current = this.dir;
    const pause = function* (): Generator<void, void, void> {
      yield;
      if (signal?.aborted) throw new Interruption();
    };
    try {
      for (const [name, content] of this.files) {
        const target = join(this.dir, name);
        const tmp = sidePath(target, "tmp");
        current = target;
        temps.set(target, tmp);
        if (typeof content === "string" || content instanceof Uint8Array) writeFileSync(tmp, content);
        else yield* writePieces(tmp, content, pause);
        yield* pause();
      }
      for (const target of [...temps.keys(), ...stale]) {
        if (!lstat(target)) continue;
        current = target;
        const bak = sidePath(target, "bak");
        renameSync(target, bak);
        backups.push([target, bak]);
        yield* pause();
      }
      for (const [target, tmp] of temps) {
        current = target;
        renameSync(tmp, target);
        placed.push(target);
      }
    } catch (err) {
      const left = this.rollback(placed, backups, [...temps.values()], created);
      if (err instanceof Interruption) throw new CommitInterrupted(signal?.reason, left);
      const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
      fail({
        file: current, field: "--out", expected: "a writable file", found: `an error (${code})`,
        hint: left.length ? `could not restore ${left.join(", ")}` : "the output folder is unchanged",
      }, err);
    }
    for (const [, bak] of backups) rmSync(bak, { force: true });
    return this.names();
  }

  /** Undoes a partial commit; returns the backups that could not be put back (normally none). */
  private rollback(placed: readonly string[], backups: ReadonlyArray<readonly [string, string]>, temps: readonly string[], created: readonly string[]): string[] {
    const left: string[] = [];
    const quietly = (f: () => void): boolean => { try { f(); return true; } catch { return false; } };
    for (const target of placed) quietly(() => rmSync(target, { force: true }));
    for (const [target, bak] of [...backups].reverse()) if (!quietly(() => renameSync(bak, target))) left.push(bak);
    for (const tmp of temps) quietly(() => rmSync(tmp, { force: true }));
    // the folders this commit created, innermost first, while they are empty
    for (const dir of [...created].reverse()) if (!quietly(() => { if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir); })) break;
    return left;
  }
}

/**
 * The folders of `dir` that do not exist yet, outermost first. A component that exists and is not a
 * folder (a file, a device) is refused, naming that component.
 */
function missingFolders(dir: string): string[] {
  const missing: string[] = [];
  for (let p = normalize(dir); ; ) {
    let st: Stats | undefined;
    try {
      st = statSync(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a component further up is not a folder; the walk up finds and names it
      if (code !== "ENOENT" && code !== "ENOTDIR") fail({ file: p, field: "--out", expected: "a folder that can be used or created", found: `an error (${code})` }, err);
    }
    if (st) {
      if (!st.isDirectory()) fail({ file: p, field: "--out", expected: "a folder (or a path where one can be created)", found: describeEntry(st, "not a folder") });
      return missing;
    }
    missing.unshift(p);
    const parent = dirname(p);
    if (parent === p) return missing; // a root that does not exist: its mkdir reports why
    p = parent;
  }
}

/**
 * Creates the missing folders of `dir` one at a time (Node 20's recursive mkdirSync loops forever
 * under /proc); returns the folders it created, outermost first. A folder created meanwhile by
 * someone else is fine; a file created meanwhile is refused.
 */
function makeFolders(dir: string): string[] {
  const created: string[] = [];
  try {
    for (const p of missingFolders(dir)) {
      try {
        mkdirSync(p);
        created.push(p);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== "EEXIST") fail({ file: p, field: "--out", expected: "a folder that can be created", found: `an error (${code})` }, err);
        const st = quietStat(() => statSync(p, { throwIfNoEntry: false })) ?? lstat(p);
        if (!st?.isDirectory()) fail({ file: p, field: "--out", expected: "a folder (or a path where one can be created)", found: st ? describeEntry(st, "not a folder") : "an entry that vanished" });
      }
    }
  } catch (err) {
    for (const p of [...created].reverse()) try { rmdirSync(p); } catch { break; }
    throw err;
  }
  return created;
}

/** A hidden name next to `target` for its temporary file or backup. */
function sidePath(target: string, kind: "tmp" | "bak"): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${kind}`);
}

function lstat(path: string): Stats | undefined {
  return quietStat(() => lstatSync(path, { throwIfNoEntry: false }));
}

/** A stat that treats any error (ENOTDIR, EACCES, ...) as "not there"; the commit itself then reports it. */
function quietStat(f: () => Stats | undefined): Stats | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function* writePieces(path: string, pieces: readonly Uint8Array[], between: () => Generator<void, void, void>): Generator<void, void, void> {
  const fd = openSync(path, "w");
  try {
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0) yield* between();
      const p = pieces[i]!;
      for (let off = 0; off < p.length; ) off += writeSync(fd, p, off, p.length - off);
    }
  } finally {
    closeSync(fd);
  }
}

function canonical(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}
