/**
 * Streams a probability volume through the wasm kernel in bounded slabs and collects the
 * per-voxel entropy map, optional labels and the volume statistics (totals in f64).
 */
import { KIND_CODE, STATS, STATS_BYTES } from "./abi.js";
import { arenaStart, dataView, ensureMemory, f32View, i32View, kernelExports, MAX_WASM_BYTES } from "./wasm.js";
import { decodeInto } from "./decode.js";
import type { ProbVolume } from "../layout/volume.js";
import { planKernel, gridDims, permuteToGrid } from "../layout/volume.js";

/** How the class values are to be read. */
export type Kind = "softmax" | "logits" | "sigmoid" | "tissue";
/** Output unit: bits (log2, default), nats (ln), or normalised to [0, 1] by the maximum entropy. */
export type Unit = "bits" | "nats" | "normalized";

export interface EntropyOptions {
  /** Input semantics. Default "softmax": renormalise each voxel by its class sum. */
  kind?: Kind;
  /** Default "bits". */
  unit?: Unit;
  /** Also compute the per-voxel label (argmax, or the nnU-Net region rule for sigmoid). Default false. */
  labels?: boolean;
  /** Sigmoid kind: the label each channel paints (nnU-Net regions_class_order). Default 1..C. */
  regionLabels?: readonly number[];
  /** Bytes of wasm memory a slab may use. Default 16 MiB; at most 60 MiB. */
  slabBytes?: number;
}

/** Statistics gathered by the kernel while streaming. */
export interface KernelStats {
  /** Sum of finite entropies in the chosen unit, accumulated in f64. */
  total: number;
  /** Voxels whose class vector is all zero (softmax kind): entropy 0. */
  nZeroSum: number;
  /** Voxels with NaN in any class: entropy NaN, left out of totals. */
  nNaN: number;
  /** Smallest and largest decoded input value (NaN ignored). */
  minValue: number;
  maxValue: number;
  /** Smallest positive and largest class sum (softmax kind). */
  minSum: number;
  maxSum: number;
  /** Largest finite entropy. */
  maxEntropy: number;
}

/**
 * A source of class values, one slab at a time. `fill` writes voxels [v0, v0 + n): planar sources
 * put class c of voxel v0 + i at dst[c * stride + i]; interleaved ones put n * classes values,
 * class fastest. This is also the streaming API for volumes too large to hold in memory.
 */
export interface SlabSource {
  classes: number;
  voxels: number;
  interleaved: boolean;
  fill(dst: Float32Array, v0: number, n: number, stride: number): void;
}

/** Receives each slab's results; the views are only valid during the call. */
export type SlabSink = (v0: number, entropy: Float32Array, labels: Int32Array | undefined) => void;

/** The factor that turns bits into the requested unit. */
export function unitScale(kind: Kind, unit: Unit, classes: number): number {
  if (unit === "bits") return 1;
  if (unit === "nats") return Math.LN2;
  if (kind === "sigmoid") return 1 / classes; // each channel's binary entropy is at most 1 bit
  const effective = kind === "tissue" ? classes + 1 : classes;
  return effective > 1 ? 1 / Math.log2(effective) : 1;
}

/** The largest entropy possible for this kind and class count, in the requested unit. */
export function maxEntropy(kind: Kind, unit: Unit, classes: number): number {
  const bits = kind === "sigmoid" ? classes : Math.log2(kind === "tissue" ? classes + 1 : classes);
  return bits * unitScale(kind, unit, classes);
}

