/**
 * The demo page's worker (web/worker-core.ts, run here in Node with the real pipeline): hover
 * probes are answered from the run whose map the page shows. Two files are loaded one after the
 * other and the first run finishes last (held back below, as a larger file would be): its result
 * is dropped, and probes name the shown run and get that file's probabilities, never the other's.
 * Expected probabilities are the values written into the test's own .npy files.
 */
import { describe, expect, it } from "vitest";
import { runPipeline } from "../src/index.js";
import { createWorkerHandler } from "../web/worker-core.js";
import type { ProbeMessage, Reply, Request } from "../web/protocol.js";

const H = 3, W = 4;

/** A float32 (2, H, W) .npy in C order, class 1 = p1(row, col), class 0 = 1 - p1. */
function npyFile(name: string, p1: (row: number, col: number) => number): File {
  const data = new Float32Array(2 * H * W);
  for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) {
    data[H * W + r * W + c] = p1(r, c);
    data[r * W + c] = 1 - p1(r, c);
  }
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (2, ${H}, ${W}), }`;
  header += " ".repeat(63 - ((10 + header.length) % 64)) + "\n"; // total header length a multiple of 64
  const head = new Uint8Array(10 + header.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  head.set(new TextEncoder().encode(header), 10);
  return new File([head, new Uint8Array(data.buffer)], name);
}

// file A: 0.9 / 0.1 everywhere; file B: class 1 = (row * W + col + 1) / 16 (exact in float32)
const fileA = npyFile("a.npy", () => 0.1);
const fileB = npyFile("b.npy", (r, c) => (r * W + c + 1) / 16);
const run = (id: number, file: File): Request => ({ type: "run", id, probs: [file], unit: "bits" });

function worker(holdBack?: File): { handle: (m: Request) => Promise<void>; posts: Reply[]; release: () => void } {
  const posts: Reply[] = [];
  let release = () => {};
  const held = new Promise<void>((resolve) => { release = resolve; });
  const handle = createWorkerHandler((m) => { posts.push(m); }, async (inputs, progress) => {
    const r = await runPipeline(inputs, progress);
    if (inputs.probabilities === holdBack) await held;
    return r;
  });
  return { handle, posts, release };
}

async function probe(w: ReturnType<typeof worker>, id: number, runId: number, ijk: [number, number, number]): Promise<ProbeMessage> {
  await w.handle({ type: "probe", id, run: runId, ijk });
  const m = w.posts.at(-1)!;
  expect(m.type).toBe("probe");
  return m as ProbeMessage;
}

describe("demo worker: hover probes come from the run shown", () => {
  it("a second file loaded while the first runs: the first's late result is dropped, probes get the second file's values", async () => {
    const w = worker(fileA);
    const first = w.handle(run(1, fileA));
    const second = w.handle(run(2, fileB));
    await second;
    w.release();
    await first;
    // voxel (i = col 1, j = row 2): class 1 = (2 * 4 + 1 + 1) / 16
    const m = await probe(w, 1, 2, [1, 2, 0]);
    expect(m.probabilities).toHaveLength(2);
    expect(m.probabilities![1]).toBeCloseTo(10 / 16, 6);
    expect(m.probabilities![0]).toBeCloseTo(6 / 16, 6);
    expect(m.run).toBe(2);
    expect(w.posts.filter((m) => m.type === "result" || m.type === "error").map((m) => [m.type, m.id])).toEqual([["result", 2]]);
    // a probe naming the superseded run is not answered with values
    const stale = await probe(w, 2, 1, [1, 2, 0]);
    expect(stale).toMatchObject({ run: null, values: null, probabilities: null });
  });

  it("files loaded one after the other: each probe is answered from the run it names", async () => {
    const w = worker();
    await w.handle(run(1, fileB));
    expect((await probe(w, 1, 1, [3, 0, 0])).probabilities![1]).toBeCloseTo(4 / 16, 6);
    await w.handle(run(2, fileA));
    const m = await probe(w, 2, 2, [3, 0, 0]);
    expect(m.run).toBe(2);
    expect(m.probabilities![1]).toBeCloseTo(0.1, 6);
    expect(m.probabilities![0]).toBeCloseTo(0.9, 6);
    expect(await probe(w, 3, 1, [3, 0, 0])).toMatchObject({ run: null, values: null });
  });

  it("a run superseded before it fails posts no error", async () => {
    const w = worker();
    const bad = new File([new Uint8Array([1, 2, 3])], "a.npy");
    const first = w.handle(run(1, bad));
    await w.handle(run(2, fileB));
    w.release();
    await first;
    expect(w.posts.filter((m) => m.type === "result" || m.type === "error").map((m) => [m.type, m.id])).toEqual([["result", 2]]);
  });
});
