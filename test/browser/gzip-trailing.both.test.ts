/**
 * Data after the gzip stream of a .nii.gz (breaker2 #2), in Chromium (project chromium) and in
 * Node (project node-core): Chromium's DecompressionStream refuses anything after one member, Node's
 * stops at a zero byte; both must read the file as Python's gzip does (test/gzip.trailing.test.ts
 * checks these verdicts against python3): members, then optional zero padding, nothing else.
 */
import { describe, expect, it } from "vitest";
import { gunzipWithStreams, gzipWithStreams, readBytes, SegentropyError } from "../../src/index.js";

const text = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: Uint8Array[]) => { const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0)); let at = 0; for (const p of parts) { out.set(p, at); at += p.length; } return out; };

describe("data after the gzip stream", () => {
  it("members and zero padding are read, other data is refused with the same message as in Node", async () => {
    const firstText = "hello world ".repeat(100), secondText = "second member";
    const first = await gzipWithStreams(text(firstText));
    const second = await gzipWithStreams(text(secondText));
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    // Python's gzip.decompress: the members' data, concatenated
    expect(decode(await gunzipWithStreams(first, "a.gz"))).toBe(firstText);
    expect(decode(await gunzipWithStreams(cat(first, second), "a.gz"))).toBe(firstText + secondText);
    expect(decode(await gunzipWithStreams(cat(first, new Uint8Array(190)), "a.gz"))).toBe(firstText);
    expect(decode(await gunzipWithStreams(cat(first, second, new Uint8Array(7)), "a.gz"))).toBe(firstText + secondText);
    expect(decode(await gunzipWithStreams(cat(first, new Uint8Array(5), second), "a.gz"))).toBe(firstText + secondText);
    // Python: BadGzipFile (Not a gzipped file)
    const junk = text("\0garbage-after-gzip".repeat(10));
    const err = await readBytes(cat(first, junk), { name: "garbage.nii.gz" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SegentropyError);
    expect((err as Error).message).toBe(`garbage.nii.gz: gzip stream: expected gzip members, optionally followed by zero bytes, found 190 bytes of other data after the gzip data (from byte ${first.length} of ${first.length + 190})`);
    for (const tail of [Uint8Array.of(1), cat(new Uint8Array(3), text("x")), cat(Uint8Array.of(0x1f, 0x8b, 8), text("junkjunk")), second.subarray(0, 20)]) {
      expect(await gunzipWithStreams(cat(first, tail), "a.gz").catch((e: unknown) => e)).toBeInstanceOf(SegentropyError);
    }
  });
});
