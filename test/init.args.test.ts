/**
 * unitScale, maxEntropy and init check their arguments (breaker2 #7): unitScale("softmax", "nat", 3)
 * returned the normalized factor, maxEntropy("sofmax", "bits", 4) the softmax value and
 * maxEntropy(.., 0) NaN; init({ relaxedSimd: "yes" }) was accepted; a second init() asking for
 * another module or build resolved and silently kept the first. Chosen behaviour: the first init()
 * decides, and a later one that asks for something else is refused (reset() first to switch);
 * asking again for nothing or for the same thing is a no-op.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { init, initSync, reset, isInitialized, unitScale, maxEntropy, relaxedSimdSupported, SegentropyError } from "../src/index.js";
import { currentModule } from "../src/kernel/wasm.js";

async function caught(f: () => unknown): Promise<SegentropyError> {
  try { await f(); } catch (e) { if (e instanceof SegentropyError) return e; throw e; }
  throw new Error("no error");
}

describe("unitScale and maxEntropy", () => {
  it("give the closed forms for valid arguments", () => {
    expect(unitScale("softmax", "bits", 3)).toBe(1);
    expect(unitScale("softmax", "nats", 3)).toBe(Math.LN2);
    expect(unitScale("softmax", "normalized", 4)).toBe(0.5); // 1 / log2 4
    expect(maxEntropy("softmax", "bits", 4)).toBe(2);
    expect(maxEntropy("sigmoid", "bits", 3)).toBe(3);
    expect(maxEntropy("tissue", "bits", 3)).toBe(2); // log2(3 + background)
  });

  it("refuse a misspelt unit or kind, and class counts that are not integers >= 1", async () => {
    for (const f of [unitScale, maxEntropy]) {
      const u = await caught(() => f("softmax", "nat" as never, 3));
      expect([u.field, u.expected, u.found]).toEqual(["unit", "bits | nats | normalized", "'nat'"]);
      const k = await caught(() => f("sofmax" as never, "bits", 4));
      expect([k.field, k.expected, k.found]).toEqual(["kind", "softmax | logits | sigmoid | tissue", "'sofmax'"]);
      for (const c of [0, -1, 2.5, NaN, Infinity]) expect((await caught(() => f("softmax", "bits", c))).field).toBe("classes");
      expect((await caught(() => f("softmax", "bits", "3" as never))).found).toBe("string");
    }
  });
});

describe("init options", () => {
  it("refuses a relaxedSimd that is not a boolean, and unknown keys, before initialising", async () => {
    reset();
    const e = await caught(() => init({ relaxedSimd: "yes" as never }));
    expect([e.field, e.expected, e.found]).toEqual(["relaxedSimd", "true or false", "'yes'"]);
    const k = await caught(() => init({ relaxedSIMD: true } as never));
    expect(k.field).toBe("options.relaxedSIMD");
    expect(k.hint).toBe("did you mean relaxedSimd?");
    expect((await caught(() => initSync({ relaxedSimd: 1 as never }))).field).toBe("relaxedSimd");
    expect(isInitialized()).toBe(false);
  });

  it("a second init asking for nothing or the same is a no-op; another module or build is refused", async () => {
    reset();
    await init();
    const first = currentModule();
    await init();
    await init({});
    await init({ relaxedSimd: false });
    await init({ module: first });
    initSync();
    expect(currentModule()).toBe(first);

    const other = await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    const m = await caught(() => init({ module: other }));
    expect([m.field, m.found, m.hint]).toEqual(["module", "another module", "call reset() first to switch modules"]);
    expect((await caught(() => init({ module: {} as never }))).field).toBe("module");
    expect((await caught(() => init({ module: new Uint8Array(8) }))).field).toBe("module");
    if (relaxedSimdSupported()) {
      expect((await caught(() => init({ relaxedSimd: true }))).field).toBe("relaxedSimd");
    } else {
      await init({ relaxedSimd: true }); // unsupported here: the default build is what it selects
    }
    expect(currentModule()).toBe(first);
    // still the first kernel, and usable
    expect(isInitialized()).toBe(true);

    // reset() then init() with another (valid) choice applies it
    reset();
    await init({ module: first });
    expect(currentModule()).toBe(first);
    await init({ module: first });
  });

  it("init with the same module twice is a no-op", async () => {
    reset();
    await init();
    const mod = currentModule();
    reset();
    await init({ module: mod });
    await init({ module: mod });
    expect(currentModule()).toBe(mod);
  });
});

/**
 * breaker3 #2: a second init() asking for the SAME kernel was refused as "another module" because
 * checkSecondInit compared object identity. The same kernel is now: equal bytes (the file read
 * again; the embedded build is byte-identical to build/entropy.wasm, as `cmp` of the two shows),
 * or a separately compiled module of the same build. Refused: the other flavour (relaxed vs base)
 * and modules that are not the kernel.
 */
describe("a second init() asking for the same kernel", () => {
  const wasmFile = new URL("../build/entropy.wasm", import.meta.url);
  const relaxedFile = new URL("../build/entropy.relaxed.wasm", import.meta.url);
  const read = () => new Uint8Array(readFileSync(wasmFile));

  it("the same bytes read again, racing inits, two compiles, embedded then the package's file", async () => {
    reset();
    await init({ module: read() });
    await init({ module: read() });
    await init({ module: read().buffer as ArrayBuffer });
    await init({ module: await WebAssembly.compile(read()) });

    reset();
    await expect(Promise.all([init({ module: read() }), init({ module: read() })])).resolves.toEqual([undefined, undefined]);
    reset();
    await expect(Promise.all([init({ module: read() }), init()])).resolves.toEqual([undefined, undefined]);

    reset();
    await init({ module: await WebAssembly.compile(read()) });
    await init({ module: await WebAssembly.compile(read()) });
    await init({ module: read() });
    reset();
    await expect(Promise.all([init({ module: await WebAssembly.compile(read()) }), init({ module: await WebAssembly.compile(read()) })])).resolves.toHaveLength(2);

    reset();
    await init();
    const embedded = currentModule();
    await init({ module: read() });
    await init({ module: await WebAssembly.compile(read()) });
    expect(currentModule()).toBe(embedded);
    reset();
  });

  it("refuses another build or a module that is not the kernel", async () => {
    const another = ["module", "another module", "call reset() first to switch modules"];
    const relaxedBytes = new Uint8Array(readFileSync(relaxedFile));
    const flip = read();
    flip[flip.length - 1] ^= 1; // still compiles? either way it is not the same kernel
    reset();
    await init({ module: read() });
    const r = await caught(() => init({ module: relaxedBytes }));
    expect([r.field, r.found, r.hint]).toEqual(another);
    expect((await caught(() => init({ module: flip }))).field).toBe("module");
    const empty = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
    expect([(await caught(() => init({ module: empty }))).found]).toEqual(["another module"]);
    if (WebAssembly.validate(relaxedBytes)) {
      // a compiled relaxed module against the base build: told apart by its relaxed() flavour
      reset();
      await init({ module: await WebAssembly.compile(read()) });
      const c = await caught(async () => init({ module: await WebAssembly.compile(relaxedBytes) }));
      expect([c.field, c.found]).toEqual(["module", "another module"]);
      reset();
      await expect(Promise.all([init({ module: read() }), init({ module: relaxedBytes })])).rejects.toThrow(/another module/);
    }
    const e = await caught(async () => init({ module: await WebAssembly.compile(empty) }));
    expect(e.found).toBe("another module");
    reset();
  });
});
