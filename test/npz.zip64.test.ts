/**
 * zip64 fields in .npz files. numpy writes members with force_zip64=True; once a member passes
 * 2^31-1 bytes, Python's zipfile puts 0xFFFFFFFF for its sizes (and for the local header offset past
 * 2^31-1) in the central directory with the real values in a zip64 extra field (id 0x0001), but no
 * zip64 end-of-central-directory record unless the archive itself is that large. Such files (and
 * the other zip64 layouts) read byte-identically through every inflater; malformed zip64 fields
 * give a SegentropyError; damaged archives never give anything else.
 */
import { describe, expect, it } from "vitest";
import { constants as bufferConstants } from "node:buffer";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { crc32, deflateRawSync } from "node:zlib";
import {
  canInflateRawWithStreams, encodeNpyFloat32, inflateRawNode, inflateRawWithFflate, inflateRawWithStreams, isSegentropyError,
  npzKeys, parseNpy, readNpz, readNpzAsync, SegentropyError,
} from "../src/node/index.js";
import type { InflateRaw, NpzMember } from "../src/node/index.js";
import { readZipDirectory } from "../src/read/zip.js";
import { tempDir } from "./helpers/cli.js";
import { rng } from "./helpers/synthetic.js";

const INFLATERS: [string, InflateRaw | undefined][] = [
  ["readNpz (fflate, sync)", undefined],
  ["fflate", inflateRawWithFflate],
  ["node:zlib", inflateRawNode],
  ...(canInflateRawWithStreams() ? [["DecompressionStream", inflateRawWithStreams] as [string, InflateRaw]] : []),
];

function read(bytes: Uint8Array, name: string, inflateRaw: InflateRaw | undefined, key?: string, maxBytes?: number): Promise<NpzMember> {
  return inflateRaw ? readNpzAsync(bytes, name, { key, inflateRaw, maxBytes }) : Promise.resolve().then(() => readNpz(bytes, name, key, maxBytes));
}

function bytesOf(m: NpzMember): Buffer {
  const d = m.array.data;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

async function rejection(p: Promise<unknown>): Promise<SegentropyError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(isSegentropyError(err), `expected a SegentropyError, got ${String(err)}`).toBe(true);
  return err as SegentropyError;
}

const SENTINEL = 0xffffffff;

interface Member {
  name: string;
  method: number;
  /** The member's bytes as stored (deflated for method 8). */
  stored: Uint8Array;
  /** Declared uncompressed size (a number: may be past 4 GiB). */
  size: number;
  /** Declared compressed size (default: stored.length). */
  storedSize?: number;
  crc?: number;
  /** Sizes in a data descriptor after the data (flag bit 3), zeros in the local header. */
  descriptor?: boolean;
  /** Local header as numpy's (force_zip64): sizes 0xFFFFFFFF, a zip64 extra field with (uncompressed, compressed). */
  localZip64?: boolean;
  /** Local zip64 extra field's values instead of the real sizes. */
  localZip64Values?: [number, number];
  /** Central directory fields written as 0xFFFFFFFF, with their values in a zip64 extra field. */
  centralZip64?: ("sizes" | "offset")[];
  /** Replaces the central zip64 extra field's data (malformed cases); null: no zip64 field. */
  centralZip64Data?: Uint8Array | null;
  /** Declared local header offset (default: the real one). */
  offset?: number;
  /** Extra fields put before the zip64 one in the central directory. */
  centralExtraBefore?: Uint8Array;
  /** Bytes between the previous member and this one's local header. */
  gap?: number;
}

interface Layout {
  /** A zip64 end-of-central-directory record and locator; the end record holds 0xFFFF/0xFFFFFFFF. */
  zip64End?: boolean;
  /** Where the locator says the zip64 end record is (default: where it is). */
  zip64EndAt?: number;
  /** The end record's entry counts 0xFFFF (without a zip64 record: unknown). */
  countSentinel?: boolean;
  /** End record's directory size and offset 0xFFFFFFFF (without a zip64 record: unresolvable). */
  dirSentinel?: boolean;
  comment?: string;
}

