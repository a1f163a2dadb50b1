/**
 * .npz members inflated by each inflater (fflate, node:zlib, DecompressionStream "deflate-raw")
 * give byte-identical arrays; truncated, corrupt or mis-sized members give a SegentropyError naming
 * the file and the member, through each of them.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32, deflateRawSync } from "node:zlib";
import { unzipSync } from "fflate";
import {
  canInflateRawWithStreams, encodeNpyFloat32, inflateRawNode, inflateRawWithFflate, inflateRawWithStreams, isSegentropyError,
  parseNpy, readNpz, readNpzAsync, readProbabilities, readProbabilitiesFile, SegentropyError,
} from "../src/node/index.js";
import type { InflateRaw, NpzMember } from "../src/node/index.js";
import { readProbabilitiesFrom } from "../src/browser/io.js";
import { cli, tempDir, ROOT } from "./helpers/cli.js";
import { rng } from "./helpers/synthetic.js";

const FIXTURES = join(ROOT, "test", "fixtures", "cases");
const fixtureNpz = readdirSync(FIXTURES).filter((d) => statSync(join(FIXTURES, d)).isDirectory()).flatMap((d) => readdirSync(join(FIXTURES, d)).filter((f) => f.endsWith(".npz")).map((f) => join(FIXTURES, d, f)));

/** undefined: the synchronous readNpz (fflate). DecompressionStream("deflate-raw") is in Node 20.12+; older Node skips its rows. */
const INFLATERS: [string, InflateRaw | undefined][] = [
  ["readNpz (fflate, sync)", undefined],
  ["fflate", inflateRawWithFflate],
  ["node:zlib", inflateRawNode],
  ...(canInflateRawWithStreams() ? [["DecompressionStream", inflateRawWithStreams] as [string, InflateRaw]] : []),
];

function read(bytes: Uint8Array, name: string, inflateRaw: InflateRaw | undefined, key?: string): Promise<NpzMember> {
  return inflateRaw ? readNpzAsync(bytes, name, { key, inflateRaw }) : Promise.resolve().then(() => readNpz(bytes, name, key));
}

function bytesOf(m: NpzMember): Uint8Array {
  const d = m.array.data;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

async function rejection(p: Promise<unknown>): Promise<SegentropyError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(isSegentropyError(err), `expected a SegentropyError, got ${String(err)}`).toBe(true);
  return err as SegentropyError;
}

interface Entry {
  name: string;
  method: 0 | 8;
  /** The member's bytes as stored (deflated for method 8). */
  stored: Uint8Array;
  /** Declared inflated size. */
  size: number;
  crc?: number;
  /** Sizes and CRC in a data descriptor after the data (general purpose flag bit 3), zeros in the local header. */
  descriptor?: boolean;
  /** Local header sizes 0xFFFFFFFF and a zip64 extra field with the sizes, as numpy writes them. */
  zip64Local?: boolean;
}

/** A zip written by hand, so that sizes, data and layout can be made inconsistent on purpose. */
function buildZip(entries: Entry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let off = 0;
  const push = (p: Uint8Array) => { parts.push(p); off += p.length; };
  for (const e of entries) {
    const name = new TextEncoder().encode(e.name);
    const crc = e.crc ?? 0;
    const flags = e.descriptor ? 8 : 0;
    const extra = new DataView(new ArrayBuffer(e.zip64Local ? 20 : 0));
    if (e.zip64Local) { extra.setUint16(0, 1, true); extra.setUint16(2, 16, true); extra.setBigUint64(4, BigInt(e.size), true); extra.setBigUint64(12, BigInt(e.stored.length), true); }
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true); local.setUint16(4, e.zip64Local ? 45 : 20, true); local.setUint16(6, flags, true); local.setUint16(8, e.method, true);
    local.setUint16(12, 0x21, true); // 1980-01-01
    if (!e.descriptor) {
      local.setUint32(14, crc, true);
      local.setUint32(18, e.zip64Local ? 0xffffffff : e.stored.length, true);
      local.setUint32(22, e.zip64Local ? 0xffffffff : e.size, true);
    }
    local.setUint16(26, name.length, true); local.setUint16(28, extra.byteLength, true);
    const at = off;
    push(new Uint8Array(local.buffer)); push(name); push(new Uint8Array(extra.buffer)); push(e.stored);
    if (e.descriptor) {
      const dd = new DataView(new ArrayBuffer(16));
      dd.setUint32(0, 0x08074b50, true); dd.setUint32(4, crc, true); dd.setUint32(8, e.stored.length, true); dd.setUint32(12, e.size, true);
      push(new Uint8Array(dd.buffer));
    }
    const c = new DataView(new ArrayBuffer(46));
    c.setUint32(0, 0x02014b50, true); c.setUint16(4, 20, true); c.setUint16(6, 20, true); c.setUint16(8, flags, true); c.setUint16(10, e.method, true);
    c.setUint16(14, 0x21, true); c.setUint32(16, crc, true); c.setUint32(20, e.stored.length, true); c.setUint32(24, e.size, true);
    c.setUint16(28, name.length, true); c.setUint32(42, at, true);
    central.push(new Uint8Array(c.buffer), name);
  }
  const cdStart = off;
  for (const p of central) push(p);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true); end.setUint16(8, entries.length, true); end.setUint16(10, entries.length, true);
  end.setUint32(12, off - cdStart, true); end.setUint32(16, cdStart, true);
  push(new Uint8Array(end.buffer));
  const out = new Uint8Array(off);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function deflated(name: string, npy: Uint8Array, extra: Partial<Entry> = {}): Entry {
  return { name, method: 8, stored: new Uint8Array(deflateRawSync(npy, { level: 6 })), size: npy.length, crc: crc32(npy), ...extra };
}

