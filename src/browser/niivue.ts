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
  const above: number[] = [];
  const step = Math.max(1, Math.floor(map.length / 1_000_000)); // a strided sample is plenty for a percentile
  for (let v = 0; v < map.length; v += step) { const h = map[v]!; if (h > calMin) above.push(h); }
  if (above.length === 0) return [calMin, maxPossible > calMin ? maxPossible : calMin + 1];
  above.sort((a, b) => a - b);
  const hi = above[Math.min(above.length - 1, Math.floor(0.995 * (above.length - 1)))]!;
  return [calMin, Math.min(maxPossible, Math.max(hi, 2 * calMin))];
}

export function niivueOverlay(a: Pick<Analysis, "map" | "geometry" | "maxPossibleEntropy" | "kind" | "unit">, options: NiivueOverlayOptions = {}): NiivueVolumeOptions {
  const [lo, hi] = entropyDisplayRange(a.map, a.maxPossibleEntropy, options.calMin);
  const calMin = options.calMin ?? lo, calMax = options.calMax ?? hi;
  const nii = encodeNifti1Float32(a.map, a.geometry, { calMin, calMax, description: `segentropy ${a.kind} entropy (${a.unit})` });
  const name = options.name ?? "entropy.nii";
  return {
    url: name, name, buffer: nii.buffer.slice(nii.byteOffset, nii.byteOffset + nii.byteLength) as ArrayBuffer,
    colormap: options.colormap ?? "inferno", opacity: options.opacity ?? 0.7, cal_min: calMin, cal_max: calMax, trustCalMinMax: true,
  };
}