function u64(v: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  return b;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function extraField(id: number, data: Uint8Array): Uint8Array {
  const h = new DataView(new ArrayBuffer(4));
  h.setUint16(0, id, true); h.setUint16(2, data.length, true);
  return concat([new Uint8Array(h.buffer), data]);
}

/** A zip written by hand with the byte layout of Python's zipfile (version 45 when zip64, made by Unix). */
function buildZip(members: Member[], layout: Layout = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let off = 0;
  const push = (p: Uint8Array) => { parts.push(p); off += p.length; };
  for (const m of members) {
    if (m.gap) push(new Uint8Array(m.gap).fill(0xaa));
    const name = new TextEncoder().encode(m.name);
    const crc = m.crc ?? 0;
    const storedSize = m.storedSize ?? m.stored.length;
    const flags = (m.descriptor ? 8 : 0) | 0x800;
    const localValues = m.localZip64Values ?? [m.size, storedSize];
    const localExtra = m.localZip64 ? extraField(1, concat([u64(localValues[0]), u64(localValues[1])])) : new Uint8Array(0);
    const zip64 = m.localZip64 || m.centralZip64?.length;
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true); local.setUint16(4, zip64 ? 45 : 20, true); local.setUint16(6, flags, true); local.setUint16(8, m.method, true);
    local.setUint16(12, 0x21, true);
    if (!m.descriptor) {
      local.setUint32(14, crc, true);
      local.setUint32(18, m.localZip64 ? SENTINEL : storedSize, true);
      local.setUint32(22, m.localZip64 ? SENTINEL : m.size, true);
    }
    local.setUint16(26, name.length, true); local.setUint16(28, localExtra.length, true);
    const at = off;
    push(new Uint8Array(local.buffer)); push(name); push(localExtra); push(m.stored);
    if (m.descriptor) {
      const dd = new DataView(new ArrayBuffer(16));
      dd.setUint32(0, 0x08074b50, true); dd.setUint32(4, crc, true); dd.setUint32(8, storedSize, true); dd.setUint32(12, m.size, true);
      push(new Uint8Array(dd.buffer));
    }
    const sizes64 = m.centralZip64?.includes("sizes") ?? false;
    const offset64 = m.centralZip64?.includes("offset") ?? false;
    const offset = m.offset ?? at;
    const zip64Values = [...(sizes64 ? [u64(m.size), u64(storedSize)] : []), ...(offset64 ? [u64(offset)] : [])];
    const extra = concat([
      m.centralExtraBefore ?? new Uint8Array(0),
      ...(m.centralZip64Data === null ? [] : m.centralZip64Data ? [extraField(1, m.centralZip64Data)] : zip64Values.length ? [extraField(1, concat(zip64Values))] : []),
    ]);
    const c = new DataView(new ArrayBuffer(46));
    c.setUint32(0, 0x02014b50, true); c.setUint16(4, 0x032d, true); c.setUint16(6, zip64 ? 45 : 20, true); c.setUint16(8, flags, true); c.setUint16(10, m.method, true);
    c.setUint16(14, 0x21, true); c.setUint32(16, crc, true);
    c.setUint32(20, sizes64 ? SENTINEL : storedSize, true); c.setUint32(24, sizes64 ? SENTINEL : m.size, true);
    c.setUint16(28, name.length, true); c.setUint16(30, extra.length, true);
    c.setUint32(38, 0o600 << 16, true); c.setUint32(42, offset64 ? SENTINEL : offset, true);
    central.push(new Uint8Array(c.buffer), name, extra);
  }
  const dirStart = off;
  for (const p of central) push(p);
  const dirSize = off - dirStart;
  if (layout.zip64End) {
    const z = new DataView(new ArrayBuffer(56));
    z.setUint32(0, 0x06064b50, true); z.setBigUint64(4, 44n, true); z.setUint16(12, 45, true); z.setUint16(14, 45, true);
    z.setBigUint64(24, BigInt(members.length), true); z.setBigUint64(32, BigInt(members.length), true);
    z.setBigUint64(40, BigInt(dirSize), true); z.setBigUint64(48, BigInt(dirStart), true);
    const zAt = off;
    push(new Uint8Array(z.buffer));
    const loc = new DataView(new ArrayBuffer(20));
    loc.setUint32(0, 0x07064b50, true); loc.setBigUint64(8, BigInt(layout.zip64EndAt ?? zAt), true); loc.setUint32(16, 1, true);
    push(new Uint8Array(loc.buffer));
  }
  const comment = new TextEncoder().encode(layout.comment ?? "");
  const end = new DataView(new ArrayBuffer(22));
  const count = layout.zip64End || layout.countSentinel ? 0xffff : members.length;
  end.setUint32(0, 0x06054b50, true); end.setUint16(8, count, true); end.setUint16(10, count, true);
  end.setUint32(12, layout.zip64End || layout.dirSentinel ? SENTINEL : dirSize, true);
  end.setUint32(16, layout.zip64End || layout.dirSentinel ? SENTINEL : dirStart, true);
  end.setUint16(20, comment.length, true);
  push(new Uint8Array(end.buffer)); push(comment);
  return concat(parts);
}

