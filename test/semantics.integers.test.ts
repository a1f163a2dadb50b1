/**
 * Integer inputs without scaling whose values exceed 1 (probabilities stored as round(p * 255), or
 * counts/votes) are refused like float inputs with the same values, with a hint naming both ways
 * out; --scale or --allow-unnormalized runs them. Found by a fresh-user pass: they were silently
 * renormalised (a uint8 .npy, .npz and a 4-D uint8 NIfTI without scl_slope gave rc 0).
 * Expected maps come from numpy (float64) on the same files.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempDir } from "./helpers/cli.js";
import { init } from "../src/kernel/wasm.js";
import { analyze } from "../src/analyze.js";
import { readProbabilities } from "../src/read/probabilities.js";
import { SegentropyError } from "../src/errors.js";

beforeAll(async () => { await init(); });

function python(code: string, ...args: string[]): string {
  const py = spawnSync("/usr/bin/python3", ["-c", code, ...args], { encoding: "utf8" });
  expect(py.status, `python3 with numpy and nibabel is needed: ${py.stderr}`).toBe(0);
  return py.stdout;
}

const DTYPES = ["u1", "i1", "u2", "i2", "u4", "i4"];

/**
 * Writes, in `dir`: q_<dtype>.npy (C = 4, (4, 5, 6, 7) of round(p * 255) in each integer dtype,
 * round(p * 127) for int8),
 * q.npz (uint8, key probabilities), q.nii.gz (4-D uint8, no scl_slope), onehot.npy (uint8 0/1), and
 * prints the float64 entropy of the renormalised counts, in (z, y, x) C order (= the map's F order).
 */
function writeCases(dir: string): Float64Array {
  const out = python(`
import sys, json, numpy as np, nibabel as nib
d = sys.argv[1]
rng = np.random.default_rng(7)
p = rng.dirichlet(np.full(4, 0.6), size=(5, 6, 7)).transpose(3, 0, 1, 2)
p[:, 0, 0, 0] = [1, 0, 0, 0]
q = np.round(p * 255)
for code in sys.argv[2].split(","):
    # int8 holds 127 at most: round(p * 127) there
    np.save(f"{d}/q_{code}.npy", (np.round(p * 127) if code == "i1" else q).astype(code))
np.savez(f"{d}/q.npz", probabilities=q.astype(np.uint8))
img = nib.Nifti1Image(q.astype(np.uint8).transpose(3, 2, 1, 0), np.eye(4))
img.header.set_slope_inter(np.nan, np.nan)
nib.save(img, f"{d}/q.nii.gz")
np.save(f"{d}/onehot.npy", (p == p.max(axis=0)).astype(np.uint8))
x = q.astype(np.float64)
s = x.sum(axis=0)
r = np.where(x > 0, x / s, 0)
h = -(np.where(r > 0, r * np.log2(np.where(r > 0, r, 1)), 0)).sum(axis=0)
print(json.dumps(h.ravel().tolist()))
`, dir, DTYPES.join(","));
  return Float64Array.from(JSON.parse(out) as number[]);
}

function mapOf(out: string): Float64Array {
  return Float64Array.from(JSON.parse(python(`
import sys, json, numpy as np, nibabel as nib
m = np.asarray(nib.load(sys.argv[1] + "/entropy.nii.gz").dataobj, dtype=np.float64)
print(json.dumps(m.transpose(2, 1, 0).ravel().tolist()))
`, out)) as number[]);
}

function maxError(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe("integer input with values above 1 and no scaling", () => {
  it("is refused for every integer .npy dtype, the .npz and the 4-D NIfTI, with a hint naming --scale 1/255 and --allow-unnormalized, each of which runs it", () => {
    const dir = tempDir();
    const want = writeCases(dir);
    const files = [...DTYPES.map((c) => `q_${c}.npy`), "q.npz", "q.nii.gz"];
    for (const f of files) {
      const r = cli([join(dir, f), "--out", join(dir, `out_${f}`), "--no-png"]);
      expect(r.code, `${f}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`${f.replace(".", "\\.")}: values: expected probabilities in \\[0, 1\\] for --kind softmax, found min 0, max ${f === "q_i1.npy" ? 127 : 255}`));
      expect(r.stderr).toContain("--scale 1/255");
      expect(r.stderr).toContain("--allow-unnormalized");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    // 0/1 integers are probabilities as they are: still accepted without a flag
    const onehot = cli([join(dir, "onehot.npy"), "--out", join(dir, "out_onehot"), "--no-png"]);
    expect(onehot.code, onehot.stderr).toBe(0);

    // the ways out: --scale 1/255 (stored probabilities) and --allow-unnormalized (counts) both
    // run, giving numpy's entropy of the renormalised values
    for (const [f, flag] of [["q_u1.npy", ["--scale", "1/255"]], ["q_u1.npy", ["--allow-unnormalized"]], ["q.nii.gz", ["--scale", "1/255"]], ["q_i2.npy", ["--allow-unnormalized"]]] as const) {
      const out = join(dir, `ok_${f}_${flag[0]}`);
      const r = cli([join(dir, f), ...flag, "--out", out, "--no-png"]);
      expect(r.code, `${f} ${flag.join(" ")}: ${r.stderr}`).toBe(0);
      expect(maxError(mapOf(out), want), `${f} ${flag.join(" ")}`).toBeLessThan(1e-5);
      const stats = JSON.parse(readFileSync(join(out, "stats.json"), "utf8")) as { totalEntropy: number };
      const total = want.reduce((a, b) => a + b, 0);
      expect(Math.abs(stats.totalEntropy - total) / total).toBeLessThan(1e-5);
    }
  });

  it("library: analyze refuses a uint8 volume of 0..255 without scale, and runs it with allowUnnormalized or scale", async () => {
    const dir = tempDir();
    const want = writeCases(dir);
    const input = await readProbabilities(new Uint8Array(readFileSync(join(dir, "q_u1.npy"))), "q_u1.npy");
    let err: unknown;
    try { analyze(input); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(SegentropyError);
    expect((err as SegentropyError).field).toBe("values");
    expect((err as SegentropyError).hint).toMatch(/--scale 1\/255.*--allow-unnormalized/);
    for (const options of [{ allowUnnormalized: true }, { scale: 1 / 255 }]) {
      const a = analyze(input, {}, options);
      expect(maxError(Float64Array.from(a.map), want), JSON.stringify(options)).toBeLessThan(1e-5);
    }
  });
});
