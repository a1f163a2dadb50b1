/** File input for Node: whole files as bytes, including files over the 2 GiB readFile limit. */
import { closeSync, constants, fstatSync, openSync, readSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Stats } from "node:fs";
import { describeValue, fail, isSegentropyError } from "../errors.js";

const READ_FILE_LIMIT = 2 ** 31 - 1;

/**
 * Reads a whole file. `shared`: into a SharedArrayBuffer, so that worker pools read the volume in
 * place (for uncompressed .npy and .nii, whose bytes are the volume).
 */
export function readFileBytes(path: string, options: { shared?: boolean } = {}): Uint8Array {
  const fd = openForReading(path);
  try {
    const size = fstatSync(fd).size;
    if (!options.shared && size <= READ_FILE_LIMIT) return new Uint8Array(readFileSync(fd));
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

/**
 * Opens a regular file for reading; a missing or unreadable path, a directory, or a device, FIFO or
 * socket is an input error naming the file. Non-regular files are refused before they are read:
 * /dev/zero never ends, and opening a FIFO waits for a writer. The open itself does not block (a
 * FIFO that appears between the check and the open is caught by the second check).
 */
export function openForReading(path: string): number {
  if (typeof path !== "string") fail({ file: "arguments", field: "path", expected: "a file path (a string)", found: describeValue(path) });
  let fd: number;
  try {
    refuseNonRegular(path, statSync(path));
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    if (isSegentropyError(err)) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    fail({ file: path, field: "path", expected: "a readable file", found: code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory" : `an error (${code})` }, err);
  }
  try {
    refuseNonRegular(path, fstatSync(fd));
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

function refuseNonRegular(path: string, st: Stats): void {
  if (st.isFile()) return;
  if (st.isDirectory()) fail({ file: path, field: "path", expected: "a readable file", found: "a directory" });
  fail({ file: path, field: "path", expected: "a readable regular file", found: describeEntry(st, "not a regular file") });
}

/** What a directory entry is, for messages ("a character device"); `other` for kinds not named here. */
export function describeEntry(st: Stats, other: string): string {
  return st.isFile() ? "a file" : st.isDirectory() ? "a directory" : st.isSymbolicLink() ? "a symbolic link to nothing"
    : st.isCharacterDevice() ? "a character device" : st.isBlockDevice() ? "a block device"
    : st.isFIFO() ? "a FIFO (named pipe)" : st.isSocket() ? "a socket" : other;
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

/**
 * One file per class: a path named twice (a shell glob or copy-paste slip: `c1.nii c*.nii`) would
 * count one class twice and leave another out. Same path = the same absolute path once `.`, `..`
 * and repeated separators are resolved. Links are not followed on purpose: DataLad / git-annex
 * datasets and deduplicating stores link every file with the same content to one object, so two
 * classes with identical maps (two empty classes, say) are one real file there; and inode numbers
 * are unreliable on Lustre, GPFS (above 2^53) and SMB/FUSE mounts (0 for every file).
 */
export function refuseRepeatedClassFiles(paths: readonly string[]): void {
  if (paths.length < 2) return;
  const seen: string[] = [];
  paths.forEach((p, c) => {
    const abs = typeof p === "string" && p !== "" ? resolve(p) : "";
    const first = abs ? seen.indexOf(abs) : -1;
    if (first >= 0) {
      fail({ file: p, field: `class ${c + 1}`, expected: `a different file from class ${first + 1} (${paths[first]})`, found: "the same file", hint: "give each class's probability file once" });
    }
    seen.push(abs);
  });
}
