/**
 * The worker side of EntropyPool, host-neutral: the Node and browser worker scripts feed it
 * messages and post its replies. Each worker owns one kernel instance of the pool's module.
 */
import type { BatchSource, FileDescriptor, PoolReply, PoolRequest } from "./pool.js";
import { packStats, STATS_FIELDS } from "./pool.js";
import type { SlabPlan, SlabSource } from "./entropy.js";
import { completeSource, planSlabs, runSlabs, slabCount, volumeSource } from "./entropy.js";
import { init } from "./wasm.js";
import { isSegentropyError } from "../errors.js";

/** Bytes of the output map one worker fills before it takes the next slabs (see the shared mode). */
const FAULT_REGION_BYTES = 2 * 1024 * 1024;

export type Post = (reply: PoolReply, transfer: Transferable[]) => void;
/** Opens a source the host knows how to read (Node: files); absent in browsers. */
export type OpenSource = (d: FileDescriptor) => SlabSource & { close?(): void };

/** Returns the message handler of one worker. */
export function poolWorkerHandler(post: Post, openSource?: OpenSource): (msg: PoolRequest) => Promise<void> {
  return async (msg) => {
    const id = msg.type === "init" ? 0 : msg.id;
    try {
      if (msg.type === "init") {
        await init({ module: msg.module });
        post({ type: "ready" }, []);
      } else if (msg.type === "shared") {
        let source: SlabSource & { close?(): void };
        if (msg.source.kind === "volume") source = volumeSource(msg.source.volume);
        else if (openSource) source = openSource(msg.source);
        else throw new Error(`this worker cannot open ${msg.source.kind} sources`);
        try {
          const plan = planSlabs(source, msg.options);
          const count = slabCount(plan);
          // Slabs are taken in runs that cover at least 2 MiB of the map: the first writes to a
          // fresh map fault its pages in, and two threads faulting pages of the same 2 MiB region
          // wait on one page-table lock (a fresh 64 MiB map cost 50 ms more with single slabs).
          const run = Math.max(1, Math.ceil(FAULT_REGION_BYTES / (plan.slab * 4)));
          for (;;) {
            const first = Atomics.add(msg.counter, 0, 1) * run;
            if (first >= count) break;
            runSlabs(source, plan, msg.options, first, Math.min(count, first + run), (index, v0, stats, h, l) => {
              msg.out.set(h, v0);
              if (msg.labels && l) msg.labels.set(l, v0);
              packStats(stats, msg.stats, index);
            });
          }
        } finally {
          source.close?.();
        }
        post({ type: "done", id: msg.id }, []);
      } else {
        const plan = planSlabs(describe(msg.source), msg.options);
        const source = batchSlabSource(msg.source, plan, msg.first, msg.data);
        const v0First = msg.first * plan.slab;
        const vEnd = Math.min(plan.voxels, msg.last * plan.slab);
        const entropy = new Float32Array(vEnd - v0First);
        const labels = plan.labels ? new Int32Array(vEnd - v0First) : null;
        const stats = new Float64Array((msg.last - msg.first) * STATS_FIELDS);
        runSlabs(source, plan, msg.options, msg.first, msg.last, (index, v0, s, h, l) => {
          entropy.set(h, v0 - v0First);
          if (labels && l) labels.set(l, v0 - v0First);
          packStats(s, stats, index - msg.first);
        });
        post({ type: "batch", id: msg.id, first: msg.first, last: msg.last, entropy: entropy.buffer, labels: labels ? labels.buffer : null, stats }, labels ? [entropy.buffer, labels.buffer] : [entropy.buffer]);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (isSegentropyError(err)) post({ type: "error", id, message, details: { file: err.file, field: err.field, expected: err.expected, found: err.found, ...(err.hint ? { hint: err.hint } : {}) } }, []);
      else post({ type: "error", id, message }, []);
    }
  };
}

/** What the slab plan depends on: the shape of the source, not its data. */
function describe(src: BatchSource): Pick<SlabSource, "classes" | "voxels" | "interleaved" | "raw"> {
  return {
    classes: src.classes, voxels: src.voxels, interleaved: src.interleaved,
    ...(src.native ? { raw: { dtype: src.native.dtype, slope: src.native.slope, inter: src.native.inter, fill() {} } } : {}),
  };
}

/** A SlabSource over one transferred batch: slab i of the plan is at (i - first) * slabBytes. */
function batchSlabSource(src: BatchSource, plan: SlabPlan, first: number, data: ArrayBuffer): SlabSource {
  const slabBytes = src.classes * plan.slab * plan.elementBytes;
  const at = (v0: number) => (Math.floor(v0 / plan.slab) - first) * slabBytes;
  return completeSource({
    classes: src.classes, voxels: src.voxels, interleaved: src.interleaved,
    fill(dst, v0) { dst.set(new Float32Array(data, at(v0), slabBytes / 4)); },
    ...(src.native ? {
      raw: { dtype: src.native.dtype, slope: src.native.slope, inter: src.native.inter, fill(dst: Uint8Array, v0: number) { dst.set(new Uint8Array(data, at(v0), slabBytes)); } },
    } : {}),
  });
}
