/** File input for Node: whole files as bytes, including files over the 2 GiB readFile limit. */
import { closeSync, fstatSync, openSync, readSync, readFileSync } from "node:fs";
import { fail } from "../errors.js";

const READ_FILE_LIMIT = 2 ** 31 - 1;

export function readFileBytes(path: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    fail({ file: path, field: "path", expected: "a readable file", found: code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory" : `an error (${code})` }, err);
  }
  try {
    const size = fstatSync(fd).size;
    if (fstatSync(fd).isDirectory()) fail({ file: path, field: "path", expected: "a readable file", found: "a directory" });
    if (size <= READ_FILE_LIMIT) return new Uint8Array(readFileSync(fd));
    // Large files: read in chunks into one buffer (ArrayBuffers above 4 GiB are fine in Node 20)
    const out = new Uint8Array(size);
    for (let off = 0; off < size; ) {
      const n = readSync(fd, out, off, Math.min(1 << 30, size - off), off);
      if (n <= 0) break;
      off += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
