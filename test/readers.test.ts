/** Readers against an independent decoder (nibabel) and hand-made edge cases. */
import { describe, expect, it, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  init, parseNpy, readNiftiFile, readProbabilitiesFile, analyze, fromNpy, encodeNpyFloat32, readNpz, SegentropyError,
} from "../src/node/index.js";
import { zipSync } from "fflate";
import { FIXTURES, expectedMap } from "./helpers/cases.js";

const RESEARCH = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "research");

beforeAll(async () => { await init(); });

const NIB = `
import sys, json, numpy as np, nibabel as nib
res = {}
for p in sys.argv[1:]:
    img = nib.load(p); d = np.asarray(img.dataobj, dtype=np.float64)
    res[p] = {"shape": list(img.shape), "sum": float(np.nansum(d)), "sumsq": float(np.nansum(d*d)), "first": [float(x) for x in d.ravel(order="F")[:5]]}
print(json.dumps(res))
`;

describe("NIfTI decoding agrees with nibabel", () => {
  const files = [
    join(RESEARCH, "spm12_OldSeg_grey.nii"),
    join(RESEARCH, "niftireaderjs_5D_small.nii"),
    join(RESEARCH, "niftireaderjs_big_endian.nii.gz"),
    join(RESEARCH, "niftireaderjs_with_extension.nii.gz"),
    join(FIXTURES, "s04_nifti4d_uint8_scaled_icbm2009a_1mm", "probabilities.nii.gz"),
    join(FIXTURES, "s07_nifti2_icbm2009a_t1seg_3mm", "probabilities.nii.gz"),
    join(FIXTURES, "s08_bigendian_anatomical_gmm", "image.nii"),
    join(FIXTURES, "s08_bigendian_anatomical_gmm", "probabilities.nii"),
  ];
  it("shape, scaled sums and first voxels", async () => {
    const py = spawnSync("/usr/bin/python3", ["-c", NIB, ...files], { encoding: "utf8", maxBuffer: 1 << 24 });
    expect(py.status, `python3 with numpy and nibabel is needed: ${py.stderr}`).toBe(0);
    const ref = JSON.parse(py.stdout) as Record<string, { shape: number[]; sum: number; sumsq: number; first: number[] }>;
    for (const f of files) {
      const img = await readNiftiFile(f);
      const r = ref[f]!;
      const shape = [...img.dims];
      while (shape.length > r.shape.length && shape[shape.length - 1] === 1) shape.pop();
      expect(shape, f).toEqual(r.shape);
      const slope = img.scale?.slope ?? 1, inter = img.scale?.inter ?? 0;
      let sum = 0, sumsq = 0;
      for (let i = 0; i < img.data.length; i++) {
        const x = img.data[i]! * slope + inter;
        if (x === x) { sum += x; sumsq += x * x; }
      }
      expect(Math.abs(sum - r.sum), `${f} sum`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(r.sum)));
      expect(Math.abs(sumsq - r.sumsq), `${f} sumsq`).toBeLessThanOrEqual(1e-9 * Math.max(1, r.sumsq));
      r.first.forEach((w, i) => expect(img.data[i]! * slope + inter).toBeCloseTo(w, 9));
    }
  });
});

describe("probability layouts", () => {
  it("5-D vector NIfTI: classes in dim 5", async () => {
    const input = await readProbabilitiesFile(join(RESEARCH, "niftireaderjs_5D_small.nii"));
    expect(input.info.classAxis).toBe(4);
    expect(input.info.classes).toBe(3);
    expect(input.info.intentCode).toBe(1007);
    // its sums are 0.72..1.40: not probabilities, so softmax refuses unless told to renormalise
    expect(() => analyze(input)).toThrow(SegentropyError);
    const a = analyze(input, {}, { allowUnnormalized: true });
    expect(a.dims).toEqual([1, 2, 3]);
  });

  it("one 3-D file per class (SPM OldSeg grey/white/csf) equals the stacked 4-D case", async () => {
    const input = await readProbabilitiesFile(["grey", "white", "csf"].map((t) => join(RESEARCH, `spm12_OldSeg_${t}.nii`)));
    expect(input.info.format).toBe("nifti-per-class");
    expect(input.info.byteOrder).toBe("big");
    const a = analyze(input, {}, { kind: "tissue" });
    const want = await expectedMap("s11_tpm_missing_background_spm_priors");
    let worst = 0;
    for (let v = 0; v < want.length; v++) worst = Math.max(worst, Math.abs(a.map[v]! - want[v]!));
    expect(worst).toBeLessThanOrEqual(1e-5);
  });
});

/** Builds .npy bytes by hand (header text as numpy writes it). */
function npy(descr: string, shape: number[], fortran: boolean, body: Uint8Array, major = 1): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  const pre = major === 1 ? 10 : 12;
  header += " ".repeat((64 - ((pre + header.length + 1) % 64)) % 64) + "\n";
  const out = new Uint8Array(pre + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, header.length, true); else dv.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  out.set(body, pre + header.length);
  return out;
}

