/**
 * The browser helpers on hosts that lack what they need (breaker2 #3): a page without
 * cross-origin isolation has no SharedArrayBuffer, Node has no Worker and no document. Each must
 * fail with a SegentropyError naming the missing piece, not a bare ReferenceError.
 */
import { afterEach, describe, expect, it } from "vitest";
import { canShareMemory, createBrowserPool, downloadBlob, shareVolume, SegentropyError } from "../src/index.js";
import type { ProbVolume } from "../src/index.js";

const vol: ProbVolume = { name: "v", dims: [2, 1, 1], classes: 2, layout: "planar", dtype: "float32", data: new Float32Array([0.5, 1, 0.5, 0]) } as unknown as ProbVolume;

const savedSab = Object.getOwnPropertyDescriptor(globalThis, "SharedArrayBuffer")!;
const savedIsolated = Object.getOwnPropertyDescriptor(globalThis, "crossOriginIsolated");

afterEach(() => {
  Object.defineProperty(globalThis, "SharedArrayBuffer", savedSab);
  if (savedIsolated) Object.defineProperty(globalThis, "crossOriginIsolated", savedIsolated);
  else delete (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
});

function caught(fn: () => unknown): unknown {
  try { fn(); } catch (err) { return err; }
  return undefined;
}

describe("browser helpers where the host lacks what they need", () => {
  it("shareVolume without SharedArrayBuffer (a page without COOP/COEP) is a SegentropyError with the hint", () => {
    delete (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer;
    expect(typeof SharedArrayBuffer).toBe("undefined");
    expect(canShareMemory()).toBe(false);
    const err = caught(() => shareVolume(vol));
    expect(err).toBeInstanceOf(SegentropyError);
    const e = err as SegentropyError;
    expect(e.message.split("\n")).toHaveLength(1);
    expect(e.file).toBe("shareVolume");
    expect(e.field).toBe("SharedArrayBuffer");
    expect(e.expected).toMatch(/cross-origin-isolated/);
    expect(e.found).toMatch(/not defined/);
    expect(e.hint).toMatch(/Cross-Origin-Opener-Policy/);
    expect(e.hint).toMatch(/canShareMemory\(\)/);
    expect(e.hint).toMatch(/volume as it is/);
  });

  it("shareVolume on a page that has SharedArrayBuffer but is not cross-origin isolated is refused too", () => {
    Object.defineProperty(globalThis, "crossOriginIsolated", { value: false, configurable: true, writable: true });
    expect(canShareMemory()).toBe(false);
    const err = caught(() => shareVolume(vol)) as SegentropyError;
    expect(err).toBeInstanceOf(SegentropyError);
    expect(err.found).toMatch(/not cross-origin isolated/);
  });

  it("shareVolume where memory can be shared still copies the data into a SharedArrayBuffer", () => {
    const shared = shareVolume(vol);
    expect((shared.data as Float32Array).buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(shared.data as Float32Array)).toEqual([0.5, 1, 0.5, 0]);
    expect(caught(() => shareVolume(null as unknown as ProbVolume))).toBeInstanceOf(SegentropyError);
  });

  it("createBrowserPool without Web Workers (Node) is a SegentropyError, not 'Worker is not defined'", async () => {
    expect(typeof (globalThis as { Worker?: unknown }).Worker).toBe("undefined");
    const err = await createBrowserPool({ threads: 1 }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(SegentropyError);
    expect((err as SegentropyError).field).toBe("Worker");
    expect((err as SegentropyError).hint).toMatch(/createNodePool/);
  });

  it("downloadBlob without a document (Node) is a SegentropyError, not 'document is not defined'", () => {
    expect(typeof (globalThis as { document?: unknown }).document).toBe("undefined");
    const err = caught(() => downloadBlob(new Blob([new Uint8Array(1)]), "entropy.nii.gz")) as SegentropyError;
    expect(err).toBeInstanceOf(SegentropyError);
    expect(err.file).toBe("entropy.nii.gz");
    expect(err.field).toBe("document");
  });
});
