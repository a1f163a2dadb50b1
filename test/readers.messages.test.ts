/**
 * What the readers say about broken headers (found by a fresh-user pass): NIfTI-2 int64 fields read
 * as signed (a dim of -65 was printed as -18446744073709552000), .npy header messages that say what
 * was found, byte counts as exact integers (not 1.2676506002282294e+30), and the byte order of one
 * file per class in both orders reported as "mixed" (it was "little"). Files are made and read
 * back by nibabel and numpy.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parseNifti, parseNpy, readProbabilitiesFile } from "../src/node/index.js";
import { FIXTURES } from "./helpers/cases.js";
import { tempDir } from "./helpers/cli.js";

const S07 = join(FIXTURES, "s07_nifti2_icbm2009a_t1seg_3mm", "probabilities.nii.gz");
const RESEARCH = join(FIXTURES, "..", "research");

function python(code: string, ...args: string[]): string {
  const py = spawnSync("/usr/bin/python3", ["-c", code, ...args], { encoding: "utf8" });
  expect(py.status, `python3 with numpy and nibabel is needed: ${py.stderr}`).toBe(0);
  return py.stdout;
}

function message(f: () => unknown): string {
  try { f(); } catch (e) { return (e as Error).message; }
  return "no error";
}

describe("NIfTI-2 int64 fields", () => {
  it("negative dim and vox_offset values are printed as they are, in either byte order", () => {
    const dir = tempDir();
    // s07 as nibabel writes it in each byte order; nibabel confirms the offsets of dim and vox_offset
    python(`
import sys, gzip, numpy as np, nibabel as nib
img = nib.load(sys.argv[1])
for order, name in [("<", "le"), (">", "be")]:
    hdr = img.header.as_byteswapped(order) if img.header.endianness != order else img.header.copy()
    out = nib.Nifti2Image(np.asarray(img.dataobj), img.affine, hdr)
    raw = out.to_bytes()
    h = np.frombuffer(raw[:540], dtype=nib.nifti2.header_dtype.newbyteorder(order))
    assert int(h["dim"][0][0]) == 4 and np.frombuffer(raw, dtype=order + "i8", count=1, offset=16)[0] == 4
    assert int(h["vox_offset"][0]) == np.frombuffer(raw, dtype=order + "i8", count=1, offset=168)[0]
    open(f"{sys.argv[2]}/{name}.nii", "wb").write(raw)
`, S07, dir);
    for (const [name, le] of [["le", true], ["be", false]] as const) {
      const raw = new Uint8Array(readFileSync(join(dir, `${name}.nii`)));
      const patched = (offset: number, value: number): Uint8Array => {
        const b = raw.slice();
        new DataView(b.buffer).setBigInt64(offset, BigInt(value), le);
        return b;
      };
      expect(message(() => parseNifti(patched(16, -65), "n2.nii")), name).toBe("n2.nii: dim[0]: expected 1 to 7, found -65");
      expect(message(() => parseNifti(patched(24, -65), "n2.nii")), name).toBe("n2.nii: dim: expected positive sizes, found [-65, 77, 63, 4]");
      expect(message(() => parseNifti(patched(168, -5), "n2.nii")), name).toBe("n2.nii: vox_offset: expected >= 540, found -5");
      // and unpatched, the file reads as nibabel wrote it
      expect(parseNifti(raw.slice(), "n2.nii").dims, name).toEqual([65, 77, 63, 4]);
    }
  });

  it("a data size beyond 2^53 is printed as an exact integer", () => {
    const raw = new Uint8Array(gunzipSync(readFileSync(S07)));
    new DataView(raw.buffer, raw.byteOffset).setBigInt64(24, 2n ** 40n, true);
    // 2^40 * 77 * 63 * 4 voxels of 4 bytes
    const bytes = (2n ** 40n * 77n * 63n * 4n * 4n).toString();
    expect(message(() => parseNifti(raw, "big.nii"))).toMatch(new RegExp(`^big\\.nii: data: expected ${bytes} bytes for dims \\[1099511627776, 77, 63, 4\\] of float32`));
  });
});

/** An .npy v1.0 file with this header text (padded as numpy pads it) followed by `data` bytes. */
function npyWith(header: string, data = 24): Uint8Array {
  const pad = 64 - ((10 + header.length + 1) % 64);
  const head = new TextEncoder().encode(header + " ".repeat(pad) + "\n");
  const out = new Uint8Array(10 + head.length + data);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, head.length & 255, head.length >> 8]);
  out.set(head, 10);
  return out;
}

