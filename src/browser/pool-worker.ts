/** Web Worker script of the entropy pool (see src/kernel/pool.ts). Bundled into one classic
 *  script at build time and embedded in pool-worker.generated.ts, so no bundler or server has to
 *  locate it. */
import { poolWorkerHandler } from "../kernel/pool-worker.js";
import type { PoolRequest } from "../kernel/pool.js";

const scope = self as unknown as { postMessage(m: unknown, t: Transferable[]): void; onmessage: ((ev: MessageEvent<PoolRequest>) => void) | null };
const handle = poolWorkerHandler((reply, transfer) => scope.postMessage(reply, transfer));
scope.onmessage = (ev) => { void handle(ev.data); };
