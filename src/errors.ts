/**
 * The one error class of segentropy. Every rejection of an input names the file, the field that is
 * wrong, what was expected and what was found, so a user can fix the input without a stack trace.
 */
export interface ErrorDetails {
  /** The file (or a caller-chosen name for an in-memory buffer). */
  file: string;
  /** The header field, array key, option or property that is wrong. */
  field: string;
  /** What a valid input has there. */
  expected: string;
  /** What this input has there. */
  found: string;
  /** A suggestion, such as the flag that fits this input. */
  hint?: string;
}

export class SegentropyError extends Error {
  readonly file: string;
  readonly field: string;
  readonly expected: string;
  readonly found: string;
  readonly hint: string | undefined;

  constructor(details: ErrorDetails, options?: { cause?: unknown }) {
    const hint = details.hint ? ` (${details.hint})` : "";
    super(`${details.file}: ${details.field}: expected ${details.expected}, found ${details.found}${hint}`, options);
    this.name = "SegentropyError";
    this.file = details.file;
    this.field = details.field;
    this.expected = details.expected;
    this.found = details.found;
    this.hint = details.hint;
  }
}

export function isSegentropyError(err: unknown): err is SegentropyError {
  return err instanceof SegentropyError;
}

/** What a JavaScript value is, for the `found` of errors about wrong arguments ("a Uint8Array"). */
export function describeValue(x: unknown): string {
  if (x === null) return "null";
  if (typeof x !== "object") return typeof x;
  const name = (x as { constructor?: { name?: string } }).constructor?.name;
  return name ? `a ${name}` : "an object";
}

/** Shorthand used by the readers: throw a SegentropyError. */
export function fail(details: ErrorDetails, cause?: unknown): never {
  throw new SegentropyError(details, cause === undefined ? undefined : { cause });
}
