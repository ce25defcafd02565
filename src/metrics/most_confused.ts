import type { ConfusionMatrix } from "./confusion_matrix.ts";

/** One off-diagonal cell of a confusion matrix. */
export interface ConfusedPair {
  trueIndex: number;
  predictedIndex: number;
  trueClass: string;
  predictedClass: string;
  /** Images of `trueClass` predicted as `predictedClass`. */
  count: number;
  /** `count` as a fraction of all images of `trueClass`. */
  rate: number;
}

/** Options of {@linkcode mostConfusedPairs}. */
export interface MostConfusedOptions {
  /** Most pairs returned. @default 10 */
  limit?: number;
}

/**
 * The off-diagonal cells with the most images, largest first (ties: by true, then predicted
 * class index); empty cells are left out.
 *
 * @example
 * ```ts
 * import { mostConfusedPairs } from "./mod.ts";
 *
 * mostConfusedPairs([[5, 2], [0, 3]], ["cat", "dog"]);
 * // [{ trueClass: "cat", predictedClass: "dog", count: 2, rate: 2 / 7, trueIndex: 0, predictedIndex: 1 }]
 * ```
 */
export function mostConfusedPairs(
  matrix: ConfusionMatrix,
  classNames: string[],
  options: MostConfusedOptions = {},
): ConfusedPair[] {
  const limit = options.limit ?? 10;
  const pairs: ConfusedPair[] = [];
  matrix.forEach((row, t) => {
    const support = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => {
      if (p === t || count === 0) return;
      pairs.push({
        trueIndex: t,
        predictedIndex: p,
        trueClass: classNames[t] ?? String(t),
        predictedClass: classNames[p] ?? String(p),
        count,
        rate: count / support,
      });
    });
  });
  pairs.sort((a, b) =>
    b.count - a.count || a.trueIndex - b.trueIndex || a.predictedIndex - b.predictedIndex
  );
  return pairs.slice(0, Math.max(0, limit));
}
