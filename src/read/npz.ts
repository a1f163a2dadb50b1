/** .npz (a zip of .npy members), inflated with fflate, one member at a time. */
import { unzipSync } from "fflate";
import { fail } from "../errors.js";
import type { NpyArray } from "./npy.js";
import { parseNpy } from "./npy.js";

/** Keys tried in order when the caller names none: nnU-Net v2, nnU-Net v1, raw logits. */
export const KNOWN_KEYS = ["probabilities", "softmax", "logits"] as const;

export interface NpzMember {
  key: string;
  array: NpyArray;
  keys: string[];
}

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Lists member keys ("probabilities" for "probabilities.npy"). */
export function npzKeys(bytes: Uint8Array, name: string): string[] {
  const keys: string[] = [];
  unzipOrFail(bytes, name, (f) => { keys.push(f.name.replace(/\.npy$/, "")); return false; });
  return keys;
}

/**
 * Reads one array. `key` defaults to the first of KNOWN_KEYS present, or the only member.
 * `maxBytes` refuses a member whose declared size is absurd before inflating it.
 */
export function readNpz(bytes: Uint8Array, name: string, key?: string, maxBytes = 16 * 1024 ** 3): NpzMember {
  const keys = npzKeys(bytes, name);
  const chosen = key ?? KNOWN_KEYS.find((k) => keys.includes(k)) ?? (keys.length === 1 ? keys[0] : undefined);
  if (chosen === undefined || !keys.includes(chosen)) {
    fail({
      file: name, field: "key",
      expected: key ? `a member named '${key}'` : `one of ${KNOWN_KEYS.join(", ")} (or a single array)`,
      found: keys.length ? keys.map((k) => `'${k}'`).join(", ") : "no arrays",
      hint: "choose one with --key",
    });
  }
  const files = unzipOrFail(bytes, name, (f) => {
    if (f.name !== `${chosen}.npy` && f.name !== chosen) return false;
    if (f.originalSize > maxBytes) fail({ file: name, field: `${f.name} size`, expected: `<= ${maxBytes} bytes`, found: `${f.originalSize} bytes` });
    // deflate cannot expand more than ~1032:1, so a larger declared size is a corrupt or hostile
    // archive; refusing it here avoids allocating the declared size
    if (f.compression === 8 && f.originalSize > 1032 * f.size + 1024) {
      fail({ file: name, field: `${f.name} size`, expected: `at most 1032 x its compressed size (${f.size} bytes)`, found: `${f.originalSize} bytes declared` });
    }
    if (f.compression !== 0 && f.compression !== 8) fail({ file: name, field: `${f.name} compression`, expected: "stored (0) or deflate (8)", found: `method ${f.compression}` });
    return true;
  });
  const entry = Object.values(files)[0];
  if (!entry) fail({ file: name, field: "key", expected: `member '${chosen}'`, found: "nothing inflated" });
  return { key: chosen, array: parseNpy(entry, `${name}[${chosen}]`), keys };
}

type UnzipFilter = NonNullable<Parameters<typeof unzipSync>[1]>["filter"];

function unzipOrFail(bytes: Uint8Array, name: string, filter: UnzipFilter): Record<string, Uint8Array> {
  try {
    return unzipSync(bytes, { filter });
  } catch (err) {
    if (err instanceof Error && err.name === "SegentropyError") throw err;
    const msg = err instanceof Error ? err.message : String(err);
    fail({ file: name, field: "zip archive", expected: "a complete .npz (zip) file", found: `unreadable (${msg})` }, err);
  }
}
