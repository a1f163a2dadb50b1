/**
 * Voxel-axis orientation from a voxel-to-world affine (RAS+ world, as NIfTI / nibabel), and the plan
 * for showing a slice in NEUROLOGICAL convention ("left is left"):
 *   axial:    screen left = subject Left (L),      top = Anterior (A)  (seen from above)
 *   coronal:  screen left = subject Left (L),      top = Superior (S)  (seen from behind)
 *   sagittal: screen left = Posterior (P),         top = Superior (S)  (seen from the subject's left)
 * Radiological viewers (and many clinical PACS) mirror axial/coronal left-right; we state our choice
 * in NEUROLOGICAL_ORIENTATION so reports and figures cannot be misread.
 */

/** Row-major 4x4 (or 3x4 / 3x3 linear part) as nested rows, or 16 (or 12) numbers row-major. */
export type Affine = ReadonlyArray<ReadonlyArray<number>> | ArrayLike<number>;
export type View = "axial" | "coronal" | "sagittal";
export type WorldAxis = 0 | 1 | 2;
/** Where one voxel axis points: world axis (0 = L->R, 1 = P->A, 2 = I->S) and +1 / -1 along it. */
export interface AxisDirection { axis: WorldAxis; sign: 1 | -1 }

export const NEUROLOGICAL_ORIENTATION =
  "neurological: axial screen left = subject left (L), top = anterior (A); " +
  "coronal screen left = subject left (L), top = superior (S); " +
  "sagittal screen left = posterior (P), top = superior (S)";

export interface ViewPlan {
  view: View;
  /** Voxel axis (0 = i, 1 = j, 2 = k) held fixed by the slice index. */
  sliceAxis: number;
  /** Voxel axis that runs along screen columns (left -> right) and screen rows (top -> bottom). */
  colAxis: number;
  rowAxis: number;
  /** True when the screen runs against the voxel axis (column c reads voxel n-1-c). */
  flipCol: boolean;
  flipRow: boolean;
  /** Anatomical letters at the screen edges, for drawing on figures. */
  left: string; right: string; top: string; bottom: string;
  /** Voxel size (affine column norms) along screen columns and rows, for aspect-aware display. */
  colSpacing: number;
  rowSpacing: number;
}

// Letter each voxel axis points TOWARD, per world axis and sign (nibabel's aff2axcodes labels).
const CODES: ReadonlyArray<readonly [string, string]> = [["L", "R"], ["P", "A"], ["I", "S"]];

/** The 3x3 linear part M[world][voxel]. */
function linearPart(affine: Affine): number[][] {
  let rows: number[][];
  if (isNested(affine)) rows = affine.map((r) => Array.from(r));
  else {
    const flat = Array.from(affine);
    const w = flat.length === 16 || flat.length === 12 ? 4 : flat.length === 9 ? 3 : 0;
    if (w === 0) throw new RangeError(`affine must have 16, 12 or 9 numbers, got ${flat.length}`);
    rows = [0, 1, 2].map((r) => flat.slice(r * w, r * w + w));
  }
  if (rows.length < 3 || rows.slice(0, 3).some((r) => r.length < 3)) throw new RangeError("affine must be at least 3x3");
  const m = rows.slice(0, 3).map((r) => r.slice(0, 3));
  if (m.flat().some((x) => !Number.isFinite(x))) throw new RangeError("affine has non-finite entries");
  return m;
}

function isNested(a: Affine): a is ReadonlyArray<ReadonlyArray<number>> {
  return Array.isArray(a) && a.length > 0 && typeof a[0] !== "number";
}

const colNorm = (m: number[][], c: number): number => Math.hypot(m[0]![c]!, m[1]![c]!, m[2]![c]!);

function det3(m: number[][]): number {
  const [a, b, c] = m as [number[], number[], number[]];
  return a[0]! * (b[1]! * c[2]! - b[2]! * c[1]!) - a[1]! * (b[0]! * c[2]! - b[2]! * c[0]!) + a[2]! * (b[0]! * c[1]! - b[1]! * c[0]!);
}

/** (X^-1)^T via the cofactor matrix: cof(X) / det(X). */
function invTranspose(m: number[][]): number[][] {
  const d = det3(m);
  const e = (r: number, c: number): number => m[r]![c]!;
  const cof = (r: number, c: number): number => {
    const r1 = (r + 1) % 3, r2 = (r + 2) % 3, c1 = (c + 1) % 3, c2 = (c + 2) % 3;
    return e(r1, c1) * e(r2, c2) - e(r1, c2) * e(r2, c1);
  };
  return [0, 1, 2].map((r) => [0, 1, 2].map((c) => cof(r, c) / d));
}

