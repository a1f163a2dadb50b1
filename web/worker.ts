/**
 * The demo's Web Worker: all reading, inflating, entropy computation and gzip happen here, so the
 * page never freezes. The message logic is in worker-core.ts.
 */
import { createWorkerHandler } from "./worker-core.js";
import type { Request } from "./protocol.js";

const handle = createWorkerHandler((m, transfer = []) => (self as unknown as Worker).postMessage(m, transfer));
self.onmessage = (ev: MessageEvent<Request>) => { void handle(ev.data); };