/** A (3, 16, 20, 24) float32 array as .npy bytes, deterministic. */
function syntheticNpy(): Uint8Array {
  const r = rng(11);
  const C = 3, N = 16 * 20 * 24;
  const data = new Float32Array(C * N);
  for (let v = 0; v < N; v++) {
    const w = [r() ** 3, r(), r() * 0.2];
    const s = w[0]! + w[1]! + w[2]!;
    for (let c = 0; c < C; c++) data[c * N + v] = v % 7 === 0 ? (c === 1 ? 1 : 0) : w[c]! / s;
  }
  return encodeNpyFloat32(data, [C, 16, 20, 24]);
}

const npy = syntheticNpy();
const deflatedNpy = new Uint8Array(deflateRawSync(npy, { level: 6 }));
const small = encodeNpyFloat32(new Float32Array(1000).map((_, i) => (i % 10) / 10), [10, 100]);

/** numpy's layout for a member past 2 GiB: local header and central directory sizes 0xFFFFFFFF, zip64 extra fields. */
function numpyMember(extra: Partial<Member> = {}): Member {
  return { name: "probabilities.npy", method: 8, stored: deflatedNpy, size: npy.length, crc: crc32(npy), localZip64: true, centralZip64: ["sizes"], ...extra };
}

function smallMember(name: string, extra: Partial<Member> = {}): Member {
  const d = new Uint8Array(deflateRawSync(small));
  return { name, method: 8, stored: d, size: small.length, crc: crc32(small), localZip64: true, ...extra };
}

const want = bytesOf({ key: "", keys: [], array: parseNpy(npy.slice(), "want") });

