/**
 * Data after the gzip stream of a .nii.gz, in Chromium (project chromium) and in Node (project
 * node-core): Chromium's DecompressionStream refuses anything after one member, Node's stops at a
 * zero byte; both must read a file as `gzip -dc` and zlib's gzread (ITK, FSL, AFNI) do, and so as
 * nibabel loads a .nii.gz (breaker3 #4): the members' data, each member checked; bytes after the
 * members that do not start with 1f 8b ignored ("decompression OK, trailing garbage ignored");
 * a further member (1f 8b) that is corrupt or truncated refused (gzip -dc exits 1).
 * test/gzip.trailing.test.ts checks these verdicts against gzip -dc.
 */
import { describe, expect, it } from "vitest";
import { gunzipWithStreams, gzipWithStreams, readBytes, SegentropyError } from "../../src/index.js";

const text = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: Uint8Array[]) => { const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0)); let at = 0; for (const p of parts) { out.set(p, at); at += p.length; } return out; };

describe("data after the gzip stream", () => {
  it("members are read, other trailing bytes ignored, a corrupt further member refused, as gzip -dc does", async () => {
    const firstText = "hello world ".repeat(100), secondText = "second member";
    const first = await gzipWithStreams(text(firstText));
    const second = await gzipWithStreams(text(secondText));
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    // gzip -dc: the members' data, concatenated (exit 0)
    expect(decode(await gunzipWithStreams(first, "a.gz"))).toBe(firstText);
    expect(decode(await gunzipWithStreams(cat(first, second), "a.gz"))).toBe(firstText + secondText);
    expect(decode(await gunzipWithStreams(cat(first, new Uint8Array(190)), "a.gz"))).toBe(firstText);
    expect(decode(await gunzipWithStreams(cat(first, second, new Uint8Array(7)), "a.gz"))).toBe(firstText + secondText);
    // gzip -dc: "decompression OK, trailing garbage ignored" (exit 2): the first member's data only
    expect(decode(await gunzipWithStreams(cat(first, new Uint8Array(5), second), "a.gz"))).toBe(firstText);
    const junk = text("\0garbage-after-gzip".repeat(10));
    expect(decode(await readBytes(cat(first, junk), { name: "garbage.nii.gz" }))).toBe(firstText);
    for (const tail of [text("JUNKJUNK\n"), new Uint8Array(512).fill(0xff), cat(new Uint8Array(3), text("x")), cat(text("JUNK"), second)]) {
      expect(decode(await gunzipWithStreams(cat(first, tail), "a.gz"))).toBe(firstText);
    }
    // gzip -dc exits 1: a further member that is truncated or not a member after its magic
    for (const tail of [cat(Uint8Array.of(0x1f, 0x8b, 8), text("junkjunk")), second.subarray(0, 20)]) {
      const err = await gunzipWithStreams(cat(first, tail), "a.gz").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SegentropyError);
      expect((err as Error).message).toMatch(/^a\.gz: gzip stream: expected a complete gzip file, found a (truncated|corrupt) one/);
    }
  });
});