/** A (3, 16, 20, 24) float32 softmax-like array as .npy bytes, deterministic. */
function syntheticNpy(): Uint8Array {
  const r = rng(7);
  const C = 3, N = 16 * 20 * 24;
  const data = new Float32Array(C * N);
  for (let v = 0; v < N; v++) {
    const w = [r() ** 4, r(), r() * 0.1];
    const s = w[0]! + w[1]! + w[2]!;
    for (let c = 0; c < C; c++) data[c * N + v] = v % 5 === 0 ? (c === 0 ? 1 : 0) : w[c]! / s;
  }
  return encodeNpyFloat32(data, [C, 16, 20, 24]);
}

const npy = syntheticNpy();

describe("npz members through each inflater", () => {
  it.each(fixtureNpz.map((f) => [f.slice(FIXTURES.length + 1)]))("%s: byte-identical arrays", async (rel) => {
    const file = join(FIXTURES, rel);
    const bytes = new Uint8Array(readFileSync(file));
    // reference: fflate's one-shot unzip (the reader before host inflaters)
    const all = unzipSync(bytes);
    const ref = parseNpy(Object.values(all)[0]!, "ref");
    for (const [label, inflater] of INFLATERS) {
      const m = await read(bytes, rel, inflater);
      expect(m.array.shape, label).toEqual(ref.shape);
      expect(m.array.dtype, label).toBe(ref.dtype);
      expect(Buffer.from(bytesOf(m)).equals(Buffer.from(ref.data.buffer, ref.data.byteOffset, ref.data.byteLength)), `${rel} via ${label}`).toBe(true);
    }
  });

  it("generated archives: deflated, stored, with data descriptors, several members", async () => {
    const stored: Entry = { name: "probabilities.npy", method: 0, stored: npy, size: npy.length, crc: crc32(npy) };
    const archives: Record<string, Uint8Array> = {
      deflated: buildZip([deflated("probabilities.npy", npy)]),
      stored: buildZip([stored]),
      descriptor: buildZip([deflated("probabilities.npy", npy, { descriptor: true })]),
      zip64: buildZip([deflated("probabilities.npy", npy, { zip64Local: true })]),
      // the chosen member second, after a member with a data descriptor (its end is found by scanning)
      second: buildZip([deflated("extra.npy", npy.subarray(0, 4000), { size: 4000, crc: crc32(npy.subarray(0, 4000)), descriptor: true }), deflated("probabilities.npy", npy, { descriptor: true })]),
      // fflate's own zip writer (local header extra fields, its deflate)
      fflate: (await import("fflate")).zipSync({ "probabilities.npy": [npy, { level: 9 }], "b.npy": npy }),
    };
    const want = parseNpy(npy.slice(), "want");
    const wantBytes = Buffer.from(want.data.buffer, want.data.byteOffset, want.data.byteLength);
    for (const [kind, zip] of Object.entries(archives)) {
      const before = Buffer.from(zip);
      for (const [label, inflater] of INFLATERS) {
        const m = await read(zip, `${kind}.npz`, inflater);
        expect(m.key).toBe("probabilities");
        expect(m.array.shape).toEqual([3, 16, 20, 24]);
        expect(Buffer.from(bytesOf(m)).equals(wantBytes), `${kind} via ${label}`).toBe(true);
      }
      expect(Buffer.from(zip).equals(before), `${kind}: input bytes untouched`).toBe(true);
    }
  });

  it("a stored big-endian member is byte-swapped in a copy, not in the caller's buffer", async () => {
    const le = new Float32Array([0.25, 0.75, 0.5, 0.5]);
    const be = new Uint8Array(le.buffer.slice(0));
    for (let i = 0; i < be.length; i += 4) be.subarray(i, i + 4).reverse();
    const header = "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }";
    const pad = 64 - ((10 + header.length + 1) % 64);
    const head = new TextEncoder().encode(header + " ".repeat(pad) + "\n");
    const body = new Uint8Array(10 + head.length + be.length);
    body.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, head.length & 255, head.length >> 8]);
    body.set(head, 10); body.set(be, 10 + head.length);
    const zip = buildZip([{ name: "softmax.npy", method: 0, stored: body, size: body.length }]);
    const before = Buffer.from(zip);
    for (const [label, inflater] of INFLATERS) {
      const m = await read(zip, "be.npz", inflater);
      expect(m.array.dtype, label).toBe("float32");
      expect(Array.from(m.array.data as Float32Array), label).toEqual([0.25, 0.75, 0.5, 0.5]);
    }
    expect(Buffer.from(zip).equals(before)).toBe(true);
  });
});