describe("zip64 fields resolved with or without a zip64 end record", () => {
  // a timestamp extra field (0x5455, as Info-ZIP writes) before the zip64 one
  const timestamp = extraField(0x5455, Uint8Array.of(3, 1, 2, 3, 4));
  const archives: [string, Uint8Array][] = [
    ["numpy's layout for a member past 2 GiB (no zip64 end record)", buildZip([numpyMember()])],
    ["the same, deflated member written with a data descriptor", buildZip([numpyMember({ descriptor: true, localZip64: false })])],
    ["local header offset 0xFFFFFFFF, member after another one, gap and comment",
      buildZip([smallMember("extra.npy"), numpyMember({ centralZip64: ["sizes", "offset"], gap: 100 })], { comment: "PK\x05\x06 not an end record" })],
    ["only the offset in the zip64 field, after another extra field",
      buildZip([smallMember("extra.npy"), numpyMember({ centralZip64: ["offset"], centralExtraBefore: timestamp })])],
    ["only the sizes, after another extra field", buildZip([numpyMember({ centralExtraBefore: timestamp })])],
    ["a zip64 end record (end record counts and offsets 0xFFFF/0xFFFFFFFF)", buildZip([smallMember("extra.npy"), numpyMember({ centralZip64: ["sizes", "offset"] })], { zip64End: true })],
    ["end record entry count 0xFFFF without a zip64 end record", buildZip([smallMember("extra.npy"), numpyMember()], { countSentinel: true })],
    ["a stored member", buildZip([{ name: "probabilities.npy", method: 0, stored: npy, size: npy.length, crc: crc32(npy), localZip64: true, centralZip64: ["sizes", "offset"] }])],
  ];

  it.each(archives)("%s: byte-identical through every inflater", async (_what, zip) => {
    const before = Buffer.from(zip);
    expect(npzKeys(zip, "z.npz")).toContain("probabilities");
    for (const [label, inflater] of INFLATERS) {
      const m = await read(zip, "z.npz", inflater);
      expect(m.key, label).toBe("probabilities");
      expect(m.array.shape, label).toEqual([3, 16, 20, 24]);
      expect(bytesOf(m).equals(want), label).toBe(true);
      if (m.keys.includes("extra")) {
        const e = await read(zip, "z.npz", inflater, "extra");
        expect(bytesOf(e).equals(bytesOf({ key: "", keys: [], array: parseNpy(small.slice(), "s") })), `extra via ${label}`).toBe(true);
      }
    }
    expect(Buffer.from(zip).equals(before)).toBe(true);
  });

  it("the directory has the real sizes and offsets", () => {
    const zip = buildZip([smallMember("extra.npy"), numpyMember({ centralZip64: ["sizes", "offset"], gap: 100 })]);
    const { entries } = readZipDirectory(zip, "z.npz");
    expect(entries.map((e) => [e.name, e.size, e.originalSize])).toEqual([
      ["extra.npy", new Uint8Array(deflateRawSync(small)).length, small.length],
      ["probabilities.npy", deflatedNpy.length, npy.length],
    ]);
    expect(zip[entries[1]!.localHeaderOffset]).toBe(0x50);
    expect(entries[1]!.localHeaderOffset).toBeGreaterThan(100);
  });

  it("sizes past 4 GiB are exact numbers (declared-size checks and the inflater's expected size)", async () => {
    const huge = 5 * 2 ** 30 + 7; // high word 1: a 32-bit reading would give 7
    // past 1032 x a few kB: refused before anything is allocated, naming the 64-bit size
    const zip = buildZip([numpyMember({ size: huge, localZip64: false, descriptor: true })]);
    for (const [label, inflater] of INFLATERS) {
      const err = await rejection(read(zip, "h.npz", inflater));
      expect(err.field, label).toBe("probabilities.npy size");
      expect(err.message, label).toContain(`${huge} bytes declared`);
      const limit = await rejection(read(zip, "h.npz", inflater, undefined, 4 * 2 ** 30));
      expect(limit.message, label).toMatch(new RegExp(`expected <= ${4 * 2 ** 30} bytes, found ${huge} bytes`));
    }
    // compressed data large enough for that size (5.3 MB of deflate data): the inflater is asked for
    // exactly that many bytes; Node 20's buffers stop at 4 GiB, reported as the declared size
    const bulk = new Uint8Array(Math.ceil(huge / 1032));
    const big = buildZip([{ ...numpyMember({ size: huge }), stored: bulk, storedSize: bulk.length }]);
    const calls: [number, number][] = [];
    const spy: InflateRaw = async (data, size) => { calls.push([data.length, size]); throw new RangeError("Array buffer allocation failed"); };
    const err = await rejection(readNpzAsync(big, "h.npz", { inflateRaw: spy }));
    expect(calls).toEqual([[bulk.length, huge]]);
    expect(err.message).toMatch(new RegExp(`expected a size this host can hold in one array, found ${huge} bytes declared`));
    if (bufferConstants.MAX_LENGTH < huge) {
      const viaZlib = await rejection(readNpzAsync(big, "h.npz", { inflateRaw: inflateRawNode }));
      expect(viaZlib.message).toContain(`found ${huge} bytes declared`);
    }
  });
});

