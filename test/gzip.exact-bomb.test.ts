/**
 * gunzipExact (the reference every platform's inflater falls back to for multi-member, padded or
 * odd-header .gz files) checks its size limit while it inflates: it pushed the whole file to fflate
 * at once, which inflated a second member of 1 GiB of zeros whole (3.1 GB peak, 8 s) before the
 * limit was checked. It now feeds 64 KiB pieces, so the refusal comes after at most ~66 MiB.
 */
import { describe, expect, it } from "vitest";
import { gzipSync } from "node:zlib";
import { gunzipExact, GunzipLimitError } from "../src/read/gzip.js";

describe("gunzipExact: a small file holding a huge further member", () => {
  it("is refused at the limit without inflating the member whole (peak RSS grows by far less than the member)", () => {
    const first = gzipSync(new Uint8Array(4096).fill(7));
    const second = gzipSync(new Uint8Array(1 << 30), { level: 9 }); // 1 GiB of zeros in ~1 MB
    const bytes = new Uint8Array(first.length + second.length);
    bytes.set(first); bytes.set(second, first.length);
    const before = process.resourceUsage().maxRSS; // KiB, the peak so far
    let err: unknown;
    try { gunzipExact(bytes, "bomb.gz", 2 << 20); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(GunzipLimitError);
    const grewMiB = (process.resourceUsage().maxRSS - before) / 1024;
    expect(grewMiB).toBeLessThan(512);
  });
});
