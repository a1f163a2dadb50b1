/**
 * A NiiVue adapter without a NiiVue dependency: the options object for
 * `NVImage.loadFromUrl(...)` (or an entry of `nv.loadVolumes([...])`) that shows an entropy map as an
 * overlay: inferno, transparent where the model is certain, and a display range that fits the map.
 *
 * @example
 * const overlay = await NVImage.loadFromUrl(niivueOverlay(analysis, { opacity: 0.7 }));
 * nv.addVolume(overlay);
 */
import type { Analysis } from "../analyze.js";
import { encodeNifti1Float32 } from "../write/nifti.js";
import { describeValue, fail, refuseUnknownKeys } from "../errors.js";

export interface NiivueOverlayOptions {
  opacity?: number;
  colormap?: string;
  /** Entropies below this are transparent (default 5% of the largest possible entropy). */
  calMin?: number;
  /** Top of the colour scale (default: the 99.5th percentile of the voxels above calMin). */
  calMax?: number;
  name?: string;
}

/** What NVImage.loadFromUrl accepts (a subset of NiiVue's ImageFromUrlOptions). */
export interface NiivueVolumeOptions {
  url: string;
  name: string;
  buffer: ArrayBuffer;
  colormap: string;
  opacity: number;
  cal_min: number;
  cal_max: number;
  trustCalMinMax: boolean;
}

/** [calMin, calMax] for showing an entropy map: certain voxels hidden, the top 0.5% saturated. */
export function entropyDisplayRange(map: ArrayLike<number>, maxPossible: number, calMin = 0.05 * maxPossible): [number, number] {
  if (!(ArrayBuffer.isView(map) || Array.isArray(map))) fail({ file: "arguments", field: "map", expected: "an entropy map (a Float32Array)", found: describeValue(map) });
  // NaN would give [NaN, NaN]: an overlay that shows nothing
  if (!(typeof maxPossible === "number" && Number.isFinite(maxPossible) && maxPossible >= 0)) fail({ file: "arguments", field: "maxPossible", expected: "a finite number >= 0 (analysis.maxPossibleEntropy)", found: numberFound(maxPossible) });
  if (!(typeof calMin === "number" && Number.isFinite(calMin))) fail({ file: "arguments", field: "calMin", expected: "a finite number", found: numberFound(calMin) });
  const above: number[] = [];
  const step = Math.max(1, Math.floor(map.length / 1_000_000)); // a strided sample is plenty for a percentile
  for (let v = 0; v < map.length; v += step) { const h = map[v]!; if (h > calMin) above.push(h); }
  if (above.length === 0) return [calMin, maxPossible > calMin ? maxPossible : calMin + 1];
  above.sort((a, b) => a - b);
  const hi = above[Math.min(above.length - 1, Math.floor(0.995 * (above.length - 1)))]!;
  return [calMin, Math.min(maxPossible, Math.max(hi, 2 * calMin))];
}

const OVERLAY_OPTION_KEYS: readonly string[] = ["opacity", "colormap", "calMin", "calMax", "name"] satisfies readonly (keyof NiivueOverlayOptions)[];

const numberFound = (x: unknown): string => typeof x === "number" ? String(x) : typeof x === "string" ? `'${x}'` : describeValue(x);

/** The overlay options: known keys, an opacity in [0, 1], a finite display range low < high, names as strings. */
function checkOverlayOptions(options: NiivueOverlayOptions): void {
  if (typeof options !== "object" || options === null) fail({ file: "arguments", field: "options", expected: "NiivueOverlayOptions (or nothing)", found: describeValue(options) });
  refuseUnknownKeys(options, OVERLAY_OPTION_KEYS, "options");
  const { opacity, calMin, calMax, colormap, name } = options as Record<string, unknown>;
  if (opacity !== undefined && !(typeof opacity === "number" && opacity >= 0 && opacity <= 1)) fail({ file: "arguments", field: "options.opacity", expected: "a number from 0 to 1", found: numberFound(opacity) });
  for (const [field, v] of [["calMin", calMin], ["calMax", calMax]] as const) {
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v))) fail({ file: "arguments", field: `options.${field}`, expected: "a finite number", found: numberFound(v) });
  }
  // NiiVue's colormap names (and any added with nv.addColormap) are not known here: only the type is checked
  if (colormap !== undefined && !(typeof colormap === "string" && colormap !== "")) fail({ file: "arguments", field: "options.colormap", expected: "a NiiVue colormap name (a non-empty string)", found: numberFound(colormap) });
  if (name !== undefined && !(typeof name === "string" && name !== "")) fail({ file: "arguments", field: "options.name", expected: "a non-empty string", found: numberFound(name) });
}

export function niivueOverlay(a: Pick<Analysis, "map" | "geometry" | "maxPossibleEntropy" | "kind" | "unit">, options: NiivueOverlayOptions = {}): NiivueVolumeOptions {
  if (a === null || typeof a !== "object") fail({ file: "arguments", field: "analysis", expected: "an Analysis (analyze's result)", found: describeValue(a) });
  checkOverlayOptions(options);
  const [lo, hi] = entropyDisplayRange(a.map, a.maxPossibleEntropy, options.calMin);
  const calMin = options.calMin ?? lo, calMax = options.calMax ?? hi;
  if (!(calMax > calMin)) fail({ file: "arguments", field: "options.calMax", expected: `a number above calMin (${calMin})`, found: String(calMax) });
  const nii = encodeNifti1Float32(a.map, a.geometry, { calMin, calMax, description: `segentropy ${a.kind} entropy (${a.unit})` });
  const name = options.name ?? "entropy.nii";
  return {
    url: name, name, buffer: nii.buffer.slice(nii.byteOffset, nii.byteOffset + nii.byteLength) as ArrayBuffer,
    colormap: options.colormap ?? "inferno", opacity: options.opacity ?? 0.7, cal_min: calMin, cal_max: calMax, trustCalMinMax: true,
  };
}
