/**
 * Colour lookup tables (256 x RGB, 768 bytes) for scalar maps, and a deterministic label palette.
 *
 * inferno and viridis are rebuilt from 33 anchors of the published 256-entry tables (van der Walt &
 * Smith, as shipped by matplotlib; CC0): entries 0, 8, 16, ..., 248 and 255, joined linearly. That keeps
 * the source small while staying within 2/255 of every entry of the full table, and hits the
 * endpoints exactly (inferno 0 = (0,0,4), 1 = (252,255,164); viridis 0 = (68,1,84), 1 = (253,231,37)).
 */

export type ColormapName = "inferno" | "viridis" | "gray";
export const COLORMAP_NAMES: readonly ColormapName[] = ["inferno", "viridis", "gray"];

// 33 RRGGBB anchors each, at table indices 0, 8, ..., 248, 255.
const INFERNO_ANCHORS =
  "0000040403120b0724150b37210c4a2f0a5b3d09654a0c6b57106e64156e71196e7d1e6d8a226a972766a32c61b0315b" +
  "bc3754c73e4cd24644db503be45a31eb6628f1731df68013f98e09fb9d07fcac11fbbc21f9cb35f5db4cf2ea69f3f68afcffa4";
const VIRIDIS_ANCHORS =
  "440154470d6048186a482374472d7b4537814240863e49893b528b375b8d33638d2f6b8e2c728e297a8e26828e23898e" +
  "21918c1f988b1fa08822a78528ae8032b67a3fbc734ec36b5ec96270cf5784d44b98d83eaddc30c2df23d8e219ece51bfde725";

function fromAnchors(hex: string): Uint8Array {
  const n = hex.length / 6;
  const at = (k: number): number => Math.min(255, k * 8); // anchor k sits at table index 8k (last one at 255)
  const rgb = (k: number, c: number): number => parseInt(hex.slice(k * 6 + c * 2, k * 6 + c * 2 + 2), 16);
  const lut = new Uint8Array(256 * 3);
  let k = 0;
  for (let i = 0; i < 256; i++) {
    while (k < n - 2 && at(k + 1) <= i) k++;
    const f = (i - at(k)) / (at(k + 1) - at(k));
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(rgb(k, c) + f * (rgb(k + 1, c) - rgb(k, c)));
  }
  return lut;
}

function grayRamp(): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.fill(i, i * 3, i * 3 + 3);
  return lut;
}

/** Shared tables: treat as read-only (typed arrays cannot be frozen). */
export const inferno: Uint8Array = fromAnchors(INFERNO_ANCHORS);
export const viridis: Uint8Array = fromAnchors(VIRIDIS_ANCHORS);
export const gray: Uint8Array = grayRamp();

/** The shared 256*3 table for a colormap name (read-only). Throws on an unknown name (e.g. from CLI input). */
export function colormapLUT(name: ColormapName): Uint8Array {
  switch (name) {
    case "inferno": return inferno;
    case "viridis": return viridis;
    case "gray": return gray;
    default: throw new RangeError(`unknown colormap "${String(name)}"; expected one of ${COLORMAP_NAMES.join(", ")}`);
  }
}

/** Table index for t in [0, 1], binned as matplotlib does (floor(t*256), clipped), so t = 1 is the top colour. */
export function lutIndex(t: number): number {
  if (!(t > 0)) return 0; // also catches NaN; callers handle NaN colour themselves
  return Math.min(255, Math.floor(t * 256));
}

// Hand-picked saturated, mutually distinct colours for the common small label sets (1..12).
const PALETTE: ReadonlyArray<readonly [number, number, number]> = [
  [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48], [145, 30, 180],
  [70, 240, 240], [240, 50, 230], [210, 245, 60], [255, 0, 128], [0, 128, 128], [170, 110, 40],
];

/**
 * RGB for an integer label. 0 is background (black; labelsToRGBA makes it transparent, as it does
 * negative labels such as the -1 of NaN voxels).
 * 1..12 use a fixed palette; larger (or negative) labels step the hue by the golden angle, which
 * keeps neighbouring label numbers far apart in hue, with value varied so repeats stay distinguishable.
 * Non-integers are rounded; NaN counts as background.
 */
export function labelColor(label: number): [number, number, number] {
  const l = Math.round(label);
  if (!Number.isFinite(l) || l === 0) return [0, 0, 0];
  const p = PALETTE[l - 1];
  if (p !== undefined) return [p[0], p[1], p[2]];
  const hue = (((l * 0.618033988749895) % 1) + 1) % 1;
  const value = [1, 0.8, 0.65][((Math.abs(l) % 3) + 3) % 3]!;
  return hsvToRgb(hue, 0.85, value);
}

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
  const [r, g, b] = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][i % 6]!;
  return [Math.round(r! * 255), Math.round(g! * 255), Math.round(b! * 255)];
}
