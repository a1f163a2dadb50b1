/** Checks of the arguments of the public readers: a wrong type is a SegentropyError, not a TypeError from inside. */
import { describeValue, fail } from "../errors.js";

/** What a wrong argument is: a string is quoted (cut short), anything else described by its type. */
export function foundValue(x: unknown): string {
  if (typeof x === "string") return `a string ${JSON.stringify(x.length > 60 ? `${x.slice(0, 60)}...` : x)}`;
  if (typeof x === "number" || typeof x === "boolean" || typeof x === "bigint") return String(x);
  // "an ArrayBuffer", not "a ArrayBuffer"
  return describeValue(x).replace(/^a (?=[AEIOU])/, "an ");
}

/**
 * `name` has to be a string (it names the input in every message) and `bytes` a Uint8Array (a Node
 * Buffer is one) of the file's bytes.
 */
export function requireBytes(bytes: unknown, name: unknown, fn: string): asserts bytes is Uint8Array {
  if (typeof name !== "string") fail({ file: "arguments", field: `${fn}: name`, expected: "a string naming the input in messages (e.g. its file name)", found: foundValue(name) });
  if (!(bytes instanceof Uint8Array)) {
    fail({
      file: name, field: `${fn}: bytes`, expected: "the file's bytes as a Uint8Array (wrap an ArrayBuffer: new Uint8Array(buffer))", found: foundValue(bytes),
      ...(typeof bytes === "string" ? { hint: "to read a path in Node, use readProbabilitiesFile / readNiftiFile / readNpyFile from segentropy/node" } : {}),
    });
  }
}
