/**
 * The core test, run twice: in Node (project node-core) and in headless Chromium (project
 * chromium). Every shared case goes through the browser path (Blob/Response sources,
 * DecompressionStream, runPipeline) and its entropy map must be bit-identical to the map the Node
 * path (fs + zlib, computed in globalSetup) gives.
 */
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  init, reset, runPipeline, readProbabilitiesFrom, readNiftiFrom, entropyNiftiBlob, readBytes, parseNifti, isSegentropyError, analyze,
  canInflateRawWithStreams, inflateRawWithStreams, readNpz, readNpzAsync, isGzip, gzipWithStreams,
} from "../../src/index.js";
import type { BinarySource, Kind } from "../../src/index.js";
import { CASES_DIR, KIND } from "./setup/cases.js";

const inBrowser = typeof window !== "undefined" && typeof document !== "undefined";
const env = inBrowser ? "chromium" : "node";

/** A case file as a browser would get it: a fetch Response in Chromium, a Blob in Node. */
async function source(path: string): Promise<BinarySource> {
  if (inBrowser) return fetch(`/${path}`);
  const fs = "node:fs/promises";
  const { readFile } = (await import(/* @vite-ignore */ fs)) as typeof import("node:fs/promises");
  const buf = await readFile(path);
  return new Blob([buf], {});
}
async function bytesOf(path: string): Promise<ArrayBuffer> {
  const s = await source(path);
  return s instanceof Response ? s.arrayBuffer() : (s as Blob).arrayBuffer();
}

async function sha256(map: Float32Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new Uint8Array(map.buffer, map.byteOffset, map.byteLength));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const reference = inject("nodeReference");

beforeAll(async () => { await init(); });

describe(`shared cases through the browser path (${env})`, () => {
  it("has the shared cases", () => { expect(reference.length).toBeGreaterThanOrEqual(13); });

  it.each(reference.map((r) => [r.name, r] as const))("%s: map is bit-identical to the Node path", async (name, ref) => {
    const f = ref.manifest.files;
    const dir = `${CASES_DIR}/${name}`;
    const probs = f.probabilities!.paths ? await Promise.all(f.probabilities!.paths.map((p) => source(`${dir}/${p}`))) : await source(`${dir}/${f.probabilities!.path}`);
    const names = f.probabilities!.paths ?? [f.probabilities!.path!];
    const img = f.image?.path && /\.nii(\.gz)?$/.test(f.image.path) ? f.image.path : undefined;
    const result = await runPipeline({
      probabilities: probs, probabilitiesName: names.length === 1 ? names[0]! : undefined,
      ...(img ? { image: await source(`${dir}/${img}`), imageName: img } : {}),
      ...(f.properties?.path ? { properties: await source(`${dir}/${f.properties.path}`), propertiesName: f.properties.path } : {}),
      kind: KIND[ref.manifest.semantics.kind as keyof typeof KIND] as Kind,
      ...(ref.manifest.semantics.regions_class_order ? { regionLabels: ref.manifest.semantics.regions_class_order } : {}),
    });
    const a = result.analysis;
    expect(a.dims).toEqual(ref.dims);
    expect(a.map.length).toBe(ref.voxels);
    expect(await sha256(a.map), `${name}: entropy map hash in ${env}`).toBe(ref.sha256);
    expect(a.summary.totalEntropy).toBe(ref.totalEntropy);
    expect(a.summary.maxEntropy).toBe(ref.maxEntropy);
    // entropy.nii.gz round trip: the Blob inflates to a NIfTI holding exactly the map
    if (names.length === 1 && !/\.npy$/.test(names[0]!)) {
      const blob = await entropyNiftiBlob(a);
      const nii = parseNifti(await readBytes(blob), "entropy.nii.gz");
      expect(nii.dims.slice(0, 3)).toEqual(a.dims);
      expect(await sha256(nii.data as Float32Array)).toBe(ref.sha256);
      expect(result.niftiGz[0]).toBe(0x1f);
    }
  });
});