describe("malformed zip64 fields give a SegentropyError", () => {
  const end = (zip: Uint8Array) => zip.length - 22;
  const cases: [string, Uint8Array, RegExp][] = [
    ["zip64 extra field too short for both sizes", buildZip([numpyMember({ centralZip64Data: u64(npy.length) })]),
      /zip64 extra field of at least 16 bytes \(its uncompressed size, compressed size\) in the central directory entry of probabilities\.npy, found 8 bytes/],
    ["zip64 extra field too short for the offset", buildZip([numpyMember({ centralZip64: ["sizes", "offset"], centralZip64Data: concat([u64(npy.length), u64(deflatedNpy.length)]) })]),
      /at least 24 bytes .*found 16 bytes/],
    ["sizes 0xFFFFFFFF without a zip64 extra field (only a timestamp field)", buildZip([numpyMember({ centralZip64Data: null, centralExtraBefore: extraField(0x5455, Uint8Array.of(1, 0, 0, 0, 0)) })]),
      /expected a zip64 extra field holding its uncompressed size, compressed size \(0xFFFFFFFF in the header\) in the central directory entry of probabilities\.npy, found none/],
    // (a data descriptor: the local header states no sizes to compare)
    ["zip64 compressed size past the end of the file", buildZip([numpyMember({ descriptor: true, localZip64: false, centralZip64Data: concat([u64(npy.length), u64(10 ** 9)]) })]),
      /probabilities\.npy .* found .*bytes between its local header and the central directory/],
    ["zip64 compressed size of 2^53 or more", buildZip([numpyMember({ centralZip64Data: concat([u64(npy.length), Uint8Array.of(0, 0, 0, 0, 0, 0, 0x40, 0)]) })]),
      /compressed size below 2\^53/],
    ["zip64 local header offset past the file", buildZip([numpyMember({ centralZip64: ["sizes", "offset"], centralZip64Data: concat([u64(npy.length), u64(deflatedNpy.length), u64(2 ** 40)]) })]),
      /local header offset 1099511627776 at or past the central directory/],
    ["zip64 local header offset at other bytes", buildZip([numpyMember({ centralZip64: ["sizes", "offset"], centralZip64Data: concat([u64(npy.length), u64(deflatedNpy.length), u64(5)]) })]),
      /no local header signature there/],
    ["an extra field overrunning the extra area", buildZip([numpyMember({ centralZip64Data: new Uint8Array(0), centralExtraBefore: Uint8Array.of(0x55, 0x54, 200, 0, 1) })]),
      /extra field 0x5455 within its \d+-byte extra area .*found 200 bytes declared/],
    ["local zip64 sizes disagreeing with the central directory", buildZip([numpyMember({ localZip64Values: [npy.length, 10 ** 9] })]),
      /sizes 1000000000 \(stored\) and \d+ \(uncompressed\) in the local header/],
    ["local zip64 extra field too short", (() => {
      const zip = buildZip([numpyMember()]);
      new DataView(zip.buffer).setUint16(30 + "probabilities.npy".length + 2, 8, true); // its size: 8 of 16 bytes
      return zip;
    })(), /expected a zip64 extra field of at least 16 bytes \(its uncompressed size, compressed size\) in the local header of probabilities\.npy, found 8 bytes/],
    ["directory size and offset 0xFFFFFFFF without a zip64 end record", buildZip([numpyMember()], { dirSentinel: true }),
      /expected a zip64 end-of-central-directory record .* found none/],
    ["zip64 end record locator pointing elsewhere", buildZip([numpyMember()], { zip64End: true, zip64EndAt: 3 }),
      /zip64 end-of-central-directory record where its locator points, found offset 3, other bytes/],
    ["zip64 end record locator pointing past the file", buildZip([numpyMember()], { zip64End: true, zip64EndAt: 2 ** 45 }),
      /found offset 35184372088832, past the locator/],
    ["a different entry count in the end record", (() => {
      const zip = buildZip([numpyMember()]);
      new DataView(zip.buffer).setUint16(end(zip) + 10, 2, true);
      return zip;
    })(), /expected 2 central directory entries .* found 1 in its/],
  ];
  it.each(cases)("%s", async (_what, zip, message) => {
    for (const [label, inflater] of INFLATERS) {
      const err = await rejection(read(zip, "bad.npz", inflater));
      expect(err.file, label).toBe("bad.npz");
      expect(err.field, label).toBe("zip archive");
      expect(err.message, label).toMatch(/^bad\.npz: zip archive: expected /);
      expect(err.message, label).toMatch(message);
    }
  });
});

