/**
 * Hostile compressed inputs: a .nii.gz or .npy.gz whose gzip stream holds far more than its header
 * describes, and an .npz member declaring more than its .npy header describes. Both used to be
 * inflated in full (gigabytes from a few hundred KiB); they are refused from the header, before the
 * whole is inflated. The sizes the headers describe come from nibabel and numpy.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import {
  gunzipNode, gunzipWithStreams, inflateIfGzip, inflateRawNode, isSegentropyError, readNpz, readNpzAsync, readProbabilities,
} from "../src/node/index.js";
import type { Gunzip } from "../src/node/index.js";
import { FIXTURES } from "./helpers/cases.js";
import { tempDir } from "./helpers/cli.js";

const S03 = join(FIXTURES, "s03_nifti4d_float32_anatomical", "probabilities.nii.gz");
const S07 = join(FIXTURES, "s07_nifti2_icbm2009a_t1seg_3mm", "probabilities.nii.gz");

function python(code: string, ...args: string[]): string {
  const py = spawnSync("/usr/bin/python3", ["-c", code, ...args], { encoding: "utf8", maxBuffer: 1 << 24 });
  expect(py.status, `python3 with numpy and nibabel is needed: ${py.stderr}`).toBe(0);
  return py.stdout;
}

/** The error a promise rejects with (or "resolved"). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => "resolved", (e: unknown) => e);
}

/**
 * Writes `out`: the inflated NIfTI `src` (optionally as NIfTI-2 or big-endian through nibabel)
 * followed by `extra` bytes of zeros, all in one gzip member. Prints the size nibabel's header
 * describes: the offset of its data (nibabel's array proxy) + product(shape) x itemsize.
 */
const BOMB = `
import sys, gzip, zlib, numpy as np, nibabel as nib
src, out, extra, kind = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
img = nib.load(src)
if kind == "nifti2":
    img = nib.Nifti2Image(np.asarray(img.dataobj), img.affine)
elif kind == "big":
    hdr = img.header.as_byteswapped(">")
    img = nib.Nifti1Image(np.asarray(img.dataobj).astype(">f4"), img.affine, hdr)
raw = img.to_bytes() if kind != "as-is" else gzip.decompress(open(src, "rb").read())
back = nib.Nifti2Image.from_bytes(raw) if kind == "nifti2" else nib.Nifti1Image.from_bytes(raw)
size = back.dataobj.offset + int(np.prod(back.shape)) * back.get_data_dtype().itemsize
c = zlib.compressobj(9, zlib.DEFLATED, 31)
with open(out, "wb") as f:
    f.write(c.compress(raw))
    z = bytes(1 << 20)
    for _ in range(extra >> 20): f.write(c.compress(z))
    f.write(c.compress(bytes(extra & ((1 << 20) - 1))))
    f.write(c.flush())
print(size, len(raw))
`;

function bomb(src: string, extra: number, kind: "as-is" | "nifti2" | "big" = "as-is"): { path: string; size: number } {
  const path = join(tempDir(), `bomb_${kind}.nii.gz`);
  const [size, raw] = python(BOMB, src, path, String(extra), kind).trim().split(" ").map(Number);
  expect(size).toBe(raw); // nibabel writes no padding: the header's size is the file's
  return { path, size: size! };
}

const MiB = 1 << 20;
/** A two-argument Gunzip written before the limit existed: it ignores maxBytes. */
const legacy: Gunzip = (bytes, name) => gunzipNode(bytes, name);