describe(`browser sources and readable errors (${env})`, () => {
  const s01 = `${CASES_DIR}/s01_nnunetv2_inia19_1mm`;

  it("reads from ArrayBuffer, typed array, Blob and File alike", async () => {
    const buf = await bytesOf(`${s01}/probabilities.npz`);
    const fromBuf = await readProbabilitiesFrom(buf, { name: "p.npz" });
    const fromView = await readProbabilitiesFrom(new Uint8Array(buf), { name: "p.npz" });
    const fromFile = await readProbabilitiesFrom(new File([buf], "probabilities.npz"));
    expect(fromFile.volume.name).toBe("probabilities.npz");
    for (const x of [fromBuf, fromView, fromFile]) {
      expect(x.info.format).toBe("npz");
      expect(x.info.key).toBe("probabilities");
      expect(x.info.shape).toEqual([4, 64, 103, 84]);
    }
    const img = await readNiftiFrom(new Blob([await bytesOf(`${s01}/image.nii.gz`)]), { name: "image.nii.gz" });
    expect(img.dims.slice(0, 3)).toEqual([84, 103, 64]);
  });

  it("names the file and the problem for a wrong format", async () => {
    const err = await readProbabilitiesFrom(new File([new TextEncoder().encode("hello, not a volume")], "notes.txt")).catch((e: unknown) => e);
    expect(isSegentropyError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/notes\.txt: format: expected NIfTI-1\/2 .*found unrecognised bytes/);
  });

  it("reports a shape mismatch between probabilities and image", async () => {
    const probs = await readProbabilitiesFrom(await bytesOf(`${s01}/probabilities.npz`), { name: "probabilities.npz" });
    const other = await readNiftiFrom(await bytesOf(`${CASES_DIR}/s03_nifti4d_float32_anatomical/image.nii.gz`), { name: "other.nii.gz" });
    expect(() => analyze(probs, { image: other })).toThrow(/other\.nii\.gz: image grid: expected the probability grid \[84, 103, 64\]/);
  });

  it("inflates .npz members with DecompressionStream('deflate-raw') as fflate does, and names a corrupt member", async () => {
    const buf = new Uint8Array(await bytesOf(`${s01}/probabilities.npz`));
    if (inBrowser) expect(canInflateRawWithStreams()).toBe(true);
    const viaFflate = readNpz(buf, "p.npz").array.data as Float32Array;
    if (canInflateRawWithStreams()) {
      const viaStreams = (await readNpzAsync(buf, "p.npz", { inflateRaw: inflateRawWithStreams })).array.data as Float32Array;
      expect(await sha256(viaStreams)).toBe(await sha256(viaFflate));
    }
    // an invalid block type at the start of the member's deflate data (after the 30-byte local header, name and extra field)
    const bad = buf.slice();
    bad[30 + (bad[26]! | (bad[27]! << 8)) + (bad[28]! | (bad[29]! << 8))] = 0x07;
    const err = await readProbabilitiesFrom(new File([bad], "bad.npz")).catch((e: unknown) => e);
    expect(isSegentropyError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/^bad\.npz: probabilities\.npy data: expected deflate data \(\d+ bytes\) inflating to 8859776 bytes, found a corrupt stream/);
  });

  it("names a truncated or corrupt .nii.gz with the inflater's own reason (not the runtime's 'Failed to fetch')", async () => {
    // the test server may hand .gz files over already inflated (Content-Encoding): gzip them again then
    const fetched = new Uint8Array(await bytesOf(`${s01}/image.nii.gz`));
    const buf = isGzip(fetched) ? fetched : await gzipWithStreams(fetched);
    for (const [bad, what] of [[buf.slice(0, Math.floor(buf.length / 2)), "truncated"], [(() => {
      // an invalid block type (3) in the first deflate byte, after the 10-byte header and the optional file name
      const b = buf.slice();
      let at = 10;
      if (b[3]! & 8) { while (b[at] !== 0) at++; at++; }
      b[at] = 0x07;
      return b;
    })(), "corrupt"]] as const) {
      const err = await readNiftiFrom(new File([bad], `${what}.nii.gz`)).catch((e: unknown) => e);
      expect(isSegentropyError(err), String(err).slice(0, 200)).toBe(true);
      const message = String((err as Error).message);
      // Chromium's inflater ends a truncated stream without an error: the NIfTI reader then finds the data short
      if (what === "truncated") expect(message).toMatch(/^truncated\.nii\.gz: (gzip stream: expected a complete gzip file, found a truncated one \(.+\)|data: expected \d+ bytes .*the file is truncated)/);
      else expect(message).toMatch(/^corrupt\.nii\.gz: gzip stream: expected a complete gzip file, found a corrupt one \(.+\)/);
      expect(message).not.toMatch(/Failed to fetch/);
    }
  });

  it("a .nii.gz holding far more than its header describes is refused, fed to the inflater in small pieces", async () => {
    // a valid NIfTI-1 (10 x 10 x 10 x 3 float32) followed by 1 GiB of zeros in the same gzip stream
    const header = new Uint8Array(352);
    const dv = new DataView(header.buffer);
    dv.setInt32(0, 348, true);
    [4, 10, 10, 10, 3, 1, 1, 1].forEach((d, i) => dv.setInt16(40 + 2 * i, d, true));
    dv.setInt16(70, 16, true); dv.setInt16(72, 32, true);
    dv.setFloat32(108, 352, true); dv.setFloat32(112, 1, true);
    [1, 1, 1, 1].forEach((p, i) => dv.setFloat32(76 + 4 * i, p, true));
    header.set([0x6e, 0x2b, 0x31, 0], 344);
    const cs = new CompressionStream("gzip");
    const writer = cs.writable.getWriter();
    const compressed = new Response(cs.readable).arrayBuffer();
    await writer.write(header);
    await writer.write(new Uint8Array(4 * 3000).fill(0x3e));
    const zeros = new Uint8Array(1 << 20);
    for (let i = 0; i < 1024; i++) await writer.write(zeros);
    await writer.close();
    const bomb = new Uint8Array(await compressed);
    // the inflater sees the file in 64 KiB pieces, so it can stop right after the limit; a whole
    // Blob stream made Chromium inflate gigabytes in chunks of hundreds of MiB before the check
    const Real = globalThis.DecompressionStream;
    let largestPiece = 0;
    globalThis.DecompressionStream = class extends Real {
      constructor(format: CompressionFormat) {
        super(format);
        const inner = this.writable;
        const writable = new WritableStream<Uint8Array>({
          async write(chunk) { largestPiece = Math.max(largestPiece, chunk.byteLength); const w = inner.getWriter(); await w.write(chunk); w.releaseLock(); },
          async close() { await inner.getWriter().close(); },
          async abort(reason) { await inner.abort(reason); },
        });
        Object.defineProperty(this, "writable", { value: writable });
      }
    } as typeof DecompressionStream;
    try {
      const err = await readNiftiFrom(new File([bomb], "bomb.nii.gz")).catch((e: unknown) => e);
      expect(isSegentropyError(err), String(err).slice(0, 200)).toBe(true);
      expect(String((err as Error).message)).toMatch(/^bomb\.nii\.gz: gzip stream: expected 12352 bytes once inflated/);
      expect(largestPiece).toBeGreaterThan(0);
      expect(largestPiece).toBeLessThanOrEqual(65536);
    } finally {
      globalThis.DecompressionStream = Real;
    }
  });

  it("rejects a failed fetch with its status", async () => {
    const err = await readProbabilitiesFrom(new Response("nope", { status: 404, statusText: "Not Found" })).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/HTTP response: expected status 200, found 404 Not Found/);
  });

  it.runIf(inBrowser)("compiles the inlined wasm asynchronously on the main thread and accepts init({ module })", async () => {
    // already initialised by beforeAll (async compile of the embedded base64); a caller's module is
    // accepted too: the package's own build/entropy.wasm is the embedded kernel, so passing it while
    // that runs is a no-op; a module that is not the kernel is refused (not kept silently)
    const wasm = await fetch("/build/entropy.wasm");
    expect(wasm.ok).toBe(true);
    const mod = await WebAssembly.compile(await wasm.arrayBuffer());
    await expect(init({ module: mod })).resolves.toBeUndefined();
    const refused = await init({ module: await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])) }).catch((e: unknown) => e);
    expect(isSegentropyError(refused) && refused.field).toBe("module");
    reset();
    await expect(init({ module: mod })).resolves.toBeUndefined();
    await expect(init({ module: mod })).resolves.toBeUndefined();
    expect(WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))).toBe(true);
  });
});