describe("damaged archives", () => {
  it("truncations and byte changes of zip64 archives give the array or a SegentropyError, nothing else", async () => {
    const r = rng(5);
    const bases = [
      buildZip([smallMember("extra.npy"), numpyMember({ centralZip64: ["sizes", "offset"] })]),
      buildZip([smallMember("extra.npy"), numpyMember({ centralZip64: ["sizes", "offset"] })], { zip64End: true }),
    ];
    let errors = 0, reads = 0;
    for (let i = 0; i < 600; i++) {
      const base = bases[i % 2]!;
      let zip: Uint8Array;
      if (i % 5 === 0) zip = base.subarray(0, Math.floor(r() * base.length));
      else {
        zip = base.slice();
        // changes in the headers (the last ~300 bytes, and the local headers) rather than in the deflate data
        for (let k = 0; k < 1 + Math.floor(r() * 4); k++) {
          const at = r() < 0.7 ? zip.length - 1 - Math.floor(r() * Math.min(300, zip.length)) : Math.floor(r() * 120);
          zip[at] = r() < 0.5 ? Math.floor(r() * 256) : [0, 0xff, 0x01, 0x50][Math.floor(r() * 4)]!;
        }
      }
      try {
        readNpz(zip, "f.npz", undefined, 64 * 2 ** 20);
        reads++;
      } catch (err) {
        expect(isSegentropyError(err), `case ${i}: ${String(err)}`).toBe(true);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(300);
    expect(reads).toBeGreaterThan(0);
  });
});

describe("Python's zipfile as the writer", () => {
  it("numpy's savez_compressed with a member past zipfile's zip64 limit (lowered to 1000 bytes)", async () => {
    const dir = tempDir();
    const py = spawnSync("/usr/bin/python3", ["-c", `
import sys, zipfile, numpy as np
zipfile.ZIP64_LIMIT = 1000  # as for a member past 2 GiB, with a small archive
x = np.zeros((2, 8, 9, 10), np.float32); x[0] = 1; x[1, 2:5] = 0.25
np.savez_compressed(sys.argv[1] + '/z.npz', probabilities=x)
np.save(sys.argv[1] + '/z.npy', x)
`, dir], { encoding: "utf8" });
    expect(py.status, py.stderr).toBe(0);
    const zip = new Uint8Array(readFileSync(join(dir, "z.npz")));
    const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    // the layout of a real member past 2 GiB: sizes 0xFFFFFFFF in the directory, no zip64 end record
    const cd = dv.getUint32(zip.length - 22 + 16, true);
    expect([dv.getUint32(cd + 20, true), dv.getUint32(cd + 24, true)]).toEqual([SENTINEL, SENTINEL]);
    expect(dv.getUint32(zip.length - 42, true)).not.toBe(0x07064b50);
    const refData = bytesOf({ key: "", keys: [], array: parseNpy(new Uint8Array(readFileSync(join(dir, "z.npy"))), "ref") });
    for (const [label, inflater] of INFLATERS) {
      const m = await read(zip, "z.npz", inflater);
      expect(m.array.shape, label).toEqual([2, 8, 9, 10]);
      expect(bytesOf(m).equals(refData), label).toBe(true);
    }
  });
});
