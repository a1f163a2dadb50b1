/**
 * What follows the gzip data of a .gz. breaker2 #2: node:zlib ignored everything after a zero byte
 * (even a further member), Chromium's DecompressionStream refused anything after one member. Then
 * (301d2ee) every path refused non-zero bytes after the members, as Python's gzip.decompress does;
 * breaker3 #4: nibabel loads such a .nii.gz (it reads only the bytes the header describes), and
 * `gzip -dc` and zlib's gzread (ITK, FSL, AFNI) ignore trailing garbage. Policy now, on every
 * path: one or more complete members, each checked against its CRC-32 and size; after them, bytes
 * that start with 1f 8b are a member and must be complete and valid, any other bytes are ignored.
 *
 * The verdicts below are `gzip -dc`'s on the same bytes (GNU gzip 1.12; checked again here when
 * gzip is on the PATH): its output length, exit status 0 or 2 ("decompression OK, trailing garbage
 * ignored"), or "refused" where it exits 1 on a corrupt or truncated member. One exception, marked:
 * a single trailing byte that is not 1f 8b, where gzip -dc writes the data and then exits 1
 * ("unexpected end of file": it reads two bytes to look for a magic), but zlib's gzread, which only
 * looks for a member when two bytes remain, ignores it, as the rule above does.
 */
import { spawnSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { gunzipWithStreams, readBytes, SegentropyError } from "../src/index.js";
import { gunzipNode } from "../src/node/index.js";

const text = (s: string) => new TextEncoder().encode(s);
const cat = (...parts: Uint8Array[]) => { const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0)); let at = 0; for (const p of parts) { out.set(p, at); at += p.length; } return out; };
const first = new Uint8Array(gzipSync(text("hello world ".repeat(100))));
const second = new Uint8Array(gzipSync(text("second member")));
const zeros = (n: number) => new Uint8Array(n);
const both = 1200 + 13;
const badCrc = second.slice();
badCrc[badCrc.length - 8] ^= 1;

/** [name, bytes, gzip -dc's verdict: the inflated length, or "refused"; true where gzip -dc differs (see above)] */
const CASES: [string, Uint8Array, number | "refused", boolean?][] = [
  ["one member", first, 1200],
  ["two members (what a parallel or appending gzip writes)", cat(first, second), both],
  ["one zero byte after the member", cat(first, zeros(1)), 1200],
  ["190 zero bytes of padding", cat(first, zeros(190)), 1200],
  ["two members, then zero padding", cat(first, second, zeros(7)), both],
  ["zero padding, then another member (ignored with the padding)", cat(first, zeros(5), second), 1200],
  ["non-zero junk after the member", cat(first, Uint8Array.from({ length: 190 }, (_, i) => i + 1)), 1200],
  ["one non-zero byte after the member", cat(first, Uint8Array.of(1)), 1200, true],
  ["a lone 1f after the member", cat(first, Uint8Array.of(0x1f)), 1200, true],
  ["zero bytes, then junk", cat(first, zeros(3), text("x")), 1200],
  ["breaker2's file: a zero byte, then text (\\0garbage-after-gzip x 10)", cat(first, text("\0garbage-after-gzip".repeat(10))), 1200],
  ["breaker3's file: JUNKJUNK\\n", cat(first, text("JUNKJUNK\n")), 1200],
  ["breaker3's file: 512 bytes 0xff", cat(first, new Uint8Array(512).fill(0xff)), 1200],
  ["junk, then a member (ignored with the junk)", cat(first, text("JUNK"), second), 1200],
  ["a gzip magic followed by junk", cat(first, Uint8Array.of(0x1f, 0x8b, 8), text("junkjunk")), "refused"],
  ["a truncated second member", cat(first, second.subarray(0, 20)), "refused"],
  ["a second member with a wrong CRC-32", cat(first, badCrc), "refused"],
];

async function verdict(gunzip: typeof gunzipNode, bytes: Uint8Array, name: string): Promise<number | SegentropyError> {
  try {
    return (await gunzip(bytes, name)).length;
  } catch (err) {
    expect(err).toBeInstanceOf(SegentropyError);
    return err as SegentropyError;
  }
}

describe("data after the gzip stream reads the same on every path, as gzip -dc and zlib's gzread read it", () => {
  const gzip = spawnSync("gzip", ["--version"]).status === 0;
  it.runIf(gzip)("the verdicts are gzip -dc's", () => {
    for (const [name, bytes, expected, differs] of CASES) {
      const r = spawnSync("gzip", ["-dc"], { input: bytes });
      if (expected === "refused") { expect(r.status, name).toBe(1); continue; }
      expect(r.stdout.length, name).toBe(expected);
      if (differs) expect(r.stderr.toString(), name).toMatch(/unexpected end of file/);
      else expect([0, 2], name).toContain(r.status);
    }
  });

  for (const [label, gunzip] of [["node:zlib (gunzipNode)", gunzipNode], ["DecompressionStream (gunzipWithStreams)", gunzipWithStreams]] as const) {
    it(`${label}`, async () => {
      const messages = new Map<string, string>();
      for (const [name, bytes, expected] of CASES) {
        const got = await verdict(gunzip, bytes, "case.nii.gz");
        if (expected === "refused") {
          expect(got, name).toBeInstanceOf(SegentropyError);
          const e = got as SegentropyError;
          expect(e.message.split("\n"), name).toHaveLength(1);
          expect(e.file).toBe("case.nii.gz");
          expect(e.field).toBe("gzip stream");
          messages.set(name, e.message);
        } else {
          expect(got, name).toBe(expected);
        }
      }
      expect(messages.get("a truncated second member")).toMatch(/expected a complete gzip file, found a truncated one/);
      expect(messages.get("a gzip magic followed by junk")).toMatch(/expected a complete gzip file, found a (truncated|corrupt) one/);
      expect(messages.get("a second member with a wrong CRC-32")).toMatch(/expected a complete gzip file, found a corrupt one/);
    });
  }

  it("both paths give the same message for every refused file, and the inflated bytes match", async () => {
    for (const [name, bytes] of CASES) {
      const a = await gunzipNode(bytes, "f.gz").then((b) => Array.from(b), (e: Error) => e.message);
      const b = await gunzipWithStreams(bytes, "f.gz").then((b) => Array.from(b), (e: Error) => e.message);
      expect(b, name).toEqual(a);
    }
  });

  it("the gzip-bomb limit still holds with trailing bytes and a further member", async () => {
    for (const bytes of [cat(first, text("JUNK")), cat(first, second)]) {
      for (const gunzip of [gunzipNode, gunzipWithStreams]) {
        const err = await gunzip(bytes, "f.gz", 1000).catch((e: unknown) => e);
        expect((err as SegentropyError).expected).toMatch(/at most 1000 bytes once inflated/);
      }
    }
    expect((await gunzipNode(cat(first, second), "f.gz", 1205).catch((e: unknown) => e) as SegentropyError).expected).toMatch(/at most 1205 bytes/);
  });

  it("readBytes (the browser reader) reads breaker2's .nii.gz, its trailing text ignored", async () => {
    const got = await readBytes(cat(first, text("\0garbage-after-gzip".repeat(10))), { name: "garbage.nii.gz" });
    expect(new TextDecoder().decode(got)).toBe("hello world ".repeat(100));
  });
});
