/**
 * The only file that touches WebAssembly memory. It compiles the embedded module once, owns one
 * instance, grows its memory to a bounded size, and hands out typed views that callers must
 * re-create after every call that may grow memory (growing detaches old views).
 */
import { wasmBase64, wasmRelaxedBase64 } from "./wasm.generated.js";
import type { KernelExports } from "./abi.js";
import { SegentropyError, describeValue, fail, refuseUnknownKeys } from "../errors.js";
import { crc32 } from "../read/crc32.js";

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

let embeddedBase: Uint8Array | undefined;
let embeddedRelaxed: Uint8Array | undefined;

/** The embedded build's bytes (decoded once per build kind). */
function embeddedBytes(relaxed: boolean): Uint8Array {
  if (relaxed) return (embeddedRelaxed ??= decodeBase64(wasmRelaxedBase64));
  return (embeddedBase ??= decodeBase64(wasmBase64));
}

/** The embedded module (compiled once per build kind). */
export function embeddedModule(relaxed = false): Promise<WebAssembly.Module> {
  if (relaxed) return (compiledRelaxed ??= WebAssembly.compile(embeddedBytes(true) as BufferSource));
  return (compiled ??= WebAssembly.compile(embeddedBytes(false) as BufferSource));
}

/** What the first init() was asked for: a later init() asking for something else is refused. */
let initGiven: { module: unknown; relaxed: boolean } | undefined;

/** init's options: an object of known keys, relaxedSimd a boolean ("yes" would mean the default). */
function checkInitOptions(options: InitOptions): void {
  if (typeof options !== "object" || options === null) fail({ file: "options", field: "init options", expected: "{ module?, relaxedSimd? } or nothing", found: describeValue(options) });
  refuseUnknownKeys(options, ["module", "relaxedSimd"], "options");
  const relaxed: unknown = options.relaxedSimd;
  if (relaxed !== undefined && typeof relaxed !== "boolean") fail({ file: "options", field: "relaxedSimd", expected: "true or false", found: typeof relaxed === "string" ? `'${relaxed}'` : describeValue(relaxed) });
}

/** The running kernel's .wasm bytes when known (the embedded build, or the bytes init() was given). */
let instanceBytes: Uint8Array | undefined;
/** What identifies the running kernel's module (kernelIdentity), computed when first needed. */
let instanceIdentity: Promise<string> | undefined;

function isBytes(x: unknown): x is BufferSource {
  return x instanceof ArrayBuffer || ArrayBuffer.isView(x) || isSharedArrayBuffer(x);
}

