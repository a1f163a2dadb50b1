/**
 * An optional pool of worker threads (Node worker_threads or browser Web Workers) that runs the
 * slabs of one volume in parallel. Host-neutral: the Node and browser entries only supply a
 * factory for `PoolWorker`s.
 *
 * Two ways to hand out the work:
 * - shared: the volume lives in a SharedArrayBuffer (Node, cross-origin-isolated pages). Workers
 *   take slab indices from an atomic counter, read their slabs straight from the shared input and
 *   write the map into a shared output. No copies besides the one into each wasm memory.
 * - transfer: anything else. The main thread fills batches of slabs into ArrayBuffers it transfers
 *   to the workers, which send the results back the same way.
 *
 * Either way the slabs are cut exactly as the single-thread `streamEntropy` cuts them, every worker
 * instantiates the same compiled module, and the per-slab statistics are merged in slab order, so
 * the map and every statistic are bit-identical to `computeEntropySync`.
 */
import type { EntropyOptions, EntropyResult, KernelStats, SlabPlan, SlabSource } from "./entropy.js";
import { checkSourceRange, checkVolumeCall, emptyStats, fillSlab, refuseAsyncFill, finishResult, mergeStats, planSlabs, resultArrays, slabCount, volumeSource, withoutOutputs } from "./entropy.js";
import { emptyRange64, mergeRange64, scanRange64 } from "../layout/range64.js";
import { currentModule } from "./wasm.js";
import type { ProbVolume } from "../layout/volume.js";
import { gridDims, planKernel } from "../layout/volume.js";
import type { NativeDType } from "./abi.js";
import { SegentropyError, describeValue, fail } from "../errors.js";
import type { ErrorDetails } from "../errors.js";

/** Numbers per slab in a packed statistics array. */
export const STATS_FIELDS = 14;

export function packStats(s: KernelStats, into: Float64Array, at: number): void {
  const o = at * STATS_FIELDS;
  into[o] = s.total; into[o + 1] = s.nZeroSum; into[o + 2] = s.nNaN; into[o + 3] = s.minValue;
  into[o + 4] = s.maxValue; into[o + 5] = s.minSum; into[o + 6] = s.maxSum; into[o + 7] = s.maxEntropy;
  const r = s.range64;
  into[o + 8] = r ? 1 : 0;
  if (r) { into[o + 9] = r.min64; into[o + 10] = r.max64; into[o + 11] = r.overRange; into[o + 12] = r.damaged; into[o + 13] = r.healthy; }
}

export function unpackStats(from: Float64Array, at: number): KernelStats {
  const o = at * STATS_FIELDS;
  const s: KernelStats = { total: from[o]!, nZeroSum: from[o + 1]!, nNaN: from[o + 2]!, minValue: from[o + 3]!, maxValue: from[o + 4]!, minSum: from[o + 5]!, maxSum: from[o + 6]!, maxEntropy: from[o + 7]! };
  if (from[o + 8] === 1) s.range64 = { min64: from[o + 9]!, max64: from[o + 10]!, overRange: from[o + 11]!, damaged: from[o + 12]!, healthy: from[o + 13]! };
  return s;
}

/** The statistics of `count` packed slabs, merged in slab order (as streamEntropy merges them). */
function mergePacked(stats: Float64Array, count: number): KernelStats {
  const acc = emptyStats();
  for (let i = 0; i < count; i++) mergeStats(acc, unpackStats(stats, i));
  return acc;
}

/** What a transferred batch of slabs holds: enough to rebuild the slab plan in the worker. */
export interface BatchSource {
  classes: number;
  voxels: number;
  interleaved: boolean;
  /** Native element type of the bytes, or null for f32 values. */
  native: { dtype: NativeDType; slope: number; inter: number } | null;
}

/**
 * What the workers of a shared run read: a volume in shared memory, or a source each worker opens
 * itself through its host's `openSource` hook (Node: a file read slab by slab).
 */
export type SourceDescriptor =
  | { kind: "volume"; volume: ProbVolume }
  | {
    kind: "file"; path: string; dataOffset: number;
    /** The element type stored in the file, and the type the kernel reads (`native`: the raw bytes). */
    storedDType: string; dtype: NativeDType; native: boolean;
    classes: number; voxels: number; interleaved: boolean; slope: number; inter: number;
  };

export type FileDescriptor = Extract<SourceDescriptor, { kind: "file" }>;

export type PoolRequest =
  | { type: "init"; module: WebAssembly.Module }
  | {
    type: "shared"; id: number; source: SourceDescriptor; options: EntropyOptions;
    counter: Int32Array; out: Float32Array; labels: Int32Array | null; stats: Float64Array;
  }
  | { type: "batch"; id: number; source: BatchSource; options: EntropyOptions; first: number; last: number; data: ArrayBuffer };