/** Streams `source` through the kernel. The wasm memory stays below MAX_WASM_BYTES. */
export function streamEntropy(source: SlabSource, options: EntropyOptions, sink: SlabSink): KernelStats {
  const ex = kernelExports();
  const kind = options.kind ?? "softmax";
  const unit = options.unit ?? "bits";
  const C = source.classes;
  const wantLabels = options.labels ?? false;
  const budget = Math.min(options.slabBytes ?? 16 * 1024 * 1024, MAX_WASM_BYTES - 4 * 1024 * 1024);
  // bytes per voxel: planar input, interleaved staging, entropy out, labels out
  const perVoxel = 4 * (C * (source.interleaved ? 2 : 1) + 1 + (wantLabels ? 1 : 0));
  let slab = Math.floor(budget / perVoxel) & ~3;
  slab = Math.max(4, Math.min(slab, (source.voxels + 3) & ~3));

  const base = arenaStart();
  const inPtr = base;
  const stagePtr = inPtr + C * slab * 4;
  const outPtr = stagePtr + (source.interleaved ? C * slab * 4 : 0);
  const labelPtr = outPtr + slab * 4;
  const regionPtr = labelPtr + (wantLabels ? slab * 4 : 0);
  const statsPtr = (regionPtr + C * 4 + 15) & ~15;
  ensureMemory(statsPtr + STATS_BYTES);

  const regions = options.regionLabels ?? Array.from({ length: C }, (_, c) => c + 1);
  i32View(regionPtr, C).set(regions.slice(0, C));
  const code = KIND_CODE[kind];
  const scale = unitScale(kind, unit, C);

  ex.statsReset();
  for (let v0 = 0; v0 < source.voxels; v0 += slab) {
    const n = Math.min(slab, source.voxels - v0);
    if (source.interleaved) {
      source.fill(f32View(stagePtr, n * C), v0, n, n);
      ex.deinterleave(stagePtr, C, n, inPtr);
    } else {
      source.fill(f32View(inPtr, C * slab), v0, n, slab);
    }
    const stride = source.interleaved ? n : slab;
    ex.entropyPlanar(code, inPtr, C, n, stride, outPtr, scale);
    if (wantLabels) ex.labelsPlanar(code, inPtr, C, n, stride, labelPtr, regionPtr);
    sink(v0, f32View(outPtr, n), wantLabels ? i32View(labelPtr, n) : undefined);
  }
  ex.statsWrite(statsPtr);
  const dv = dataView();
  return {
    total: dv.getFloat64(statsPtr + STATS.total, true),
    nZeroSum: dv.getInt32(statsPtr + STATS.nZeroSum, true),
    nNaN: dv.getInt32(statsPtr + STATS.nNaN, true),
    minValue: dv.getFloat32(statsPtr + STATS.minValue, true),
    maxValue: dv.getFloat32(statsPtr + STATS.maxValue, true),
    minSum: dv.getFloat32(statsPtr + STATS.minSum, true),
    maxSum: dv.getFloat32(statsPtr + STATS.maxSum, true),
    maxEntropy: dv.getFloat32(statsPtr + STATS.maxEntropy, true),
  };
}

/** A SlabSource over a stored volume, decoding its dtype and scaling slab by slab. */
export function volumeSource(vol: ProbVolume): SlabSource {
  const plan = planKernel(vol);
  const { dtype, scale } = vol;
  if (plan.layout === "planar") {
    return {
      classes: plan.classes, voxels: plan.voxels, interleaved: false,
      fill(dst, v0, n, stride) {
        for (let c = 0; c < plan.classes; c++) decodeInto(dst, c * stride, plan.planes[c]!, v0, n, dtype, scale);
      },
    };
  }
  return {
    classes: plan.classes, voxels: plan.voxels, interleaved: true,
    fill(dst, v0, n) {
      decodeInto(dst, 0, plan.buffer, v0 * plan.classes, n * plan.classes, dtype, scale);
    },
  };
}

export interface EntropyResult {
  /** Per-voxel entropy, F order over `dims` (i fastest), NaN where the input has NaN. */
  map: Float32Array;
  /** Per-voxel label when requested (argmax; region rule for sigmoid; background = C for tissue). */
  labels: Int32Array | undefined;
  /** Grid dimensions (i, j, k). */
  dims: number[];
  classes: number;
  kind: Kind;
  unit: Unit;
  stats: KernelStats;
}

/** Computes the entropy map of a whole volume. Requires a prior `await init()`. */
export function computeEntropySync(vol: ProbVolume, options: EntropyOptions = {}): EntropyResult {
  const plan = planKernel(vol);
  const source = volumeSource(vol);
  const map = new Float32Array(plan.voxels);
  const labels = options.labels ? new Int32Array(plan.voxels) : undefined;
  const stats = streamEntropy(source, options, (v0, h, l) => {
    map.set(h, v0);
    if (labels && l) labels.set(l, v0);
  });
  const dims = gridDims(vol);
  const perm = plan.memoryToGrid;
  return {
    map: perm ? permuteToGrid(map, dims, perm) : map,
    labels: labels && perm ? permuteToGrid(labels, dims, perm) : labels,
    dims,
    classes: plan.classes,
    kind: options.kind ?? "softmax",
    unit: options.unit ?? "bits",
    stats,
  };
}

/** The streaming-read floor: the same slab path as streamEntropy (copy into wasm memory, one SIMD
 *  pass), but only summing the values. Used by the benchmarks; returns the f64 sum. */
export function streamSum(source: SlabSource, options: { slabBytes?: number } = {}): number {
  const ex = kernelExports();
  const C = source.classes;
  const budget = Math.min(options.slabBytes ?? 16 * 1024 * 1024, MAX_WASM_BYTES - 4 * 1024 * 1024);
  let slab = Math.floor(budget / (4 * C)) & ~3;
  slab = Math.max(4, Math.min(slab, (source.voxels + 3) & ~3));
  const inPtr = arenaStart();
  ensureMemory(inPtr + C * slab * 4);
  let sum = 0;
  for (let v0 = 0; v0 < source.voxels; v0 += slab) {
    const n = Math.min(slab, source.voxels - v0);
    source.fill(f32View(inPtr, C * slab), v0, n, source.interleaved ? n : slab);
    sum += ex.sumF32(inPtr, C * (source.interleaved ? n : slab));
  }
  return sum;
}
