/**
 * The CLI on compressed inputs that hold far more than their headers describe: refused from the
 * header, fast and in little memory (they used to be inflated in full: 256 MiB of zeros behind a
 * valid .nii.gz took ~590 MB of RSS and exit 0). Peak RSS is measured by /usr/bin/time.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CLI, ROOT, tempDir } from "./helpers/cli.js";
import { FIXTURES } from "./helpers/cases.js";

const MiB = 1 << 20;
/** Node and the CLI's modules take ~60-80 MiB; an inflated bomb takes at least its 256 MiB. */
const RSS_LIMIT_KIB = 160 * 1024;

function python(code: string, ...args: string[]): string {
  const py = spawnSync("/usr/bin/python3", ["-c", code, ...args], { encoding: "utf8" });
  expect(py.status, `python3 with numpy and nibabel is needed: ${py.stderr}`).toBe(0);
  return py.stdout;
}

/** Runs the built CLI under /usr/bin/time: exit code, stderr lines (time's line removed) and peak RSS in KiB. */
function timedCli(args: string[]): { code: number | null; lines: string[]; rssKiB: number } {
  const r = spawnSync("/usr/bin/time", ["-f", "RSS %M", process.execPath, CLI, ...args], { encoding: "utf8", cwd: ROOT, timeout: 120_000 });
  const lines = r.stderr.trim().split("\n");
  const rss = lines.pop()!;
  expect(rss, r.stderr).toMatch(/^RSS \d+$/);
  // time prints a line of its own for a non-zero exit
  return { code: r.status, lines: lines.filter((l) => !/^Command exited with non-zero status/.test(l)), rssKiB: Number(rss.slice(4)) };
}

describe("a .nii.gz with 256 MiB of zeros after its data in the same gzip stream", () => {
  it("is refused naming the header's size, without inflating the zeros", () => {
    const dir = tempDir();
    const bomb = join(dir, "bomb.nii.gz");
    // the inflated s03 file (what its header describes, as nibabel reads it) and then the zeros
    const size = Number(python(`
import sys, gzip, zlib, numpy as np, nibabel as nib
raw = gzip.decompress(open(sys.argv[1], "rb").read())
img = nib.Nifti1Image.from_bytes(raw)
assert img.dataobj.offset + np.prod(img.shape) * img.get_data_dtype().itemsize == len(raw)
c = zlib.compressobj(9, zlib.DEFLATED, 31)
with open(sys.argv[2], "wb") as f:
    f.write(c.compress(raw)); z = bytes(64 << 20)
    for _ in range(4): f.write(c.compress(z))
    f.write(c.flush())
print(len(raw))
`, join(FIXTURES, "s03_nifti4d_float32_anatomical", "probabilities.nii.gz"), bomb));
    const out = join(dir, "out");
    const r = timedCli([bomb, "--out", out, "--quiet"]);
    expect(r.code, r.lines.join("\n")).toBe(2);
    expect(r.lines).toEqual([`segentropy: ${bomb}: gzip stream: expected ${size} bytes once inflated (its NIfTI-1 header: vox_offset 352 + dims [33, 41, 25, 3] x 4 bytes), `
      + `found a stream that inflates to more than ${size + MiB} bytes: data past what the header describes`]);
    expect(r.rssKiB).toBeLessThan(RSS_LIMIT_KIB);
    expect(existsSync(out)).toBe(false);
    // as --image and --seg too (read through the same inflater)
    const probs = join(FIXTURES, "s03_nifti4d_float32_anatomical", "probabilities.nii.gz");
    for (const flag of ["--image", "--seg"]) {
      const s = timedCli([probs, flag, bomb, "--out", out, "--quiet", "--no-png"]);
      expect(s.code, flag).toBe(2);
      expect(s.lines, flag).toHaveLength(1);
      expect(s.lines[0], flag).toMatch(/bomb\.nii\.gz: gzip stream: expected \d+ bytes once inflated/);
      expect(s.rssKiB, flag).toBeLessThan(RSS_LIMIT_KIB);
    }
  });
});

describe("an .npz member holding 256 MiB of zeros after its array", () => {
  it("is refused from the member's .npy header before it is inflated", () => {
    const dir = tempDir();
    const npz = join(dir, "bomb.npz");
    // numpy's way of writing a member (zipfile, force_zip64=True), with the zeros in the same member
    const [size, declared] = python(`
import sys, io, zipfile, numpy as np
a = np.full((3, 4, 5, 6), 0.25, np.float32)
b = io.BytesIO(); np.save(b, a); raw = b.getvalue()
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("probabilities.npy", "w", force_zip64=True) as f:
        f.write(raw); z0 = bytes(64 << 20)
        for _ in range(4): f.write(z0)
print(len(raw), len(raw) + (256 << 20))
`, npz).trim().split(" ").map(Number);
    const out = join(dir, "out");
    const r = timedCli([npz, "--out", out, "--quiet"]);
    expect(r.code, r.lines.join("\n")).toBe(2);
    expect(r.lines).toEqual([`segentropy: ${npz}: probabilities.npy size: expected ${size} bytes, as its .npy header describes (128 bytes of header + shape (3, 4, 5, 6) of <f4), found ${declared} bytes declared in the zip directory`]);
    expect(r.rssKiB).toBeLessThan(RSS_LIMIT_KIB);
    expect(existsSync(out)).toBe(false);
  });
});
