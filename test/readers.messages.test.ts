/**
 * What the readers say about broken headers (found by a fresh-user pass): .npy header messages that
 * say what was found, and byte counts as exact integers (not 1.2676506002282294e+30).
 */
import { describe, expect, it } from "vitest";
import { parseNpy } from "../src/node/index.js";

function message(f: () => unknown): string {
  try { f(); } catch (e) { return (e as Error).message; }
  return "no error";
}

/** An .npy v1.0 file with this header text (padded as numpy pads it) followed by `data` bytes. */
function npyWith(header: string, data = 24): Uint8Array {
  const pad = 64 - ((10 + header.length + 1) % 64);
  const head = new TextEncoder().encode(header + " ".repeat(pad) + "\n");
  const out = new Uint8Array(10 + head.length + data);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, head.length & 255, head.length >> 8]);
  out.set(head, 10);
  return out;
}

describe(".npy header messages", () => {
  it("a truncated header names the length its field gives and what the file holds", () => {
    const npy = npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    const headerLen = npy[8]! | (npy[9]! << 8);
    expect(message(() => parseNpy(npy.slice(0, 40), "cut.npy")))
      .toBe(`cut.npy: header: expected ${headerLen} bytes of header (its length field), found only 30 bytes (the file is truncated)`);
  });

  it("an unparsable field is quoted as found", () => {
    const cases: [string, string][] = [
      ["{'descr': <f4 !!!, 'fortran_order': False, 'shape': (2, 3), }", `descr: expected a simple dtype such as '<f4', found "<f4 !!!"`],
      ["{'descr': '<f4', 'fortran_order': 'no', 'shape': (2, 3), }", `fortran_order: expected True or False, found "'no'"`],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3], }", `shape: expected a tuple of integers, found "[2, 3]"`],
      ["{'descr': '<f4', 'shape': (2, 3), }", `fortran_order: expected True or False, found no 'fortran_order' key in the header "{'descr': '<f4', 'shape': (2, 3), }"`],
      ["{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (3,), }", `descr: expected a simple dtype such as '<f4', found a structured dtype, "[('a', '<f4'), ('b', '<f4')]"`],
    ];
    for (const [header, want] of cases) expect(message(() => parseNpy(npyWith(header), "h.npy")), header).toBe(`h.npy: ${want}`);
  });

  it("byte counts of huge shapes are exact integers, the shape as written", () => {
    const cases: [string, bigint][] = [["2, 1152921504606846976", 2n * 1152921504606846976n * 4n], ["2, 1267650600228229401496703205376", 2n * 2n ** 100n * 4n], ["2, 1000000000000, 1000000000000, 1000000", 8n * 10n ** 30n]];
    for (const [shape, bytes] of cases) {
      expect(message(() => parseNpy(npyWith(`{'descr': '<f4', 'fortran_order': False, 'shape': (${shape}), }`), "huge.npy")), shape)
        .toBe(`huge.npy: data: expected ${bytes} bytes for shape (${shape}) of <f4, found 24 bytes (truncated)`);
    }
  });
});