describe(".npy header messages", () => {
  it("a truncated header names the length its field gives and what the file holds", () => {
    const npy = npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    const headerLen = npy[8]! | (npy[9]! << 8);
    expect(message(() => parseNpy(npy.slice(0, 40), "cut.npy")))
      .toBe(`cut.npy: header: expected ${headerLen} bytes of header (its length field), found only 30 bytes (the file is truncated)`);
  });

  it("an unparsable field is quoted as found", () => {
    const cases: [string, string][] = [
      ["{'descr': <f4 !!!, 'fortran_order': False, 'shape': (2, 3), }", `descr: expected a simple dtype such as '<f4', found "<f4 !!!"`],
      ["{'descr': '<f4', 'fortran_order': 'no', 'shape': (2, 3), }", `fortran_order: expected True or False, found "'no'"`],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3], }", `shape: expected a tuple of integers, found "[2, 3]"`],
      ["{'descr': '<f4', 'shape': (2, 3), }", `header: expected a dict with the keys 'descr', 'fortran_order', 'shape' (as numpy requires), found keys 'descr', 'shape' (no 'fortran_order')`],
      ["{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (3,), }", `descr: expected a simple dtype such as '<f4', found a structured dtype, "[('a', '<f4'), ('b', '<f4')]"`],
    ];
    for (const [header, want] of cases) expect(message(() => parseNpy(npyWith(header), "h.npy")), header).toBe(`h.npy: ${want}`);
  });

  it("byte counts of huge shapes are exact integers, the shape as written", () => {
    const cases: [string, bigint][] = [["2, 1152921504606846976", 2n * 1152921504606846976n * 4n], ["2, 1267650600228229401496703205376", 2n * 2n ** 100n * 4n], ["2, 1000000000000, 1000000000000, 1000000", 8n * 10n ** 30n]];
    for (const [shape, bytes] of cases) {
      expect(message(() => parseNpy(npyWith(`{'descr': '<f4', 'fortran_order': False, 'shape': (${shape}), }`), "huge.npy")), shape)
        .toBe(`huge.npy: data: expected ${bytes} bytes for shape (${shape}) of <f4, found 24 bytes (truncated)`);
    }
  });
});

describe("one NIfTI file per class in both byte orders", () => {
  it("stats.json's byteOrder is 'mixed', with each file's order", async () => {
    const dir = tempDir();
    const grey = join(dir, "grey_le.nii");
    const orders = JSON.parse(python(`
import sys, json, numpy as np, nibabel as nib
img = nib.load(sys.argv[1])
out = nib.Nifti1Image(np.asarray(img.dataobj), img.affine, img.header.as_byteswapped("<"))
open(sys.argv[2], "wb").write(out.to_bytes())
print(json.dumps([nib.load(p).header.endianness for p in sys.argv[2:]]))
`, join(RESEARCH, "spm12_OldSeg_grey.nii"), grey, join(RESEARCH, "spm12_OldSeg_white.nii"), join(RESEARCH, "spm12_OldSeg_csf.nii"))) as string[];
    const names = orders.map((o) => (o === "<" ? "little" : "big"));
    expect(names).toEqual(["little", "big", "big"]);
    const mixed = await readProbabilitiesFile([grey, join(RESEARCH, "spm12_OldSeg_white.nii"), join(RESEARCH, "spm12_OldSeg_csf.nii")]);
    expect(mixed.info.byteOrder).toBe("mixed");
    expect(mixed.info.byteOrderPerFile).toEqual(names);
    const big = await readProbabilitiesFile(["grey", "white", "csf"].map((t) => join(RESEARCH, `spm12_OldSeg_${t}.nii`)));
    expect(big.info.byteOrder).toBe("big");
    expect(big.info.byteOrderPerFile).toBeUndefined();
  });
});
