/** The SegentropyError a call throws, for tests that check its fields and message. */
import { expect } from "vitest";
import { SegentropyError } from "../../src/errors.js";

/** The SegentropyError `fn` throws (fails the test if it throws anything else or nothing). */
export function caught(fn: () => unknown): SegentropyError {
  try { fn(); } catch (err) {
    expect(err).toBeInstanceOf(SegentropyError);
    return err as SegentropyError;
  }
  throw new Error("expected a SegentropyError, nothing was thrown");
}
