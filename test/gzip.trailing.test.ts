/**
 * What follows the gzip data of a .gz (breaker2 #2): node:zlib ignored everything after a zero
 * byte, DecompressionStream in Chromium refused anything after the first member, even a second
 * member. Every path now reads a file as Python's gzip module (and so nibabel) does: one or more
 * members, optionally followed by zero bytes (a member may follow the padding), and anything else
 * refused. The verdicts below are Python 3.11's `gzip.decompress` on the same bytes (checked
 * again here when python3 is on the PATH), not this code's.
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

/** [name, bytes, Python's verdict: the inflated length, or "refused"] */
const CASES: [string, Uint8Array, number | "refused"][] = [
  ["one member", first, 1200],
  ["two members (what a parallel or appending gzip writes)", cat(first, second), both],
  ["one zero byte after the member", cat(first, zeros(1)), 1200],
  ["190 zero bytes of padding", cat(first, zeros(190)), 1200],
  ["two members, then zero padding", cat(first, second, zeros(7)), both],
  ["zero padding, then another member", cat(first, zeros(5), second), both],
  ["non-zero junk after the member", cat(first, Uint8Array.from({ length: 190 }, (_, i) => i + 1)), "refused"],
  ["one non-zero byte after the member", cat(first, Uint8Array.of(1)), "refused"],
  ["zero bytes, then junk", cat(first, zeros(3), text("x")), "refused"],
  ["breaker2's file: a zero byte, then text (\\0garbage-after-gzip x 10)", cat(first, text("\0garbage-after-gzip".repeat(10))), "refused"],
  ["a gzip magic followed by junk", cat(first, Uint8Array.of(0x1f, 0x8b, 8), text("junkjunk")), "refused"],
  ["a truncated second member", cat(first, second.subarray(0, 20)), "refused"],
];

const PYTHON = `
import gzip, sys
try: print(len(gzip.decompress(sys.stdin.buffer.read())))
except Exception: print("refused")`;

async function verdict(gunzip: typeof gunzipNode, bytes: Uint8Array, name: string): Promise<number | SegentropyError> {
  try {
    return (await gunzip(bytes, name)).length;
  } catch (err) {
    expect(err).toBeInstanceOf(SegentropyError);
    return err as SegentropyError;
  }
}

describe("data after the gzip stream reads the same on every path, as Python's gzip reads it", () => {
  const python = spawnSync("python3", ["-c", "print(1)"]).status === 0;
  it.runIf(python)("the verdicts are Python's", () => {
    for (const [name, bytes, expected] of CASES) {
      const r = spawnSync("python3", ["-c", PYTHON], { input: bytes });
      expect(r.stdout.toString().trim(), name).toBe(String(expected));
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
      const junk = messages.get("non-zero junk after the member")!;
      expect(junk).toBe(`case.nii.gz: gzip stream: expected gzip members, optionally followed by zero bytes, found 190 bytes of other data after the gzip data (from byte ${first.length} of ${first.length + 190})`);
      expect(messages.get("breaker2's file: a zero byte, then text (\\0garbage-after-gzip x 10)")).toMatch(new RegExp(`found 190 bytes of other data after the gzip data \\(from byte ${first.length} of`));
      expect(messages.get("a truncated second member")).toMatch(/expected a complete gzip file, found a truncated one/);
    });
  }

  it("both paths give the same message for every refused file, and the inflated bytes match", async () => {
    for (const [name, bytes] of CASES) {
      const a = await gunzipNode(bytes, "f.gz").then((b) => Array.from(b), (e: Error) => e.message);
      const b = await gunzipWithStreams(bytes, "f.gz").then((b) => Array.from(b), (e: Error) => e.message);
      expect(b, name).toEqual(a);
    }
  });

  it("readBytes (the browser reader) refuses the breaker's .nii.gz naming the file", async () => {
    const err = await readBytes(cat(first, text("\0garbage-after-gzip".repeat(10))), { name: "garbage.nii.gz" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SegentropyError);
    expect((err as Error).message).toMatch(/^garbage\.nii\.gz: gzip stream: expected gzip members, optionally followed by zero bytes, found 190 bytes of other data/);
  });
});
