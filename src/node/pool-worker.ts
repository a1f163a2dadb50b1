/** Node worker_threads script of the entropy pool (see src/kernel/pool.ts). */
import { parentPort } from "node:worker_threads";
import { poolWorkerHandler } from "../kernel/pool-worker.js";
import type { PoolRequest } from "../kernel/pool.js";
import { fileSlabSource } from "./npy-stream.js";

const port = parentPort;
if (port) {
  const handle = poolWorkerHandler((reply, transfer) => port.postMessage(reply, transfer as never), fileSlabSource);
  port.on("message", (msg: PoolRequest) => { void handle(msg); });
}
