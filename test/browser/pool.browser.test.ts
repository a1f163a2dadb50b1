/**
 * The worker pool on Web Workers in real Chromium: the embedded worker script starts from a blob:
 * URL, and both modes (shared memory on this cross-origin-isolated page, transferred slabs) give
 * maps, labels and statistics bit-identical to the single-thread kernel.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init, computeEntropySync, createBrowserPool, canShareMemory, shareVolume, SegentropyError } from "../../src/index.js";
import type { EntropyPool, EntropyResult } from "../../src/index.js";
import { interleavedF32, planarF32, syntheticRows } from "../helpers/synthetic.js";

let pool: EntropyPool;
beforeAll(async () => { await init(); pool = await createBrowserPool({ threads: 2, batchBytes: 128 * 1024 }); });
afterAll(() => pool?.close());

function expectIdentical(a: EntropyResult, b: EntropyResult): void {
  expect(b.map.length).toBe(a.map.length);
  let diff = -1;
  for (let v = 0; v < a.map.length; v++) if (!Object.is(a.map[v], b.map[v])) { diff = v; break; }
  expect(diff).toBe(-1);
  if (a.labels) expect(Array.from(b.labels!)).toEqual(Array.from(a.labels));
  expect(b.stats).toEqual(a.stats);
}

describe("Web Worker pool (Chromium)", () => {
  const rows = syntheticRows(8, 50_001, 21);
  it("this test page is cross-origin isolated, so memory can be shared", () => {
    expect(canShareMemory()).toBe(true);
  });
  it("transferred slabs: planar and interleaved, with labels", async () => {
    for (const vol of [planarF32(rows), interleavedF32(rows)]) {
      expectIdentical(computeEntropySync(vol, { labels: true }), await pool.computeEntropy(vol, { labels: true }));
    }
  });
  it("shared memory: the workers read the volume in place", async () => {
    const vol = shareVolume(planarF32(rows));
    expect((vol.data as Float32Array).buffer).toBeInstanceOf(SharedArrayBuffer);
    const got = await pool.computeEntropy(vol, { labels: true });
    expect(got.map.buffer).toBeInstanceOf(SharedArrayBuffer);
    expectIdentical(computeEntropySync(vol, { labels: true }), got);
  });

  it("shared memory: out and labelsOut are checked as on one thread, and plain ones are filled", async () => {
    const vol = shareVolume(planarF32(rows));
    const n = rows.length;
    await expect(pool.computeEntropy(vol, { out: new Int32Array(new SharedArrayBuffer(n * 4)) as unknown as Float32Array }))
      .rejects.toThrow("options: out: expected a Float32Array, found a Int32Array");
    const out = new Float32Array(n);
    const labelsOut = new Int32Array(n);
    const got = await pool.computeEntropy(vol, { labels: true, out, labelsOut });
    expect(got.map.buffer).toBe(out.buffer);
    expect(got.labels!.buffer).toBe(labelsOut.buffer);
    expectIdentical(computeEntropySync(vol, { labels: true }), got);
  });
  // Worker.terminate() fires no event in browsers: close() itself must settle what is open
  for (const shared of [false, true]) {
    it(`close() during a computation rejects it at once (${shared ? "shared memory" : "transferred slabs"})`, async () => {
      const p = await createBrowserPool({ threads: 2, batchBytes: 128 * 1024 });
      const big = planarF32(syntheticRows(8, 400_000, 22));
      const run = p.computeEntropy(shared ? shareVolume(big) : big);
      p.close();
      const settled = await Promise.race([
        run.then(() => "resolved", (e: unknown) => e),
        new Promise((r) => setTimeout(() => r("still pending after 3 s"), 3000)),
      ]);
      expect(settled).toBeInstanceOf(SegentropyError);
      expect(settled).toMatchObject({ field: "pool", expected: "an open pool", found: "closed during the computation" });
      await expect(p.computeEntropy(planarF32(syntheticRows(2, 10, 1)))).rejects.toMatchObject({ field: "pool", found: "a closed pool" });
    });
  }
});
