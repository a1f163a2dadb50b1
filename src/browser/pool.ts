/** The entropy worker pool on Web Workers. */
import { EntropyPool } from "../kernel/pool.js";
import type { PoolOptions, PoolReply } from "../kernel/pool.js";
import { poolWorkerSource } from "./pool-worker.generated.js";
import type { ProbVolume } from "../layout/volume.js";
import type { RawArray } from "../layout/dtype.js";
import { describeValue, fail, refuseUnknownKeys } from "../errors.js";

export interface BrowserPoolOptions extends PoolOptions {
  /** URL of a worker script that runs src/browser/pool-worker.ts, for pages whose CSP forbids
   *  blob: workers. Default: the embedded script. */
  workerUrl?: string | URL;
}

/**
 * Starts `threads` Web Workers (default: navigator.hardwareConcurrency, at most 8), each with its
 * own instance of the kernel module that `init()` compiled. Volumes backed by a SharedArrayBuffer
 * (see `shareVolume`; needs a cross-origin-isolated page) are read by the workers in place;
 * others are sent in transferred slabs.
 */
export async function createBrowserPool(options: BrowserPoolOptions = {}): Promise<EntropyPool> {
  // Node and worklets have no Web Workers: a bare "Worker is not defined" would say nothing
  if (typeof Worker === "undefined") {
    fail({ file: "createBrowserPool", field: "Worker", expected: "a host with Web Workers (a browser page or worker)", found: "none", hint: "in Node use createNodePool, or computeEntropySync" });
  }
  if (typeof options === "object" && options !== null) refuseUnknownKeys(options, ["threads", "batchBytes", "workerUrl"], "options");
  const cores = typeof navigator !== "undefined" && navigator.hardwareConcurrency ? navigator.hardwareConcurrency : 2;
  let url: string | URL | undefined = options.workerUrl;
  let revoke: string | undefined;
  if (!url) {
    revoke = URL.createObjectURL(new Blob([poolWorkerSource], { type: "text/javascript" }));
    url = revoke;
  }
  try {
    return await EntropyPool.start(() => {
      const w = new Worker(url!);
      return {
        post: (msg, transfer) => w.postMessage(msg, transfer),
        listen: (onMessage, onError) => {
          w.onmessage = (ev: MessageEvent<PoolReply>) => onMessage(ev.data);
          w.onerror = (ev) => onError(new Error(ev.message || "worker error"));
        },
        terminate: () => w.terminate(),
      };
    }, { threads: options.threads ?? Math.min(8, cores), ...(options.batchBytes ? { batchBytes: options.batchBytes } : {}) });
  } finally {
    if (revoke) URL.revokeObjectURL(revoke);
  }
}

/** True when this page may share memory with workers (cross-origin isolated). */
export function canShareMemory(): boolean {
  return typeof SharedArrayBuffer !== "undefined" && (typeof crossOriginIsolated === "undefined" || crossOriginIsolated);
}

/**
 * A copy of `vol` whose data lives in SharedArrayBuffers, so that pool workers read it in place.
 * Refused with a SegentropyError where memory cannot be shared (check canShareMemory() first).
 */
export function shareVolume(vol: ProbVolume): ProbVolume {
  if (!canShareMemory()) {
    fail({
      file: "shareVolume", field: "SharedArrayBuffer", expected: "a cross-origin-isolated page (canShareMemory() true)",
      found: typeof SharedArrayBuffer === "undefined" ? "none: SharedArrayBuffer is not defined here" : "a page that is not cross-origin isolated",
      hint: "serve the page with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, check canShareMemory() first, or pass the volume as it is",
    });
  }
  if (vol === null || typeof vol !== "object" || (!ArrayBuffer.isView(vol.data) && !Array.isArray(vol.data))) {
    fail({ file: "shareVolume", field: "volume", expected: "a ProbVolume object with typed-array data", found: vol === null || typeof vol !== "object" ? describeValue(vol) : `data ${describeValue(vol.data)}` });
  }
  const share = (a: RawArray): RawArray => {
    const ctor = a.constructor as new (b: SharedArrayBuffer) => RawArray;
    const out = new ctor(new SharedArrayBuffer(a.byteLength));
    out.set(a as never);
    return out;
  };
  return { ...vol, data: Array.isArray(vol.data) ? (vol.data as readonly RawArray[]).map(share) : share(vol.data as RawArray) };
}