describe("broken members give a SegentropyError naming the file and the member", () => {
  const good = deflated("probabilities.npy", npy);
  const headless = deflated("probabilities.npy", Uint8Array.of(0, ...npy.subarray(1)));
  const cases: [string, Uint8Array, string, RegExp][] = [
    ["truncated deflate data", buildZip([{ ...good, stored: good.stored.subarray(0, good.stored.length >> 1) }]), "probabilities.npy data",
      /expected deflate data \(\d+ bytes\) inflating to \d+ bytes, found a (truncated|corrupt) stream/],
    ["invalid block type", buildZip([{ ...good, stored: Uint8Array.of(0x07, ...good.stored.subarray(1)) }]), "probabilities.npy data",
      /expected deflate data .* found a corrupt stream/],
    // the inflaters' own size checks: on a member whose start is no .npy header (a header's own size,
    // when it differs from the declared one, is refused before inflating: test/readers.hostile.test.ts)
    ["shorter than declared", buildZip([{ ...headless, size: npy.length + 100 }]), "probabilities.npy size",
      new RegExp(`expected ${npy.length + 100} bytes \\(its declared size\\), found ${npy.length} bytes after inflating`)],
    ["longer than declared", buildZip([{ ...headless, size: npy.length - 100 }]), "probabilities.npy data",
      new RegExp(`inflates to more than ${npy.length - 100} bytes`)],
    ["data descriptor, truncated data", buildZip([{ ...good, stored: good.stored.subarray(0, 999), descriptor: true }]), "probabilities.npy data",
      /found a (truncated|corrupt) stream/],
  ];

  it.each(cases)("%s", async (_what, zip, field, message) => {
    for (const [label, inflater] of INFLATERS) {
      const err = await rejection(read(zip, "broken.npz", inflater));
      expect(err.file, label).toBe("broken.npz");
      expect(err.field, label).toBe(field);
      expect(err.message, label).toMatch(/^broken\.npz: /);
      expect(err.message, label).toMatch(message);
    }
  });

  it("a cut archive is an unreadable zip, for each inflater", async () => {
    const zip = buildZip([good]);
    for (const [label, inflater] of INFLATERS) {
      const err = await rejection(read(zip.subarray(0, zip.length - 40), "cut.npz", inflater));
      expect(err.file, label).toBe("cut.npz");
      expect(err.field, label).toBe("zip archive");
    }
  });

  it("local header and central directory disagreeing on the data's place is a zip error", async () => {
    const zip = buildZip([good]);
    // the local header claims more data than the file holds
    new DataView(zip.buffer).setUint32(18, zip.length * 2, true);
    for (const [label, inflater] of INFLATERS) {
      const err = await rejection(read(zip, "odd.npz", inflater));
      expect(err.field, label).toBe("zip archive");
    }
  });

  it("declared sizes are checked before inflating: size limit, expansion limit, method", async () => {
    const checks: [Entry, string, RegExp, number?][] = [
      [{ ...good }, "probabilities.npy size", /expected <= 1000 bytes/, 1000],
      [{ ...good, size: good.stored.length * 2000 }, "probabilities.npy size", /at most 1032 x its compressed size/],
      [{ ...good, method: 12 as 8 }, "probabilities.npy compression", /expected stored \(0\) or deflate \(8\), found method 12/],
      [{ name: "probabilities.npy", method: 0, stored: npy, size: npy.length + 1 }, "probabilities.npy size", /a stored member's size/],
    ];
    for (const [entry, field, message, maxBytes] of checks) {
      for (const [label, inflater] of INFLATERS) {
        const zip = buildZip([entry]);
        const p = inflater ? readNpzAsync(zip, "d.npz", { inflateRaw: inflater, maxBytes }) : Promise.resolve().then(() => readNpz(zip, "d.npz", undefined, maxBytes));
        const err = await rejection(p);
        expect(err.field, `${field} via ${label}`).toBe(field);
        expect(err.message).toMatch(message);
      }
    }
  });
});

describe("a caller's inflater", () => {
  const zip = buildZip([deflated("probabilities.npy", npy)]);

  it("gets the member's raw deflate data, its declared size and a name for messages", async () => {
    const calls: [number, number, string][] = [];
    const spy: InflateRaw = async (data, size, name) => { calls.push([data.length, size, name]); return inflateRawNode(data, size, name); };
    const m = await readNpzAsync(zip, "c.npz", { inflateRaw: spy });
    expect(m.array.shape).toEqual([3, 16, 20, 24]);
    expect(calls).toEqual([[deflated("probabilities.npy", npy).stored.length, npy.length, "c.npz[probabilities.npy]"]]);
  });

  it("its errors become SegentropyErrors; an allocation failure is reported as the declared size", async () => {
    const plain = await rejection(readNpzAsync(zip, "c.npz", { inflateRaw: async () => { throw new Error("boom"); } }));
    expect(plain.message).toMatch(/^c\.npz: probabilities\.npy data: .* found a corrupt stream \(boom\)/);
    const big = await rejection(readNpzAsync(zip, "c.npz", { inflateRaw: async () => { throw new RangeError("Array buffer allocation failed"); } }));
    expect(big.field).toBe("probabilities.npy size");
    expect(big.message).toMatch(/expected a size this host can hold in one array, found \d+ bytes declared/);
    const own = new SegentropyError({ file: "x", field: "y", expected: "z", found: "w" });
    expect(await rejection(readNpzAsync(zip, "c.npz", { inflateRaw: async () => { throw own; } }))).toBe(own);
  });
});

describe("the entry points pass their inflater", () => {
  const good = deflated("probabilities.npy", npy);
  const broken = buildZip([{ ...good, stored: good.stored.subarray(0, good.stored.length >> 1) }]);

  it("readProbabilitiesFile (zlib), readProbabilitiesFrom (DecompressionStream) and readProbabilities (default) agree", async () => {
    const dir = tempDir();
    const path = join(dir, "gen.npz");
    const zip = buildZip([good]);
    writeFileSync(path, zip);
    const a = await readProbabilitiesFile(path);
    const b = await readProbabilitiesFrom(new Blob([zip as BlobPart]), { name: "gen.npz" });
    const c = await readProbabilities(zip, "gen.npz");
    const d = await readProbabilities(zip, "gen.npz", { inflateRaw: inflateRawWithFflate });
    for (const x of [a, b, c, d]) {
      expect(x.info.format).toBe("npz");
      expect(x.info.shape).toEqual([3, 16, 20, 24]);
      const v = x.volume.data as Float32Array;
      expect(Buffer.from(v.buffer, v.byteOffset, v.byteLength).equals(Buffer.from(bytesOf({ key: "", keys: [], array: parseNpy(npy.slice(), "n") })))).toBe(true);
    }
  });

  it("a truncated member through each entry point: a SegentropyError, and the CLI prints it without a stack", async () => {
    const dir = tempDir();
    const path = join(dir, "broken.npz");
    writeFileSync(path, broken);
    // one at a time: a promise made before the previous one settles would reject unhandled
    for (const read of [() => readProbabilitiesFile(path), () => readProbabilitiesFrom(new Blob([broken as BlobPart]), { name: path }), () => readProbabilities(broken, path)]) {
      const err = await rejection(read());
      expect(err.file).toBe(path);
      expect(err.field).toBe("probabilities.npy data");
    }
    const r = cli([path, "--out", join(dir, "out"), "--no-png"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("broken.npz: probabilities.npy data: expected deflate data");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
