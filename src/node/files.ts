/** File input for Node: whole files as bytes, including files over the 2 GiB readFile limit. */
import { closeSync, fstatSync, openSync, readSync, readFileSync, statSync } from "node:fs";
import { fail } from "../errors.js";

const READ_FILE_LIMIT = 2 ** 31 - 1;

/**
 * Reads a whole file. `shared`: into a SharedArrayBuffer, so that worker pools read the volume in
 * place (for uncompressed .npy and .nii, whose bytes are the volume).
 */
export function readFileBytes(path: string, options: { shared?: boolean } = {}): Uint8Array {
  const fd = openForReading(path);
  try {
    const st = fstatSync(fd);
    const size = st.size;
    if (st.isDirectory()) fail({ file: path, field: "path", expected: "a readable file", found: "a directory" });
    // pipes report size 0: read them to the end
    if (!st.isFile() || (!options.shared && size <= READ_FILE_LIMIT)) return new Uint8Array(readFileSync(fd));
    // Shared or large files: read in chunks into one buffer (ArrayBuffers above 4 GiB are fine in Node 20)
    const out = options.shared ? new Uint8Array(new SharedArrayBuffer(size)) : new Uint8Array(size);
    for (let off = 0; off < size; ) {
      const n = readSync(fd, out, off, Math.min(1 << 30, size - off), off);
      if (n <= 0) fail({ file: path, field: "size", expected: `${size} bytes`, found: `${off} bytes (the file shrank while being read)` });
      off += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Opens a file for reading; a missing or unreadable path is an input error naming the file. */
export function openForReading(path: string): number {
  try {
    return openSync(path, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    fail({ file: path, field: "path", expected: "a readable file", found: code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory" : `an error (${code})` }, err);
  }
}

/** Total size in bytes of the regular files among `paths` (others count 0; errors come later, from the reads). */
export function totalFileBytes(paths: readonly string[]): number {
  let total = 0;
  for (const p of paths) {
    try {
      const st = statSync(p);
      if (st.isFile()) total += st.size;
    } catch {
      // a missing file is reported by the read itself, with its name
    }
  }
  return total;
}
