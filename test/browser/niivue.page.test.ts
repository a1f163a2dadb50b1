/**
 * The NiiVue example in headless Chromium (WebGL2 through SwiftShader): the T1 is loaded, our
 * entropy map is added as an overlay with the right dims and exactly our voxel values, inferno,
 * the adapter's cal_min/cal_max, and the opacity slider changes what is drawn.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createHash } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import type { Server } from "node:http";
import { init, analyze, readNiftiFile, readProbabilitiesFile, entropyDisplayRange } from "../../src/node/index.js";
import type { Analysis } from "../../src/node/index.js";
// @ts-expect-error plain .mjs script without types
import { buildWeb } from "../../scripts/build-web.mjs";
import { launch, serve, watchErrors } from "./helpers/chromium.js";

const SAMPLE = resolve("samples/nnunetv2_inia19_1mm");
let browser: Browser, server: Server, url: string, site: string, a: Analysis;

beforeAll(async () => {
  site = mkdtempSync(join(tmpdir(), "segentropy-niivue-"));
  await buildWeb(site);
  ({ server, url } = await serve(site));
  browser = await launch();
  await init();
  a = analyze(await readProbabilitiesFile(join(SAMPLE, "probabilities.npz")), { image: await readNiftiFile(join(SAMPLE, "image.nii.gz")) });
});
afterAll(async () => {
  await browser?.close();
  server?.close();
  if (site) rmSync(site, { recursive: true, force: true });
});

/** Pixels of the inferno overlay's warm range in a screenshot of the NiiVue canvas (grey T1 and the red crosshair excluded). */
async function warmPixels(page: Page): Promise<number> {
  const png = await page.locator("#gl").screenshot();
  return page.evaluate(async (b64) => {
    const img = await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
    const c = new OffscreenCanvas(img.width, img.height);
    const ctx = c.getContext("2d")!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, img.width, Math.floor(img.height * 0.6)).data; // above the colour bars
    let n = 0;
    for (let o = 0; o < d.length; o += 4) if (d[o]! > 120 && d[o + 1]! > 30 && d[o]! - d[o + 1]! > 40 && d[o + 2]! < d[o + 1]! + 20) n++;
    return n;
  }, png.toString("base64"));
}

describe("NiiVue example", () => {
  it("loads the T1 and adds the entropy map as an inferno overlay with our voxels", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    const errors = watchErrors(page);
    try {
      await page.goto(url + "niivue/");
      await page.waitForFunction(() => (window as unknown as Record<string, unknown>).__niivueReady || (window as unknown as Record<string, unknown>).__niivueError, undefined, { timeout: 60_000 });
      expect(await page.evaluate(() => (window as unknown as Record<string, unknown>).__niivueError)).toBeUndefined();
      const info = await page.evaluate(async () => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const nv = (window as any).__niivue.nv;
        const [t1, ov] = nv.volumes;
        const img = ov.img as Float32Array;
        const d = await crypto.subtle.digest("SHA-256", new Uint8Array(img.buffer, img.byteOffset, img.byteLength));
        return {
          count: nv.volumes.length, t1Dims: Array.from(t1.hdr.dims as number[]).slice(0, 4), t1Name: t1.name,
          dims: Array.from(ov.hdr.dims as number[]).slice(0, 4), type: img.constructor.name, length: img.length,
          sha256: [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join(""),
          colormap: ov.colormap, calMin: ov.cal_min, calMax: ov.cal_max, opacity: ov.opacity,
          affineT1: t1.matRAS ? Array.from(t1.matRAS as number[]) : null, affineOv: ov.matRAS ? Array.from(ov.matRAS as number[]) : null,
        };
      });
      expect(info.count).toBe(2);
      expect(info.t1Name).toContain("image.nii.gz");
      expect(info.t1Dims).toEqual([3, ...a.dims]);
      expect(info.dims).toEqual([3, ...a.dims]);
      expect(info.type).toBe("Float32Array");
      expect(info.length).toBe(a.map.length);
      expect(info.sha256).toBe(createHash("sha256").update(new Uint8Array(a.map.buffer, a.map.byteOffset, a.map.byteLength)).digest("hex"));
      expect(info.affineOv).not.toBeNull();
      expect(info.affineOv).toEqual(info.affineT1); // the overlay sits exactly on the T1
      expect(info.colormap).toBe("inferno");
      const [lo, hi] = entropyDisplayRange(a.map, a.maxPossibleEntropy);
      expect(info.calMin).toBeCloseTo(lo, 6);
      expect(info.calMax).toBeCloseTo(hi, 6);
      expect(info.calMin).toBeGreaterThan(0);
      expect(info.calMax).toBeGreaterThan(info.calMin);
      expect(info.calMax).toBeLessThanOrEqual(a.maxPossibleEntropy);
      expect(info.opacity).toBeCloseTo(0.7, 6);

      const shown = await warmPixels(page);
      await page.fill("#opacity", "0");
      expect(await page.evaluate(() => (window as any).__niivue.nv.volumes[1].opacity)).toBe(0); // eslint-disable-line @typescript-eslint/no-explicit-any
      await page.waitForTimeout(200);
      const hidden = await warmPixels(page);
      await page.fill("#opacity", "1");
      await page.waitForTimeout(200);
      const full = await warmPixels(page);
      expect(shown).toBeGreaterThan(500);
      expect(hidden).toBeLessThan(shown / 10);
      expect(full).toBeGreaterThanOrEqual(shown * 0.9);
      expect(errors).toEqual([]);
    } finally { await page.close(); }
  });
});
