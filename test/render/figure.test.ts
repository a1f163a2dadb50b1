import { describe, expect, it } from "vitest";
import { montage, percentileWindow, threePanelFigure } from "../../src/render/figure.js";
import { profilePlot } from "../../src/render/plot.js";
import { colorBar, newImage, type RGBAImage } from "../../src/render/image.js";
import { labelColor } from "../../src/render/colormap.js";

const px = (img: RGBAImage, x: number, y: number): number[] => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
const W = 20, H = 16, S = 3, PAD = 6, PANEL_Y = 32; // figure layout: pad 6; title and caption lines above the panels
const slice = (f: (x: number, y: number) => number) => {
  const data = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = f(x, y);
  return { width: W, height: H, data };
};
const emax = Math.log(4);
const entropy = slice((x, y) => (x === 5 && y === 7 ? emax : 0.1 * emax));
const image = slice((x) => x * 10);
const labels = slice((x) => (x >= 10 ? 2 : 0));

describe("threePanelFigure", () => {
  const fig = threePanelFigure({ image, labels, entropy, entropyMax: emax, unitLabel: "nats", title: "axial k=42  (most uncertain)", scale: S });
  const panelX = (n: number): number => PAD + n * (W * S + PAD);

  it("is three scaled panels plus the colour bar wide, title + captions + panel tall", () => {
    const bar = colorBar("inferno", 0, emax, { height: H * S, label: "nats" });
    expect(fig.width).toBe(PAD + 3 * W * S + 3 * PAD + bar.width + PAD);
    expect(fig.height).toBeGreaterThanOrEqual(PANEL_Y + H * S + PAD);
    expect(fig.data.length).toBe(fig.width * fig.height * 4);
  });
  it("paints the max-entropy voxel with inferno's top colour in the entropy panel", () => {
    for (const [dx, dy] of [[0, 0], [S - 1, S - 1]]) {
      expect(px(fig, panelX(2) + 5 * S + dx!, PANEL_Y + 7 * S + dy!)).toEqual([252, 255, 164, 255]);
    }
    expect(px(fig, panelX(2) + 4 * S, PANEL_Y + 7 * S)).not.toEqual([252, 255, 164, 255]);
  });
  it("shows the windowed input in grey and labels over the dimmed input", () => {
    const [lo, hi] = percentileWindow(image.data);
    expect(px(fig, panelX(0), PANEL_Y)).toEqual([0, 0, 0, 255]); // value 0 < 1st percentile
    expect(px(fig, panelX(0) + W * S - 1, PANEL_Y)).toEqual([255, 255, 255, 255]);
    expect(hi).toBeGreaterThan(lo);
    const seg = px(fig, panelX(1) + 15 * S, PANEL_Y + S);
    const grey = px(fig, panelX(0) + 15 * S, PANEL_Y + S)[0]! * 0.5;
    const c = labelColor(2);
    [0, 1, 2].forEach((k) => expect(Math.abs(seg[k]! - (0.5 * grey + 0.5 * c[k]!))).toBeLessThanOrEqual(1));
    expect(px(fig, panelX(1), PANEL_Y)[0]).toBe(0); // background keeps the dimmed (black) input
  });
  it("shows placeholders, not a grey copy of the entropy, without image and labels", () => {
    const f = threePanelFigure({ entropy, entropyMax: emax, unitLabel: "bits", title: "t", scale: S });
    for (const panel of [0, 1]) {
      let text = 0, other = 0;
      for (let y = PANEL_Y; y < PANEL_Y + H * S; y++) {
        for (let x = panelX(panel); x < panelX(panel) + W * S; x++) {
          const [r] = px(f, x, y);
          if (r === 230) text++; else if (r !== 24) other++;
        }
      }
      expect(text, `panel ${panel}: placeholder text`).toBeGreaterThan(20); // "no image", "no segmentation"
      expect(other, `panel ${panel}: nothing but background and text`).toBe(0);
    }
  });
  it("rejects slices of different sizes", () => {
    expect(() => threePanelFigure({ entropy, labels: { width: 1, height: 1, data: new Float32Array(1) }, entropyMax: 1, unitLabel: "", title: "" })).toThrow(RangeError);
  });
});

describe("percentileWindow", () => {
  it("matches numpy's linear percentiles and skips NaN", () => {
    const v = [Number.NaN, ...Array.from({ length: 101 }, (_, i) => i)];
    expect(percentileWindow(v)).toEqual([1, 99]);
    expect(percentileWindow([5, 5, 5])).toEqual([5, 5]);
    expect(percentileWindow([])).toEqual([0, 1]);
  });
});

describe("montage", () => {
  it("lays tiles out in rows, centred in equal cells", () => {
    const tiles = [newImage(4, 2, [255, 0, 0, 255]), newImage(2, 2, [0, 255, 0, 255]), newImage(4, 4, [0, 0, 255, 255])];
    const m = montage(tiles, 2, 1, [0, 0, 0, 255]);
    expect([m.width, m.height]).toEqual([4 + 1 + 4, 4 + 1 + 4]);
    expect(px(m, 0, 1)).toEqual([255, 0, 0, 255]);
    expect(px(m, 5, 1)).toEqual([0, 0, 0, 255]); // green tile is centred: columns 6..7
    expect(px(m, 6, 1)).toEqual([0, 255, 0, 255]);
    expect(px(m, 0, 5)).toEqual([0, 0, 255, 255]);
    expect(px(m, 8, 8)).toEqual([0, 0, 0, 255]);
  });
});

describe("profilePlot", () => {
  it("draws taller bars for larger values and marks the highlight", () => {
    const p = profilePlot([1, 4, 2, 0], { width: 44, height: 60, highlight: 1, label: "entropy/slice" });
    expect([p.width, p.height]).toEqual([44, 60]);
    const barTop = (x: number): number => { for (let y = 12; y < 58; y++) if (px(p, x, y)[3] && px(p, x, y).join() !== "0,0,0,255" && px(p, x, y).join() !== "127,80,0,255") return y; return 58; };
    const cx = (i: number): number => 2 + i * 10 + 5;
    expect(barTop(cx(1))).toBeLessThan(barTop(cx(2)));
    expect(barTop(cx(2))).toBeLessThan(barTop(cx(0)));
    expect(barTop(cx(3))).toBe(58);
    expect(px(p, cx(1), 57)).toEqual([255, 160, 0, 255]);
    expect(px(p, cx(0), 57)).toEqual([90, 150, 255, 255]);
  });
});
