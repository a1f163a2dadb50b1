/** Element strides of a dense array of `shape` in C (last axis fastest) or F (first axis fastest) order. */
export function stridesFor(shape: readonly number[], order: "C" | "F"): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  if (order === "C") {
    for (let d = shape.length - 1; d >= 0; d--) { strides[d] = s; s *= shape[d]!; }
  } else {
    for (let d = 0; d < shape.length; d++) { strides[d] = s; s *= shape[d]!; }
  }
  return strides;
}

export function product(xs: readonly number[]): number {
  let p = 1;
  for (const x of xs) p *= x;
  return p;
}
