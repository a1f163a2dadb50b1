/**
 * Atomic output: every file is first written under a temporary name in the output folder, and only
 * when all are written are they renamed into place. A failed run leaves nothing behind, and an
 * existing output is refused unless `force` is set. Inputs are never overwritten.
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync, realpathSync, rmdirSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fail } from "../errors.js";

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

  /** Checks conflicts before any work is written. */
  check(): void {
    const inputs = new Set(this.options.inputs.map(canonical));
    for (const name of this.files.keys()) {
      const path = join(this.dir, name);
      if (inputs.has(canonical(path))) fail({ file: path, field: "--out", expected: "an output path that is not an input", found: "the same path as an input" });
      if (existsSync(path) && !this.options.force) fail({ file: path, field: "--out", expected: "a file that does not exist yet", found: "an existing file", hint: "pass --force to replace it" });
    }
  }

  commit(): string[] {
    this.check();
    const created = !existsSync(this.dir);
    const temps: string[] = [];
    try {
      mkdirSync(this.dir, { recursive: true });
      for (const [name, content] of this.files) {
        const tmp = join(this.dir, `.${name}.${process.pid}.tmp`);
        temps.push(tmp);
        if (typeof content === "string" || content instanceof Uint8Array) writeFileSync(tmp, content);
        else writePieces(tmp, content);
      }
      let i = 0;
      for (const name of this.files.keys()) renameSync(temps[i++]!, join(this.dir, name));
    } catch (err) {
      for (const t of temps) rmSync(t, { force: true });
      if (created && existsSync(this.dir) && readdirSync(this.dir).length === 0) rmdirSync(this.dir);
      const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
      fail({ file: this.dir, field: "--out", expected: "a writable folder", found: `an error (${code})` }, err);
    }
    return this.names();
  }
}

function writePieces(path: string, pieces: readonly Uint8Array[]): void {
  const fd = openSync(path, "w");
  try {
    for (const p of pieces) for (let off = 0; off < p.length; ) off += writeSync(fd, p, off, p.length - off);
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