describe(".npy parser", () => {
  const values = [0.5, 0.5, 0, 1, 0.25, 0.75]; // (C=2, N=3) C order: voxel 0 = [0.5, 1], ...
  it("reads C and Fortran order, both byte orders, f2/f4/f8, v1 and v2 headers", () => {
    const f4 = new Uint8Array(new Float32Array(values).buffer);
    const be = new Uint8Array(f4.length);
    for (let i = 0; i < f4.length; i += 4) for (let b = 0; b < 4; b++) be[i + b] = f4[i + 3 - b]!;
    const a = parseNpy(npy("<f4", [2, 3], false, f4), "a");
    const b = parseNpy(npy(">f4", [2, 3], false, be), "b");
    const c = parseNpy(npy("<f4", [2, 3], false, f4, 2), "c");
    expect(Array.from(a.data)).toEqual(values);
    expect(Array.from(b.data)).toEqual(values);
    expect(Array.from(c.data)).toEqual(values);
    const half = new Uint16Array([0x3800, 0x3c00, 0x0000, 0x3400]); // 0.5, 1, 0, 0.25
    const h = parseNpy(npy("<f2", [4], false, new Uint8Array(half.buffer)), "h");
    expect(h.dtype).toBe("float16");
    const f = parseNpy(npy("<f8", [3, 2], true, new Uint8Array(new Float64Array(values).buffer)), "f");
    expect(f.order).toBe("F");
    expect(f.strides).toEqual([1, 3]);
  });

  it("C-order and Fortran-order copies of one array give the same entropy map", () => {
    // (C=2, z=1, y=2, x=3) probabilities, nnU-Net order
    const C = 2, Z = 1, Y = 2, X = 3, N = Z * Y * X;
    const p = Array.from({ length: N }, (_, v) => (v + 1) / (N + 2));
    const cOrder = new Float32Array(C * N);
    for (let v = 0; v < N; v++) { cOrder[v] = p[v]!; cOrder[N + v] = 1 - p[v]!; }
    const fOrder = new Float32Array(C * N);
    // F order of shape (C, Z, Y, X): index = c + C*(z + Z*(y + Y*x))
    for (let x = 0; x < X; x++) for (let y = 0; y < Y; y++) for (let z = 0; z < Z; z++) for (let c = 0; c < C; c++) {
      fOrder[c + C * (z + Z * (y + Y * x))] = cOrder[c * N + (z * Y + y) * X + x]!;
    }
    const a = analyze(fromNpy(parseNpy(npy("<f4", [C, Z, Y, X], false, new Uint8Array(cOrder.buffer)), "c"), "c", 0));
    const b = analyze(fromNpy(parseNpy(npy("<f4", [C, Z, Y, X], true, new Uint8Array(fOrder.buffer)), "f"), "f", 0));
    expect(a.dims).toEqual([X, Y, Z]);
    expect(Array.from(b.map)).toEqual(Array.from(a.map));
    // voxel (i, j, k) of the map is probs[:, k, j, i]: the nnU-Net relation
    const i = 2, j = 1, k = 0;
    const q = p[(k * Y + j) * X + i]!;
    expect(a.map[i + X * (j + Y * k)]).toBeCloseTo(-(q * Math.log2(q) + (1 - q) * Math.log2(1 - q)), 6);
  });

  it("channel-last arrays with --class-axis are read interleaved", () => {
    const N = 4, C = 3;
    const data = new Float32Array([1, 0, 0, 1 / 3, 1 / 3, 1 / 3, 0.5, 0.5, 0, 0, 0, 1]);
    const a = analyze(fromNpy(parseNpy(npy("<f4", [N, C], false, new Uint8Array(data.buffer)), "last"), "last", -1));
    expect(a.map[0]).toBe(0);
    expect(a.map[1]).toBeCloseTo(Math.log2(3), 6);
    expect(a.map[2]).toBeCloseTo(1, 6);
    expect(a.map[3]).toBe(0);
    expect(a.classes).toBe(C);
  });

  it("refuses object dtypes, truncated data and bad magic with a named field", () => {
    expect(() => parseNpy(npy("|O", [2], false, new Uint8Array(16)), "o.npy")).toThrow(/o\.npy: descr/);
    expect(() => parseNpy(npy("<f4", [2, 3], false, new Uint8Array(8)), "t.npy")).toThrow(/t\.npy: data: expected 24 bytes .* found 8 bytes/);
    expect(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), "m.npy")).toThrow(/m\.npy: magic/);
  });

  it("npz: picks probabilities/softmax/logits, or names the keys it found", () => {
    const body = encodeNpyFloat32(new Float32Array([0.5, 0.5]), [2, 1]);
    const zip = zipSync({ "probabilities.npy": body, "extra.npy": body });
    expect(readNpz(zip, "z.npz").key).toBe("probabilities");
    const other = zipSync({ "a.npy": body, "b.npy": body });
    expect(() => readNpz(other, "o.npz")).toThrow(/o\.npz: key: expected one of probabilities, softmax, logits .* found 'a', 'b'/);
    expect(readNpz(other, "o.npz", "b").key).toBe("b");
    expect(() => readNpz(zip.subarray(0, 40), "cut.npz")).toThrow(/cut\.npz/);
  });
});
