/** An empty input path (an unset shell variable) is named as such, not as a missing file called ''. */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { cli, tempDir } from "./helpers/cli.js";

describe("an empty PROBS path", () => {
  it("is refused as an empty string on the command line, alone or among other inputs", () => {
    for (const args of [[""], ["", "x.nii"], ["a.nii", "", "b.nii"], ["  "]]) {
      const r = cli([...args, "--out", join(tempDir(), "o")]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      const found = args.includes("") ? "an empty string" : "only spaces '  '";
      expect(r.stderr.trim()).toBe(`segentropy: command line: PROBS: expected a file path, found ${found} (see segentropy --help)`);
    }
  });
});