describe("a .nii.gz stream holding more than its header describes", () => {
  it("is refused from the header by node:zlib, DecompressionStream and a two-argument inflater", async () => {
    const { path, size } = bomb(S03, 8 * MiB);
    const bytes = new Uint8Array(readFileSync(path));
    for (const gunzip of [gunzipNode, gunzipWithStreams, legacy]) {
      const err = await rejection(inflateIfGzip(bytes, "bomb.nii.gz", gunzip));
      expect(isSegentropyError(err), String(err)).toBe(true);
      expect((err as Error).message).toBe(
        `bomb.nii.gz: gzip stream: expected ${size} bytes once inflated (its NIfTI-1 header: vox_offset 352 + dims [33, 41, 25, 3] x 4 bytes), `
        + `found a stream that inflates to more than ${size + MiB} bytes: data past what the header describes`);
    }
    // the reader of probability files goes through the same check
    const err = await rejection(readProbabilities(bytes, "bomb.nii.gz", { gunzip: gunzipNode }));
    expect((err as Error).message).toMatch(/^bomb\.nii\.gz: gzip stream: expected \d+ bytes once inflated/);
  });

  it("NIfTI-2 and big-endian headers are read too", async () => {
    for (const [src, kind, version] of [[S07, "nifti2", 2], [S03, "big", 1]] as const) {
      const { path, size } = bomb(src, 4 * MiB, kind);
      const err = await rejection(inflateIfGzip(new Uint8Array(readFileSync(path)), "b.nii.gz", gunzipNode));
      expect((err as Error).message, kind).toMatch(new RegExp(`^b\\.nii\\.gz: gzip stream: expected ${size} bytes once inflated \\(its NIfTI-${version} header: vox_offset \\d+ \\+ dims \\[`));
    }
  });

  it("an .npy.gz: the .npy header's size", async () => {
    const dir = tempDir();
    const path = join(dir, "p.npy.gz");
    const size = Number(python(`
import sys, io, zlib, numpy as np
a = np.ones((2, 3, 4, 5), np.float32) / 2
b = io.BytesIO(); np.save(b, a); raw = b.getvalue()
c = zlib.compressobj(9, zlib.DEFLATED, 31)
open(sys.argv[1], "wb").write(c.compress(raw) + c.compress(bytes(3 << 20)) + c.flush())
print(len(raw))
`, path));
    const err = await rejection(inflateIfGzip(new Uint8Array(readFileSync(path)), "p.npy.gz", gunzipNode));
    expect((err as Error).message).toBe(`p.npy.gz: gzip stream: expected ${size} bytes once inflated (its .npy header: 128 bytes of header + shape (2, 3, 4, 5) of <f4), `
      + `found a stream that inflates to more than ${size + MiB} bytes: data past what the header describes`);
  });

  it("files as long as their header says, or a little longer (padding), inflate as before", async () => {
    const gz = new Uint8Array(readFileSync(S03));
    const want = gunzipSync(gz);
    for (const gunzip of [gunzipNode, gunzipWithStreams, legacy]) {
      expect(Buffer.from(await inflateIfGzip(gz, "s03.nii.gz", gunzip)).equals(want)).toBe(true);
    }
    const { path, size } = bomb(S03, 1000);
    expect((await inflateIfGzip(new Uint8Array(readFileSync(path)), "padded.nii.gz", gunzipNode)).length).toBe(size + 1000);
  });

  it("a start that cannot be inflated is inflated as before, and that inflate reports it", async () => {
    const gz = new Uint8Array(readFileSync(S03));
    const bad = gz.slice();
    bad[10] = 0x07; // an invalid block type in the first deflate byte (no file name in this header)
    expect(bad[3]! & 8).toBe(0);
    const err = await rejection(inflateIfGzip(bad, "corrupt.nii.gz", gunzipNode));
    expect((err as Error).message).toMatch(/^corrupt\.nii\.gz: gzip stream: expected a complete gzip file, found a corrupt one/);
  });
});

/** An .npz whose member holds a (3, 4, 5, 6) float32 array followed by `extra` zero bytes, written
 *  as numpy writes members (zipfile, force_zip64=True); `stored` for ZIP_STORED. Prints the size
 *  numpy's header describes (len of np.save's bytes). */
const NPZ_BOMB = `
import sys, io, zipfile, numpy as np
out, extra, method = sys.argv[1], int(sys.argv[2]), sys.argv[3]
a = np.full((3, 4, 5, 6), 0.25, np.float32)
b = io.BytesIO(); np.save(b, a); raw = b.getvalue()
comp = zipfile.ZIP_STORED if method == "stored" else zipfile.ZIP_DEFLATED
with zipfile.ZipFile(out, "w", comp) as z:
    with z.open("probabilities.npy", "w", force_zip64=True) as f:
        f.write(raw)
        z0 = bytes(1 << 20)
        for _ in range(extra >> 20): f.write(z0)
        f.write(bytes(extra & ((1 << 20) - 1)))
print(len(raw), len(raw) + extra)
`;

describe("an .npz member declaring more than its .npy header describes", () => {
  it("is refused before it is inflated (deflated and stored members, every inflater)", async () => {
    for (const method of ["deflate", "stored"] as const) {
      const path = join(tempDir(), `bomb_${method}.npz`);
      const [size, declared] = python(NPZ_BOMB, path, String(8 * MiB), method).trim().split(" ").map(Number);
      const bytes = new Uint8Array(readFileSync(path));
      const want = `bomb.npz: probabilities.npy size: expected ${size} bytes, as its .npy header describes (128 bytes of header + shape (3, 4, 5, 6) of <f4), found ${declared} bytes declared in the zip directory`;
      expect(() => readNpz(bytes, "bomb.npz"), method).toThrow(want);
      expect(((await rejection(readNpzAsync(bytes, "bomb.npz", { inflateRaw: inflateRawNode }))) as Error).message, method).toBe(want);
      expect(((await rejection(readProbabilities(bytes, "bomb.npz"))) as Error).message, method).toBe(want);
    }
  });

  it("a member of exactly header + data bytes is read as before", async () => {
    const path = join(tempDir(), "ok.npz");
    python(NPZ_BOMB, path, "0", "deflate");
    const m = await readNpzAsync(new Uint8Array(readFileSync(path)), "ok.npz", { inflateRaw: inflateRawNode });
    expect(m.array.shape).toEqual([3, 4, 5, 6]);
    expect(Array.from(m.array.data.subarray(0, 3))).toEqual([0.25, 0.25, 0.25]);
  });
});
