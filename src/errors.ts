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

/**
 * A misspelt option ({ units: "nats" }, the CLI's --units) would otherwise be dropped without a
 * word and the run done with the default: every key must be one the function reads.
 */
export function refuseUnknownKeys(obj: object, known: readonly string[], field: string): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const close = closestKey(key, known);
    fail({
      file: "arguments", field: `${field}.${key}`, expected: `one of ${known.join(", ")}`, found: "an unknown key",
      ...(close ? { hint: `did you mean ${close}?` } : {}),
    });
  }
}

/** The known key nearest `key` (case ignored; at most 2 edits, adjacent swaps counting 1), if any. */
function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined, bestD = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD && d < Math.max(k.length, key.length)) { best = k; bestD = d; }
  }
  return best;
}

/** Optimal string alignment distance (Levenshtein with adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
