import { describe, expect, it } from "vitest";
import { axisCodes, axisDirections, viewPlan, NEUROLOGICAL_ORIENTATION } from "../../src/render/orientation.js";

const diag = (x: number, y: number, z: number): number[][] => [[x, 0, 0, 10], [0, y, 0, -20], [0, 0, z, 5], [0, 0, 0, 1]];
const rotZ = (deg: number): number[][] => {
  const a = (deg * Math.PI) / 180, c = Math.cos(a), s = Math.sin(a);
  return [[c, -s, 0, 0], [s, c, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
};

describe("axisCodes (like nibabel aff2axcodes)", () => {
  it("identity is RAS", () => expect(axisCodes(diag(1, 1, 1))).toBe("RAS"));
  it("diag(-2,2,2) is LAS", () => expect(axisCodes(diag(-2, 2, 2))).toBe("LAS"));
  it("accepts 16 flat numbers, row-major", () => expect(axisCodes(diag(-2, 2, 2).flat())).toBe("LAS"));
  it("flips every axis", () => expect(axisCodes(diag(-1, -1, -1))).toBe("LPI"));
  it("90 degrees about z: i -> +y, j -> -x", () => {
    expect(axisCodes(rotZ(90))).toBe("ALS");
    expect(axisDirections(rotZ(90))).toEqual([{ axis: 1, sign: 1 }, { axis: 0, sign: -1 }, { axis: 2, sign: 1 }]);
  });
  it("permuted axes (coronal acquisition, voxel k along -y)", () => {
    // i -> +x, j -> +z, k -> -y : nibabel gives ('R', 'S', 'P')
    const a = [[1, 0, 0, 0], [0, 0, -3, 0], [0, 1.5, 0, 0], [0, 0, 0, 1]];
    expect(axisCodes(a)).toBe("RSP");
  });
  it("small obliquity and anisotropic zooms do not change the codes", () => {
    const r = rotZ(20);
    const a = r.map((row, i) => (i < 3 ? row.map((v, j) => (j < 3 ? v * [0.8, 0.8, 5][j]! : v)) : row));
    expect(axisCodes(a)).toBe("RAS");
  });
  it("45+ degrees tips over to the other axis", () => {
    expect(axisCodes(rotZ(50))).toBe("ALS");
  });
  it("a degenerate (2-D) affine still yields a permutation", () => {
    expect(axisCodes([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]])).toBe("RAS");
  });
  it("rejects non-finite input", () => {
    expect(() => axisCodes([[Number.NaN, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])).toThrow(RangeError);
  });
});

describe("viewPlan (neurological display)", () => {
  it("axial RAS: columns along i (unflipped), rows along j flipped (anterior on top)", () => {
    const p = viewPlan(diag(1, 1, 1), "axial");
    expect(p).toMatchObject({ sliceAxis: 2, colAxis: 0, rowAxis: 1, flipCol: false, flipRow: true, left: "L", right: "R", top: "A", bottom: "P" });
  });
  it("axial LAS: columns flipped so the subject's left stays on screen left", () => {
    const p = viewPlan(diag(-2, 2, 2), "axial");
    expect(p).toMatchObject({ colAxis: 0, flipCol: true, rowAxis: 1, flipRow: true, colSpacing: 2, rowSpacing: 2 });
  });
  it("coronal and sagittal RAS", () => {
    expect(viewPlan(diag(1, 1, 1), "coronal")).toMatchObject({ sliceAxis: 1, colAxis: 0, flipCol: false, rowAxis: 2, flipRow: true, top: "S" });
    expect(viewPlan(diag(1, 1, 1), "sagittal")).toMatchObject({ sliceAxis: 0, colAxis: 1, flipCol: false, rowAxis: 2, flipRow: true, left: "P" });
  });
  it("rotated affine: axial columns come from voxel j (pointing L, so flipped), rows from i", () => {
    expect(viewPlan(rotZ(90), "axial")).toMatchObject({ sliceAxis: 2, colAxis: 1, flipCol: true, rowAxis: 0, flipRow: true });
  });
  it("states the convention", () => {
    expect(NEUROLOGICAL_ORIENTATION).toMatch(/neurological/);
    expect(NEUROLOGICAL_ORIENTATION).toMatch(/axial screen left = subject left \(L\), top = anterior \(A\)/);
  });
});
