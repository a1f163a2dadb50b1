/** File input for Node: whole files as bytes, including files over the 2 GiB readFile limit. */
import { closeSync, constants, fstatSync, openSync, readSync, readFileSync, realpathSync, statSync } from "node:fs";
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
 * One file per class: a file named twice (a shell glob or copy-paste slip) would count one class
 * twice and leave another out. Same file = same real path, or the same inode (a hard link).
 * Paths that cannot be resolved are left to the reader's message.
 */
export function refuseRepeatedClassFiles(paths: readonly string[]): void {
  if (paths.length < 2) return;
  const seen: { real: string; id: string }[] = [];
  paths.forEach((p, c) => {
    let real = "", id = "";
    try {
      real = realpathSync(p);
      // bigint: inode numbers above 2^53 (Lustre FIDs, GPFS, some NFS) round to one double, so
      // neighbouring files would look the same; an inode of 0 (some SMB and FUSE mounts) says nothing
      const st = statSync(real, { bigint: true });
      id = st.ino === 0n ? "" : `${st.dev}:${st.ino}`;
    } catch { /* reported by the reader */ }
    const first = real ? seen.findIndex((s) => s.real === real || (id !== "" && s.id === id)) : -1;
    if (first >= 0) {
      fail({ file: p, field: `class ${c + 1}`, expected: `a different file from class ${first + 1} (${paths[first]})`, found: "the same file", hint: "give each class's probability file once" });
    }
    seen.push({ real, id });
  });
}
