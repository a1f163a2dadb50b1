/**
 * An .npy header has exactly the keys descr, fortran_order and shape, as numpy requires ("Header
 * does not contain the correct keys"): a fresh-user pass found a header with an extra key
 * ('evil': 1) read as if it were not there. Every header here is also given to numpy, whose
 * verdict (read or refused) ours has to match.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { isSegentropyError, parseNpy, readProbabilitiesFile } from "../src/node/index.js";
import { cli, tempDir } from "./helpers/cli.js";

/** An .npy v1.0 file with this header text (padded as numpy pads it) followed by 3 x 2 x 2 float32 values. */
function npyWith(header: string): Uint8Array {
  const pad = (64 - ((10 + header.length + 1) % 64)) % 64;
  const head = new TextEncoder().encode(header + " ".repeat(pad) + "\n");
  const values = new Float32Array(12).fill(1 / 3);
  const out = new Uint8Array(10 + head.length + values.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, head.length & 255, head.length >> 8]);
  out.set(head, 10);
  out.set(new Uint8Array(values.buffer), 10 + head.length);
  return out;
}

/** numpy's verdict on each file: "ok" or its error message. */
function numpyVerdicts(paths: string[]): string[] {
  const py = spawnSync("/usr/bin/python3", ["-c", `
import sys, json, numpy as np
out = []
for p in sys.argv[1:]:
    try:
        np.load(p); out.append("ok")
    except Exception as e:
        out.append(str(e))
print(json.dumps(out))
`, ...paths], { encoding: "utf8" });
  expect(py.status, `python3 with numpy is needed: ${py.stderr}`).toBe(0);
  return JSON.parse(py.stdout) as string[];
}

function message(f: () => unknown): string {
  try { f(); } catch (e) { expect(isSegentropyError(e)).toBe(true); return (e as Error).message; }
  return "no error";
}

const EXPECTED = "header: expected a dict with the keys 'descr', 'fortran_order', 'shape' (as numpy requires)";

describe(".npy header keys", () => {
  it("an extra, a missing or a repeated key is refused, as numpy refuses the first two; the right keys in any order read", () => {
    const cases: [string, string][] = [
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2, 2), 'evil': 1}", `${EXPECTED}, found keys 'descr', 'fortran_order', 'shape', 'evil' (unknown key 'evil')`],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2, 2), 'a': [1, 2], 'b': 'x,y', }", `${EXPECTED}, found keys 'descr', 'fortran_order', 'shape', 'a', 'b' (unknown keys 'a', 'b')`],
      ["{'descr': '<f4', 'shape': (3, 2, 2)}", `${EXPECTED}, found keys 'descr', 'shape' (no 'fortran_order')`],
      ["{'descr': '<f4', 'fortran_order': False, 'shap': (3, 2, 2), }", `${EXPECTED}, found keys 'descr', 'fortran_order', 'shap' (unknown key 'shap'; no 'shape')`],
      ["{}", `${EXPECTED}, found keys none (no 'descr', 'fortran_order', 'shape')`],
      ["{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (3, 2, 2), }", `${EXPECTED}, found keys 'descr', 'descr', 'fortran_order', 'shape' ('descr' more than once)`],
      ["__import__('os').system('echo pwned')", `${EXPECTED}, found "__import__('os').system('echo pwned')", not such a dict`],
      ["{'shape': (3, 2, 2), 'descr': '<f4', 'fortran_order': False}", "ok"],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2, 2), }", "ok"],
    ];
    const dir = tempDir();
    const paths = cases.map((_, i) => join(dir, `h${i}.npy`));
    cases.forEach(([header], i) => writeFileSync(paths[i]!, npyWith(header)));
    const numpy = numpyVerdicts(paths);
    cases.forEach(([header, want], i) => {
      const ours = message(() => parseNpy(npyWith(header), "h.npy"));
      if (want === "ok") {
        expect(numpy[i], header).toBe("ok");
        expect(ours, header).toBe("no error");
      } else {
        expect(ours, header).toBe(`h.npy: ${want}`);
        // numpy refuses the same headers, except a repeated key (Python's dict keeps the last value: ambiguous, refused here)
        if (!want.includes("more than once")) expect(numpy[i], header).not.toBe("ok");
      }
    });
    expect(numpy[0]).toMatch(/Header does not contain the correct keys/);
  });

  it("the library and the CLI name the file", async () => {
    const dir = tempDir();
    const path = join(dir, "extra_key.npy");
    writeFileSync(path, npyWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2, 2), 'evil': 1}"));
    const want = `${path}: ${EXPECTED}, found keys 'descr', 'fortran_order', 'shape', 'evil' (unknown key 'evil')`;
    const err = await readProbabilitiesFile(path).then(() => null, (e: unknown) => e);
    expect(isSegentropyError(err)).toBe(true);
    expect((err as Error).message).toBe(want);
    const r = cli([path, "--out", join(dir, "out"), "--no-png"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([`segentropy: ${want}`]);
  });
});
