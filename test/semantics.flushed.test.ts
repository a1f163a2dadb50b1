/**
 * Softmax values pushed below FLT_MIN (a --scale far too small) count as 0 in the kernel: every
 * voxel came out zero-sum and the map all zeros, with rc 0 (found by a fresh-user pass: --scale
 * 1e-38 on s03 ran, --scale 1e-30 was refused for its class sums). Such a volume is refused, with
 * or without --allow-unnormalized; volumes with real all-zero voxels still run.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { cli, tempDir } from "./helpers/cli.js";
import { FIXTURES } from "./helpers/cases.js";
import { init } from "../src/kernel/wasm.js";
import { analyze } from "../src/analyze.js";
import { readProbabilities } from "../src/read/probabilities.js";
import { encodeNpyFloat32 } from "../src/write/npy.js";
import { SegentropyError } from "../src/errors.js";

beforeAll(async () => { await init(); });

const s03 = join(FIXTURES, "s03_nifti4d_float32_anatomical", "probabilities.nii.gz");
const s13 = join(FIXTURES, "s13_edge_nan_zero_uniform_inia19_2mm", "probabilities.nii.gz");
const FLT_MIN = 2 ** -126;

describe("values below FLT_MIN (softmax)", () => {
  it("CLI: --scale 1e-38 is refused like --scale 1e-30, naming FLT_MIN and the zero-sum voxels; a volume with real all-zero voxels still runs", () => {
    const dir = tempDir();
    // s03 is 33 x 41 x 25 voxels with values in [0, 1]: times 1e-38, every one is below FLT_MIN
    for (const extra of [[], ["--allow-unnormalized"]]) {
      const r = cli([s03, "--scale", "1e-38", ...extra, "--out", join(dir, "o"), "--no-png"]);
      expect(r.code, r.stderr).toBe(2);
      // seen in float64 before the narrowing (layout/range64.ts), with the range the scaling gives
      expect(r.stderr).toMatch(/values: expected for --kind softmax, class values below FLT_MIN \(1\.17549e-38\) holding at most 2\^-24 \(5\.96046e-8\) of a voxel's probability mass: .*found 33825 of 33825 voxels where class values below FLT_MIN hold more than that share, which would come out zero-sum or wrong \(values min 0, max 1e-38\)/);
      expect(r.stderr).toMatch(/--scale/);
    }
    const tiny = cli([s03, "--scale", "1e-30", "--out", join(dir, "o"), "--no-png"]);
    expect(tiny.code).toBe(2);
    expect(tiny.stderr).toMatch(/class sums: .*as low as/);
    const s13run = cli([s13, "--out", join(dir, "s13"), "--no-png"]);   // all-zero vectors, NaN, one-hot
    expect(s13run.code, s13run.stderr).toBe(0);
  });

  it("library: denormal-only values are refused with allowUnnormalized too, with the voxel count", async () => {
    const C = 3, N = 10;
    const data = new Float32Array(C * N);
    for (let v = 0; v < N; v++) for (let c = 0; c < C; c++) data[c * N + v] = ((c + v) % 3) * 3e-39;   // 0, 3e-39, 6e-39
    expect(data.every((x) => x < FLT_MIN)).toBe(true);
    const input = await readProbabilities(encodeNpyFloat32(data, [C, N]), "denormal.npy");
    for (const options of [{}, { allowUnnormalized: true }]) {
      let err: unknown;
      try { analyze(input, {}, options); } catch (e) { err = e; }
      expect(err, JSON.stringify(options)).toBeInstanceOf(SegentropyError);
      expect((err as SegentropyError).found).toMatch(/^10 of 10 voxels zero-sum .*every one below FLT_MIN/);
    }
  });
});
