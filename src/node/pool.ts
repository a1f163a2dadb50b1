/** The entropy worker pool on Node worker_threads. */
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { EntropyPool } from "../kernel/pool.js";
import type { PoolOptions, PoolReply } from "../kernel/pool.js";
import { describeValue, fail, refuseUnknownKeys } from "../errors.js";

/** Default worker count: the cores this process may use, at most 8. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/**
 * Starts `threads` worker threads, each with its own instance of the kernel module that `init()`
 * compiled (call `await init()` first). Reuse the pool across volumes; `close()` it when done.
 */
export async function createNodePool(options: PoolOptions & { workerUrl?: URL } = {}): Promise<EntropyPool> {
  if (typeof options !== "object" || options === null) fail({ file: "options", field: "createNodePool options", expected: "{ threads?, batchBytes?, workerUrl? } or nothing", found: describeValue(options) });
  // a misspelt key ({ threds: 1 }) would start the default count without a word
  refuseUnknownKeys(options, ["threads", "batchBytes", "workerUrl"], "options");
  // workerUrl: for running from the TypeScript sources (tests), point at the built script
  const url = options.workerUrl ?? new URL("./pool-worker.js", import.meta.url);
  return EntropyPool.start(() => {
    const w = new Worker(url);
    return {
      post: (msg, transfer) => w.postMessage(msg, transfer as never),
      listen: (onMessage, onError) => {
        w.on("message", (m: PoolReply) => onMessage(m));
        w.on("error", onError);
        w.on("exit", (code) => { if (code !== 0) onError(new Error(`exited with code ${code}`)); });
      },
      terminate: () => { void w.terminate(); },
      hold: (busy) => { if (busy) w.ref(); else w.unref(); },
    };
  }, { threads: options.threads ?? defaultThreads(), ...(options.batchBytes !== undefined ? { batchBytes: options.batchBytes } : {}) });
}
