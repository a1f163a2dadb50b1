/**
 * A source with very many classes (breaker2 #9): 4e6..2e7 classes were refused with a
 * SegentropyError naming `classes`, but 1e9 classes slipped past the check (the arena layout was
 * aligned with 32-bit integer operators, which wrapped) and the kernel then tried a 16 GB typed
 * array: a raw RangeError. Every class count whose 4-voxel slab cannot fit the 64 MiB wasm
 * memory (C x 4 voxels x 4 bytes > 64 MiB from C = 2^22 on) is refused the same way, before the
 * source's fill is ever called.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { init, streamEntropy, SegentropyError } from "../src/index.js";
import type { SlabSource } from "../src/index.js";

const source = (classes: number, filled: { calls: number }): SlabSource => ({
  classes, voxels: 4, interleaved: false,
  fill() { filled.calls += 1; },
});

describe("streamEntropy with too many classes", () => {
  beforeAll(async () => { await init(); });

  for (const C of [4e6, 2e7, 1e9, 2 ** 32, 2 ** 40, 2 ** 50]) {
    it(`refuses ${C} classes with the classes SegentropyError, before any fill`, () => {
      const filled = { calls: 0 };
      let err: unknown;
      try { streamEntropy(source(C, filled), {}, () => {}); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(SegentropyError);
      const e = err as SegentropyError;
      expect(e.field).toBe("classes");
      expect(e.expected).toBe("few enough classes that a slab of 4 voxels fits the 64 MiB wasm memory");
      expect(e.found.startsWith(`${C} classes (`)).toBe(true);
      expect(filled.calls).toBe(0);
    });
  }

  it("refuses it interleaved and with labels too", () => {
    for (const interleaved of [false, true]) {
      let err: unknown;
      try { streamEntropy({ classes: 1e9, voxels: 8, interleaved, fill() {} }, { labels: true, kind: "logits" }, () => {}); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(SegentropyError);
      expect((err as SegentropyError).field).toBe("classes");
    }
  });
});