function asBytes(x: BufferSource): Uint8Array {
  return ArrayBuffer.isView(x) ? new Uint8Array(x.buffer, x.byteOffset, x.byteLength) : new Uint8Array(x as ArrayBuffer);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * What a compiled module reveals of the build it came from (its bytes cannot be read back): its
 * export and import lists and, for a module that is a kernel, a fresh instance's relaxed() flavour,
 * heapBase() and the CRC-32 of its static data (the memory below heapBase). Two builds of our
 * kernel that differ in flavour, exports, tables or constants differ here; a module that is not
 * ours differs in its exports.
 */
async function kernelIdentity(mod: WebAssembly.Module): Promise<string> {
  const exports = WebAssembly.Module.exports(mod).map((e) => `${e.kind}:${e.name}`).sort().join(",");
  const imports = WebAssembly.Module.imports(mod).map((i) => `${i.kind}:${i.module}.${i.name}`).sort().join(",");
  let build = "";
  if (!imports && KERNEL_FUNCTIONS.every((f) => exports.includes(`function:${f}`)) && exports.includes("memory:memory")) {
    try {
      const k = (await WebAssembly.instantiate(mod, {})).exports as unknown as KernelExports;
      const heap = k.heapBase();
      build = `relaxed=${k.relaxed()} heap=${heap} data=${crc32(new Uint8Array(k.memory.buffer, 0, heap)) >>> 0}`;
    } catch {
      build = "not instantiable";
    }
  }
  return `${exports}|${imports}|${build}`;
}

/**
 * A second init() while a kernel is running: asking for nothing, or for the kernel that runs, is
 * a no-op; asking for another module or build is refused, since it would not be applied. The same
 * kernel is: the same module object; bytes equal to the running kernel's bytes (the embedded
 * build's, or those the first init() was given); or, when those bytes are not known or a compiled
 * module is given, a module of the same kernelIdentity. `compiledGiven` is the given module when
 * this init() compiled it already (two inits racing).
 */
async function checkSecondInit(options: InitOptions, compiledGiven?: WebAssembly.Module): Promise<void> {
  const given: unknown = options.module;
  if (given !== undefined && given !== initGiven?.module && given !== instanceModule) {
    if (!(given instanceof WebAssembly.Module) && !isBytes(given)) refuseModuleType(given);
    const another = (): never => fail({ file: "options", field: "module", expected: "the module the kernel was initialised with (init() applies once)", found: "another module", hint: "call reset() first to switch modules" });
    const running = instanceModule;
    if (isBytes(given) && instanceBytes) {
      if (!sameBytes(asBytes(given), instanceBytes)) another();
    } else if (running) {
      let mod = compiledGiven;
      if (!mod) {
        if (given instanceof WebAssembly.Module) mod = given;
        else {
          try { mod = await WebAssembly.compile(given as BufferSource); } catch { another(); }
        }
      }
      const have = (instanceIdentity ??= kernelIdentity(running));
      const [a, b] = await Promise.all([kernelIdentity(mod!), have]);
      if (a !== b) another();
    }
  }
  checkSecondBuild(options);
}

/** A second init() asking for no module but for a build (relaxedSimd): the build that runs, or refused. */
function checkSecondBuild(options: InitOptions): void {
  const given: unknown = options.module;
  if (given === undefined && options.relaxedSimd !== undefined && !(initGiven && initGiven.module !== undefined)) {
    const want = options.relaxedSimd && relaxedSimdSupported();
    const have = usesRelaxedSimd();
    if (want !== have) {
      fail({ file: "options", field: "relaxedSimd", expected: `the build the kernel was initialised with (relaxedSimd: ${have}; init() applies once)`, found: String(options.relaxedSimd), hint: "call reset() first to switch builds" });
    }
  }
}

function refuseModuleType(given: unknown): never {
  // a string (a path or URL), a Response or a Blob would reach compile() as a TypeError
  fail({ file: "options", field: "module", expected: "a WebAssembly.Module or the .wasm bytes (ArrayBuffer, Uint8Array)", found: describeValue(given), hint: typeof given === "string" ? "fetch or read the file first and pass its bytes" : undefined });
}

/**
 * Compiles (once) and instantiates the kernel. Safe to call many times; the first call decides
 * the build: a later call that asks for another module or build is refused with a
 * SegentropyError. Call `reset()` first to switch.
 */
export async function init(options: InitOptions = {}): Promise<void> {
  checkInitOptions(options);
  if (instance) { await checkSecondInit(options); return; }
  let mod: WebAssembly.Module;
  let bytes: Uint8Array | undefined;
  const given: unknown = options.module;
  if (given instanceof WebAssembly.Module) mod = given;
  else if (given !== undefined) {
    if (!isBytes(given)) refuseModuleType(given);
    bytes = asBytes(given).slice(); // kept to compare a later init's bytes; the caller may reuse its buffer
    try {
      mod = await WebAssembly.compile(given as BufferSource);
    } catch (err) {
      fail({ file: "options", field: "module", expected: "the bytes of segentropy's entropy.wasm", found: `bytes WebAssembly cannot compile (${err instanceof Error ? err.message : String(err)})` }, err);
    }
  } else {
    const relaxed = options.relaxedSimd === true && relaxedSimdSupported();
    mod = await embeddedModule(relaxed);
    bytes = embeddedBytes(relaxed);
  }
  const exports = await instantiateKernel(mod);
  if (instance) { await checkSecondInit(options, mod); return; } // another init() finished meanwhile
  instance = exports;
  instanceModule = mod;
  instanceBytes = bytes;
  instanceIdentity = undefined;
  initGiven = { module: given, relaxed: options.relaxedSimd === true };
}

function isSharedArrayBuffer(x: unknown): boolean {
  return typeof SharedArrayBuffer !== "undefined" && x instanceof SharedArrayBuffer;
}

/** What the kernel imports (nothing) and exports (KernelExports in abi.ts), checked on the module. */
const KERNEL_FUNCTIONS = ["heapBase", "relaxed", "statsReset", "statsWrite", "entropyPlanar", "entropyInterleaved", "deinterleave", "labelsPlanar", "decodeF32", "sumF32"] as const satisfies readonly (keyof KernelExports)[];

/**
 * Instantiates a caller's module (or ours) and checks that it is the kernel: any valid module
 * would otherwise be taken and fail at the first computation as a TypeError ("heapBase is not a
 * function"). A module that needs imports fails here too: the kernel imports nothing.
 */
async function instantiateKernel(mod: WebAssembly.Module): Promise<KernelExports> {
  const exported = new Set(WebAssembly.Module.exports(mod).map((e) => `${e.kind}:${e.name}`));
  const missing = [...KERNEL_FUNCTIONS.filter((f) => !exported.has(`function:${f}`)), ...(exported.has("memory:memory") ? [] : ["memory"])];
  if (missing.length) {
    fail({ file: "options", field: "module", expected: "segentropy's entropy.wasm kernel", found: `a module without the export${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`, hint: "pass the module built from this package's assembly/ (build/entropy.wasm) of the same version" });
  }
  const imports = WebAssembly.Module.imports(mod);
  if (imports.length) {
    fail({ file: "options", field: "module", expected: "segentropy's entropy.wasm kernel (it imports nothing)", found: `a module importing ${imports.slice(0, 3).map((i) => `${i.module}.${i.name}`).join(", ")}${imports.length > 3 ? ", ..." : ""}` });
  }
  try {
    return (await WebAssembly.instantiate(mod, {})).exports as unknown as KernelExports;
  } catch (err) {
    fail({ file: "options", field: "module", expected: "a module that instantiates (the kernel)", found: err instanceof Error ? err.message : String(err) }, err);
  }
}

/** Synchronous initialisation (Node and workers only: browsers limit sync compiles on the main thread). */
export function initSync(options: Pick<InitOptions, "relaxedSimd"> = {}): void {
  checkInitOptions(options);
  if ((options as InitOptions).module !== undefined) fail({ file: "options", field: "module", expected: "no module (initSync compiles the embedded one; pass a module to init())", found: describeValue((options as InitOptions).module) });
  if (instance) { checkSecondBuild(options); return; } // no module given here
  const relaxed = options.relaxedSimd === true && relaxedSimdSupported();
  const mod = new WebAssembly.Module(embeddedBytes(relaxed) as BufferSource);
  instance = new WebAssembly.Instance(mod, {}).exports as unknown as KernelExports;
  instanceModule = mod;
  instanceBytes = embeddedBytes(relaxed);
  instanceIdentity = undefined;
  initGiven = { module: undefined, relaxed: options.relaxedSimd === true };
}

/** Drops the instance, so that the next init() may choose another build (tests, benchmarks). */
export function reset(): void {
  instance = undefined;
  instanceModule = undefined;
  instanceBytes = undefined;
  instanceIdentity = undefined;
  initGiven = undefined;
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

/**
 * The one kernel instance has one arena (slab input, outputs, statistics block, region table): a
 * computation holds it while its slabs run synchronously, and a segentropy call made from inside
 * its fill or sink (which would overwrite the arena, or grow memory under the views being filled)
 * is refused. Held only during synchronous work: calls that interleave through `await` are fine.
 */
let holder: string | undefined;
let refusedInside: SegentropyError | undefined;

/** Throws a SegentropyError when a computation holds the kernel (`caller` runs inside its fill or sink). */
export function refuseIfKernelBusy(caller: string): void {
  if (holder === undefined) return;
  const err = new SegentropyError({
    file: holder, field: "fill/sink", expected: "no segentropy call from inside fill or the sink (they share the kernel's memory)", found: caller,
    hint: "make that call before or after the stream, or on an EntropyPool",
  });
  refusedInside ??= err;
  throw err;
}

/**
 * Runs `work` holding the kernel as `caller`. A nested call refused meanwhile fails this one too,
 * even when the callback caught that error: its map may not be trusted.
 */
export function withKernel<T>(caller: string, work: () => T): T {
  refuseIfKernelBusy(caller);
  holder = caller;
  refusedInside = undefined;
  try {
    const out = work();
    if (refusedInside) throw refusedInside;
    return out;
  } finally {
    holder = undefined;
    refusedInside = undefined;
  }
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
export function f64View(ptr: number, count: number): Float64Array {
  return new Float64Array(kernelExports().memory.buffer, ptr >>> 0, count);
}
export function u8View(ptr: number, count: number): Uint8Array {
  return new Uint8Array(kernelExports().memory.buffer, ptr >>> 0, count);
}
export function dataView(): DataView {
  return new DataView(kernelExports().memory.buffer);
}
