/** One ranked class of a prediction. */
export interface ClassScore {
  /** Class name. */
  label: string;
  /** Output position of the class. */
  index: number;
  probability: number;
}

/**
 * The `k` most probable classes of one image's probabilities, best first; ties go to the lower
 * index, so the order is stable. `k` is clamped to the number of classes.
 *
 * @example
 * ```ts
 * topK(new Float32Array([0.1, 0.7, 0.2]), ["cat", "dog", "frog"], 2);
 * // [{ label: "dog", index: 1, probability: 0.7… }, { label: "frog", index: 2, probability: 0.2… }]
 * ```
 */
export function topK(
  probabilities: ArrayLike<number>,
  classNames: readonly string[],
  k: number,
): ClassScore[] {
  if (probabilities.length !== classNames.length) {
    throw new RangeError(
      `Cannot rank ${probabilities.length} probabilities against ${classNames.length} class names`,
    );
  }
  const n = Math.max(0, Math.min(Math.floor(k), probabilities.length));
  const order = Array.from({ length: probabilities.length }, (_, i) => i)
    .sort((a, b) => probabilities[b]! - probabilities[a]! || a - b);
  return order.slice(0, n).map((index) => ({
    label: classNames[index]!,
    index,
    probability: probabilities[index]!,
  }));
}

/** Softmax over each row of `rows × width` values, in place; float64 sums for stability. */
export function softmaxRows(values: Float32Array, width: number): Float32Array {
  for (let start = 0; start < values.length; start += width) {
    let max = -Infinity;
    for (let i = start; i < start + width; i++) max = Math.max(max, values[i]!);
    let sum = 0;
    for (let i = start; i < start + width; i++) sum += Math.exp(values[i]! - max);
    // Exponentials again rather than stored: float32 storage would round them before dividing.
    for (let i = start; i < start + width; i++) values[i] = Math.exp(values[i]! - max) / sum;
  }
  return values;
}
