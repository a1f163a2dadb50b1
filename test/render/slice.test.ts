import { describe, expect, it } from "vitest";
import { extractSlice, sliceCount } from "../../src/render/slice.js";
import { viewPlan } from "../../src/render/orientation.js";

// 3 x 2 x 2 grid in F order whose value encodes its voxel: 100 i + 10 j + k.
const nx = 3, ny = 2, nz = 2;
const data = new Float32Array(nx * ny * nz);
for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) data[i + nx * (j + ny * k)] = 100 * i + 10 * j + k;
const vol = { data, dims: [nx, ny, nz] };
const diag = (x: number, y: number, z: number): number[][] => [[x, 0, 0, 0], [0, y, 0, 0], [0, 0, z, 0], [0, 0, 0, 1]];
const rows = (s: { width: number; height: number; data: Float32Array }): number[][] =>
  Array.from({ length: s.height }, (_, r) => Array.from(s.data.subarray(r * s.width, (r + 1) * s.width)));

describe("extractSlice (neurological display)", () => {
  it("RAS axial: top-left is the most left (i=0), most anterior (j=ny-1) voxel", () => {
    const s = extractSlice(vol, viewPlan(diag(1, 1, 1), "axial"), 1);
    expect([s.width, s.height]).toEqual([3, 2]);
    expect(rows(s)).toEqual([[11, 111, 211], [1, 101, 201]]);
  });
  it("LAS axial: i runs toward the left, so the top-left voxel is i=nx-1", () => {
    const s = extractSlice(vol, viewPlan(diag(-2, 2, 2), "axial"), 1);
    expect(rows(s)).toEqual([[211, 111, 11], [201, 101, 1]]);
  });
  it("RAS coronal: left = L (i=0), top = superior (k=nz-1)", () => {
    const s = extractSlice(vol, viewPlan(diag(1, 1, 1), "coronal"), 0);
    expect(rows(s)).toEqual([[1, 101, 201], [0, 100, 200]]);
  });
  it("RAS sagittal: left = posterior (j=0), top = superior", () => {
    const s = extractSlice(vol, viewPlan(diag(1, 1, 1), "sagittal"), 2);
    expect(rows(s)).toEqual([[201, 211], [200, 210]]);
  });
  it("voxel axes rotated 90 degrees (i -> A, j -> L): screen columns come from j reversed, rows from i reversed", () => {
    const rot = [[0, -1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
    const s = extractSlice(vol, viewPlan(rot, "axial"), 0);
    expect([s.width, s.height]).toEqual([2, 3]);
    expect(rows(s)).toEqual([[210, 200], [110, 100], [10, 0]]);
  });
  it("works for 2-D data (dims [nx, ny])", () => {
    const d2 = { data: [0, 1, 2, 3, 4, 5], dims: [3, 2] };
    const plan = viewPlan(diag(1, 1, 1), "axial");
    expect(sliceCount(d2.dims, plan)).toBe(1);
    expect(rows(extractSlice(d2, plan, 0))).toEqual([[3, 4, 5], [0, 1, 2]]);
  });
  it("rejects out-of-range indices and short data", () => {
    const plan = viewPlan(diag(1, 1, 1), "axial");
    expect(() => extractSlice(vol, plan, 2)).toThrow(RangeError);
    expect(() => extractSlice(vol, plan, -1)).toThrow(RangeError);
    expect(() => extractSlice({ data: [1, 2], dims: [3, 2, 2] }, plan, 0)).toThrow(RangeError);
  });
});