/**
 * Nearest orthogonal matrix (polar factor) of the column-normalised linear part, by Newton iteration
 * X <- (X + X^-T) / 2. nibabel's io_orientation gets the same matrix from an SVD; this avoids a 3x3 SVD.
 * Shears and oblique angles are thereby resolved the same way nibabel resolves them. A singular
 * matrix (e.g. a zero column from a 2-D image) is used as normalised, without orthogonalising.
 */
function nearestRotation(m: number[][]): number[][] {
  const n = [0, 1, 2].map((c) => colNorm(m, c) || 1);
  let x = m.map((row) => row.map((v, c) => v / n[c]!));
  if (Math.abs(det3(x)) < 1e-9) return x;
  for (let it = 0; it < 100; it++) {
    const y = invTranspose(x);
    const next = x.map((row, r) => row.map((v, c) => (v + y[r]![c]!) / 2));
    const delta = Math.max(...next.flat().map((v, i) => Math.abs(v - x.flat()[i]!)));
    x = next;
    if (delta < 1e-13) break;
  }
  return x;
}

/**
 * Like nibabel's io_orientation: for each voxel axis (in order i, j, k) pick the world axis it most
 * points along, then remove that world axis from later choices. Axes left undetermined by a degenerate
 * affine get the remaining world axes with sign +1, so a display plan always exists.
 */
export function axisDirections(affine: Affine): AxisDirection[] {
  const r = nearestRotation(linearPart(affine));
  const out: Array<AxisDirection | undefined> = [undefined, undefined, undefined];
  const used = new Set<number>();
  for (let v = 0; v < 3; v++) {
    let best = -1, bestAbs = 1e-6;
    for (let w = 0; w < 3; w++) {
      if (used.has(w)) continue;
      const a = Math.abs(r[w]![v]!);
      if (a > bestAbs) { best = w; bestAbs = a; }
    }
    if (best < 0) continue;
    used.add(best);
    out[v] = { axis: best as WorldAxis, sign: r[best]![v]! < 0 ? -1 : 1 };
  }
  const free = ([0, 1, 2] as WorldAxis[]).filter((w) => !used.has(w));
  return out.map((d) => d ?? { axis: free.shift()!, sign: 1 as const });
}

/** Three-letter code of the directions the voxel axes point toward, e.g. "RAS" (identity), "LAS". */
export function axisCodes(affine: Affine): string {
  return axisDirections(affine).map((d) => CODES[d.axis]![d.sign > 0 ? 1 : 0]).join("");
}

// Per view: world axis held fixed; world axis + direction for columns and rows (+1 = screen runs toward +world).
const VIEWS: Record<View, { slice: WorldAxis; col: WorldAxis; colDir: 1 | -1; row: WorldAxis; rowDir: 1 | -1; marks: [string, string, string, string] }> = {
  axial: { slice: 2, col: 0, colDir: 1, row: 1, rowDir: -1, marks: ["L", "R", "A", "P"] },
  coronal: { slice: 1, col: 0, colDir: 1, row: 2, rowDir: -1, marks: ["L", "R", "S", "I"] },
  sagittal: { slice: 0, col: 1, colDir: 1, row: 2, rowDir: -1, marks: ["P", "A", "S", "I"] },
};

/** How to cut and lay out a `view` of a volume with this affine so it displays in neurological convention. */
export function viewPlan(affine: Affine, view: View): ViewPlan {
  const spec = VIEWS[view];
  if (spec === undefined) throw new RangeError(`unknown view "${String(view)}"; expected axial, coronal or sagittal`);
  const m = linearPart(affine);
  const dirs = axisDirections(affine);
  const voxelFor = (w: WorldAxis): number => dirs.findIndex((d) => d.axis === w);
  const colAxis = voxelFor(spec.col), rowAxis = voxelFor(spec.row);
  const [left, right, top, bottom] = spec.marks;
  return {
    view, sliceAxis: voxelFor(spec.slice), colAxis, rowAxis,
    flipCol: dirs[colAxis]!.sign !== spec.colDir,
    flipRow: dirs[rowAxis]!.sign !== spec.rowDir,
    left, right, top, bottom,
    colSpacing: colNorm(m, colAxis), rowSpacing: colNorm(m, rowAxis),
  };
}