export type PoolReply =
  | { type: "ready" }
  | { type: "done"; id: number }
  | { type: "batch"; id: number; first: number; last: number; entropy: ArrayBuffer; labels: ArrayBuffer | null; stats: Float64Array }
  | { type: "error"; id: number; message: string; details?: ErrorDetails };

/** The host's worker, reduced to what the pool needs. */
export interface PoolWorker {
  post(message: PoolRequest, transfer: Transferable[]): void;
  /** Registers the one message handler. */
  listen(onMessage: (reply: PoolReply) => void, onError: (error: unknown) => void): void;
  terminate(): void;
  /** Whether an idle worker may let the process exit (Node's Worker ref/unref; no-ops elsewhere):
   *  the pool holds the process only while a computation is open. */
  hold?(busy: boolean): void;
}

export interface PoolOptions {
  /** Worker count. Default: 2. */
  threads?: number;
  /** Voxels per transferred batch are chosen so a batch holds about this many input bytes (default 4 MiB). */
  batchBytes?: number;
}

/** More workers than this only cost memory (each holds a V8 isolate and a kernel instance). */
export const MAX_THREADS = 64;

const canShare = typeof SharedArrayBuffer !== "undefined";
function isShared(a: ArrayBufferView): boolean {
  return canShare && a.buffer instanceof SharedArrayBuffer;
}

/** A computation's map and labels in voxel memory order, and the arrays the result goes into. */
interface MemoryOrderResult {
  map: Float32Array;
  labels: Int32Array | undefined;
  stats: KernelStats;
  into: { map: Float32Array; labels: Int32Array | undefined };
}

export class EntropyPool {
  private readonly workers: PoolWorker[];
  /** The open computations by id: what to do with a reply, and how to reject it. */
  private readonly open = new Map<number, { reply: (w: number, reply: PoolReply) => void; fail: (err: Error) => void }>();
  private nextId = 1;
  /** Why new work is refused: a dead worker, or close(). */
  private broken: Error | undefined;
  private closed = false;
  private readonly batchBytes: number;

  private constructor(workers: PoolWorker[], batchBytes: number) {
    this.workers = workers;
    this.batchBytes = batchBytes;
  }

