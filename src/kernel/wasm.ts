/**
 * The only file that touches WebAssembly memory. It compiles the embedded module once, owns one
 * instance, grows its memory to a bounded size, and hands out typed views that callers must
 * re-create after every call that may grow memory (growing detaches old views).
 */
import { wasmBase64, wasmRelaxedBase64 } from "./wasm.generated.js";
import type { KernelExports } from "./abi.js";
import { fail } from "../errors.js";

/** Hard ceiling on the kernel's linear memory: volumes stream through it in slabs. */
export const MAX_WASM_BYTES = 64 * 1024 * 1024;
const PAGE = 65536;

export interface InitOptions {
  /** A precompiled module or the raw .wasm bytes, for hosts that forbid compiling from a string. */
  module?: WebAssembly.Module | BufferSource;
  /**
   * Use the relaxed-SIMD build (fused multiply-add) when the runtime validates it (Chromium; Node
   * only with --experimental-wasm-relaxed-simd). Off by default: FMA rounds differently, so maps
   * would no longer be bit-identical across runtimes; the error bound (1e-6 bits) holds either way.
   */
  relaxedSimd?: boolean;
}

let compiled: Promise<WebAssembly.Module> | undefined;
let compiledRelaxed: Promise<WebAssembly.Module> | undefined;
let instance: KernelExports | undefined;
let instanceModule: WebAssembly.Module | undefined;

function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** True when this runtime validates the relaxed-SIMD build. */
export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(decodeBase64(wasmRelaxedBase64) as BufferSource);
  } catch {
    return false;
  }
}

/** The embedded module (compiled once per build kind). */
export function embeddedModule(relaxed = false): Promise<WebAssembly.Module> {
  if (relaxed) return (compiledRelaxed ??= WebAssembly.compile(decodeBase64(wasmRelaxedBase64) as BufferSource));
  return (compiled ??= WebAssembly.compile(decodeBase64(wasmBase64) as BufferSource));
}

/**
 * Compiles (once) and instantiates the kernel. Safe to call many times; the first call decides
 * the build. Call `reset()` first to switch.
 */
export async function init(options: InitOptions = {}): Promise<void> {
  if (instance) return;
  let mod: WebAssembly.Module;
  if (options.module instanceof WebAssembly.Module) mod = options.module;
  else if (options.module) mod = await WebAssembly.compile(options.module);
  else mod = await embeddedModule(options.relaxedSimd === true && relaxedSimdSupported());
  const inst = await WebAssembly.instantiate(mod, {});
  instance = inst.exports as unknown as KernelExports;
  instanceModule = mod;
}

/** Synchronous initialisation (Node and workers only: browsers limit sync compiles on the main thread). */
export function initSync(options: Pick<InitOptions, "relaxedSimd"> = {}): void {
  if (instance) return;
  const relaxed = options.relaxedSimd === true && relaxedSimdSupported();
  const mod = new WebAssembly.Module(decodeBase64(relaxed ? wasmRelaxedBase64 : wasmBase64) as BufferSource);
  instance = new WebAssembly.Instance(mod, {}).exports as unknown as KernelExports;
  instanceModule = mod;
}

/** Drops the instance, so that the next init() may choose another build (tests, benchmarks). */
export function reset(): void {
  instance = undefined;
  instanceModule = undefined;
}

/** The compiled module of the current instance: worker pools instantiate the same one, so that
 *  every thread computes bit-identical results. */
export function currentModule(): WebAssembly.Module {
  if (!instanceModule) notInitialized();
  return instanceModule;
}

/** 1 when the current instance is the relaxed-SIMD (FMA) build. */
export function usesRelaxedSimd(): boolean {
  return kernelExports().relaxed() === 1;
}

function notInitialized(): never {
  fail({ file: "segentropy", field: "wasm kernel", expected: "`await init()` before the first computation", found: "no kernel instance yet" });
}

export function isInitialized(): boolean {
  return instance !== undefined;
}

export function kernelExports(): KernelExports {
  if (!instance) notInitialized();
  return instance;
}

/** First byte JavaScript may use, aligned to 16 for v128 loads. */
export function arenaStart(): number {
  return (kernelExports().heapBase() + 15) & ~15;
}

/** Makes sure memory covers [0, endByte). Throws if that would exceed MAX_WASM_BYTES. */
export function ensureMemory(endByte: number): void {
  if (endByte > MAX_WASM_BYTES) throw new Error(`segentropy: slab of ${endByte} bytes exceeds the wasm memory budget`);
  const mem = kernelExports().memory;
  const have = mem.buffer.byteLength;
  if (endByte > have) mem.grow(Math.ceil((endByte - have) / PAGE));
}

export function memoryBytes(): number {
  return kernelExports().memory.buffer.byteLength;
}

/** Fresh views over kernel memory. Never keep them across a call that may grow memory. */
export function f32View(ptr: number, count: number): Float32Array {
  return new Float32Array(kernelExports().memory.buffer, ptr >>> 0, count);
}
export function i32View(ptr: number, count: number): Int32Array {
  return new Int32Array(kernelExports().memory.buffer, ptr >>> 0, count);
}
export function u8View(ptr: number, count: number): Uint8Array {
  return new Uint8Array(kernelExports().memory.buffer, ptr >>> 0, count);
}
export function dataView(): DataView {
  return new DataView(kernelExports().memory.buffer);
}