  /** Starts the workers and instantiates the current kernel module in each (paid once per pool). */
  static async start(factory: (index: number) => PoolWorker, options: PoolOptions = {}): Promise<EntropyPool> {
    const threads = options.threads ?? 2;
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) fail({ file: "options", field: "threads", expected: `an integer from 1 to ${MAX_THREADS}`, found: typeof threads === "number" ? String(threads) : describeValue(threads) });
    const bb: unknown = options.batchBytes;
    if (bb !== undefined && !(typeof bb === "number" && Number.isFinite(bb) && bb > 0)) fail({ file: "options", field: "batchBytes", expected: "a number of bytes > 0", found: typeof bb === "number" ? String(bb) : describeValue(bb) });
    const module = currentModule();
    const workers = Array.from({ length: threads }, (_, i) => factory(i));
    const pool = new EntropyPool(workers, options.batchBytes ?? 4 * 1024 * 1024);
    const ready = workers.map((w, i) => new Promise<void>((resolve, reject) => {
      w.listen((reply) => {
        if (reply.type === "ready") { resolve(); return; }
        if (reply.type === "error" && reply.id === 0) { reject(workerError(reply)); return; }
        pool.dispatch(i, reply);
      }, (err) => { reject(pool.fault(err)); });
      w.post({ type: "init", module }, []);
    }));
    try {
      await Promise.all(ready);
    } catch (err) {
      pool.close();
      throw err;
    }
    pool.hold(false);
    return pool;
  }

  private hold(busy: boolean): void {
    for (const w of this.workers) w.hold?.(busy);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Hands a reply to its computation; replies that arrive after close() or after their
   *  computation failed (queued message events) are dropped. */
  private dispatch(worker: number, reply: PoolReply): void {
    if (this.closed || reply.type === "ready") return;
    const open = this.open.get(reply.id);
    if (!open) return;
    if (reply.type === "error") open.fail(workerError(reply));
    else open.reply(worker, reply);
  }

  /** A worker died: every open computation fails, and so does every later one. */
  private fault(err: unknown): Error {
    const message = err instanceof Error ? err.message : String(err);
    const error = new SegentropyError({ file: "segentropy", field: "pool worker", expected: "a running worker", found: message }, { cause: err });
    if (this.closed) return error; // terminate() ends Node workers with exit code 1: not a fault
    this.broken = error;
    for (const open of [...this.open.values()]) open.fail(error);
    return error;
  }

  /** Computes the entropy map of a whole volume on the workers; same result as computeEntropySync. */
  async computeEntropy(vol: ProbVolume, options: EntropyOptions = {}): Promise<EntropyResult> {
    if (this.broken) throw this.broken;
    checkVolumeCall(vol, options);
    const plan = planKernel(vol);
    const source = volumeSource(vol);
    const sharedInput = canShare && (plan.layout === "planar" ? plan.planes.every(isShared) : isShared(plan.buffer));
    const slabs = planSlabs(source, options);
    const permuted = plan.memoryToGrid !== null;
    const mem = sharedInput ? await this.runShared({ kind: "volume", volume: vol }, options, slabs, permuted) : await this.runBatches(source, options, slabs, permuted);
    checkSourceRange(mem.stats, vol.name, options.kind, slabs.voxels, source.values64?.scaled ?? false);
    return finishResult(mem.map, mem.labels, gridDims(vol), plan.memoryToGrid, plan.classes, options, mem.stats, mem.into);
  }

  /**
   * Computes the entropy map of a file that each worker opens and reads slab by slab itself (the
   * host's worker script supplies the reader); nothing is read on this thread.
   */
  async computeOpened(descriptor: FileDescriptor, dims: number[], memoryToGrid: number[] | null, options: EntropyOptions = {}): Promise<EntropyResult> {
    if (this.broken) throw this.broken;
    const shape = {
      classes: descriptor.classes, voxels: descriptor.voxels, interleaved: descriptor.interleaved,
      ...(descriptor.native ? { raw: { dtype: descriptor.dtype, slope: descriptor.slope, inter: descriptor.inter, fill() {} } } : {}),
    };
    const slabs = planSlabs(shape, options, descriptor.path);
    const mem = await this.runShared(descriptor, options, slabs, memoryToGrid !== null);
    checkSourceRange(mem.stats, descriptor.path, options.kind, slabs.voxels, descriptor.slope !== 1 || descriptor.inter !== 0);
    return finishResult(mem.map, mem.labels, dims, memoryToGrid, descriptor.classes, options, mem.stats, mem.into);
  }

  /**
   * One computation: `start` posts its first messages, `onReply` handles each reply until it calls
   * `finish`. It is settled once: by `finish`, an error reply, a dead worker or close().
   */
  private request(onReply: (worker: number, reply: PoolReply, finish: (err?: Error) => void) => void, start: (id: number, finish: (err?: Error) => void) => void): Promise<void> {
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      const finish = (err?: Error) => {
        if (!this.open.delete(id)) return;
        if (this.open.size === 0 && !this.closed) this.hold(false);
        if (err) reject(err); else resolve();
      };
      // what throws here (a source that cannot fill the next batch) fails this computation alone
      const guard = (f: () => void) => {
        try { f(); } catch (err) { finish(err instanceof Error ? err : new Error(String(err))); }
      };
      if (this.open.size === 0) this.hold(true);
      this.open.set(id, { reply: (w, reply) => guard(() => onReply(w, reply, finish)), fail: finish });
      guard(() => start(id, finish));
    });
  }

  /**
   * The workers write the map in memory order: straight into the caller's arrays when they are
   * shared and the layout needs no permutation, else into shared ones that are copied (or, with a
   * permutation, permuted by finishResult) into `into` at the end.
   */
  private async runShared(source: SourceDescriptor, options: EntropyOptions, slabs: SlabPlan, permuted: boolean): Promise<MemoryOrderResult> {
    const n = slabs.voxels;
    const count = slabCount(slabs);
    const newMap = (k: number) => new Float32Array(new SharedArrayBuffer(k * 4));
    const newLabels = (k: number) => new Int32Array(new SharedArrayBuffer(k * 4));
    // the caller's arrays are checked as computeEntropySync checks them
    const into = resultArrays(options, n, permuted ? undefined : { map: newMap, labels: newLabels });
    const given = into.map, givenLabels = into.labels;
    const out = isShared(given) && !permuted ? given : newMap(n);
    const labels = !givenLabels ? null : isShared(givenLabels) && !permuted ? givenLabels : newLabels(n);
    options = withoutOutputs(options);
    const stats = new Float64Array(new SharedArrayBuffer(count * STATS_FIELDS * 8));
    const counter = new Int32Array(new SharedArrayBuffer(4));
    let pending = this.workers.length;
    await this.request((_w, reply, finish) => {
      if (reply.type === "done" && --pending === 0) finish();
    }, (id) => {
      for (const w of this.workers) w.post({ type: "shared", id, source, options, counter, out, labels, stats }, []);
    });
    if (permuted) return { map: out, labels: labels ?? undefined, stats: mergePacked(stats, count), into };
    if (given !== out) given.set(out);
    if (givenLabels && labels && givenLabels !== labels) givenLabels.set(labels);
    return { map: given, labels: givenLabels, stats: mergePacked(stats, count), into };
  }

  private async runBatches(source: SlabSource, options: EntropyOptions, slabs: SlabPlan, permuted: boolean): Promise<MemoryOrderResult> {
    const count = slabCount(slabs);
    const into = resultArrays(options, slabs.voxels);
    const map = permuted ? new Float32Array(slabs.voxels) : into.map;
    const labels = into.labels && permuted ? new Int32Array(slabs.voxels) : into.labels;
    options = withoutOutputs(options);
    const stats = new Float64Array(count * STATS_FIELDS);
    const slabBytes = slabs.classes * slabs.slab * slabs.elementBytes;
    const perBatch = Math.max(1, Math.floor(this.batchBytes / slabBytes));
    const batchSource: BatchSource = {
      classes: slabs.classes, voxels: slabs.voxels, interleaved: slabs.interleaved,
      native: slabs.native && source.raw ? { dtype: slabs.native, slope: source.raw.slope, inter: source.raw.inter } : null,
    };
    let next = 0;
    let inFlight = 0;
    const workers = this.workers;
    // values float32 cannot hold are looked at here, in float64, before the batch is narrowed
    // (natively read float64 in the batch itself)
    const values64 = source.values64;
    const range64 = emptyRange64();
    const scratch64 = values64 && slabs.native !== "float64" ? new Float64Array(slabs.classes * slabs.slab) : undefined;
    await this.request((w, reply, finish) => {
      if (reply.type === "done") { finish(); return; }
      if (reply.type !== "batch") return;
      const v0 = reply.first * slabs.slab;
      const h = new Float32Array(reply.entropy);
      map.set(h, v0);
      if (labels && reply.labels) labels.set(new Int32Array(reply.labels), v0);
      stats.set(reply.stats, reply.first * STATS_FIELDS);
      inFlight--;
      if (next < count) send(w, reply.id);
      else if (inFlight === 0) finish();
    }, (id, finish) => {
      // two batches in flight per worker: one computing, one queued
      for (let k = 0; k < 2; k++) for (let w = 0; w < this.workers.length && next < count; w++) send(w, id);
      if (count === 0) finish();
    });

    function fillBatch(first: number, last: number): ArrayBuffer {
      const buf = new ArrayBuffer((last - first) * slabBytes);
      for (let i = first; i < last; i++) {
        const v0 = i * slabs.slab;
        const n = Math.min(slabs.slab, slabs.voxels - v0);
        fillSlab(source, slabs, new Uint8Array(buf, (i - first) * slabBytes, slabBytes), v0, n);
        if (values64) {
          const stride = slabs.interleaved ? n : slabs.slab;
          if (scratch64) refuseAsyncFill(values64.fill(scratch64, v0, n, stride) as unknown, "values64.fill");
          scanRange64(range64, scratch64 ?? new Float64Array(buf, (i - first) * slabBytes, slabs.classes * slabs.slab), slabs.classes, n, stride, slabs.interleaved, slabs.kind === "softmax");
        }
      }
      return buf;
    }
    function send(w: number, id: number): void {
      const first = next;
      const last = Math.min(count, first + perBatch);
      next = last;
      inFlight++;
      const data = fillBatch(first, last);
      workers[w]!.post({ type: "batch", id, source: batchSource, options, first, last, data }, [data]);
    }

    const merged = mergePacked(stats, count);
    if (values64) mergeRange64(merged.range64 ??= emptyRange64(), range64);
    return { map, labels, stats: merged, into };
  }

  /**
   * Stops the workers. Every computation still open rejects at once (workers in browsers report
   * nothing when terminated), replies still on their way are ignored, and later calls are refused.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.broken = closedError("a closed pool");
    const during = closedError("closed during the computation");
    for (const open of [...this.open.values()]) open.fail(during);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}

function closedError(found: string): SegentropyError {
  return new SegentropyError({ file: "segentropy", field: "pool", expected: "an open pool", found, hint: "start a new pool to compute more" });
}

/** The error a worker reported: its SegentropyError, or what it threw otherwise. */
function workerError(reply: Extract<PoolReply, { type: "error" }>): SegentropyError {
  return new SegentropyError(reply.details ?? { file: "segentropy", field: "pool worker", expected: "a computation without errors", found: reply.message });
}
