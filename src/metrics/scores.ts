import { FerryError } from "../errors.ts";
import { checkLabels } from "./confusion_matrix.ts";

/** Keras' `backend.epsilon()`: probabilities are clipped to [1e-7, 1 - 1e-7] before the log. */
export const KERAS_EPSILON = 1e-7;

/**
 * Fraction of predictions equal to the true label.
 *
 * @example
 * ```ts
 * import { accuracy } from "./mod.ts";
 *
 * accuracy([0, 1, 2, 2], [0, 1, 1, 2]); // 0.75
 * ```
 */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkLabels(yTrue, yPred, Number.MAX_SAFE_INTEGER);
  if (yTrue.length === 0) throw new FerryError("usage", "Cannot compute accuracy: no labels");
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) correct++;
  return correct / yTrue.length;
}

/**
 * The index of the largest value in each row of `count × classCount` scores; the first one on a
 * tie, like `np.argmax` and `tf.argMax`.
 */
export function argmaxRows(scores: ArrayLike<number>, classCount: number): Int32Array {
  checkShape(scores, classCount, "argmax");
  const out = new Int32Array(scores.length / classCount);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let c = 1; c < classCount; c++) {
      if (scores[i * classCount + c]! > scores[i * classCount + best]!) best = c;
    }
    out[i] = best;
  }
  return out;
}

/**
 * Mean categorical cross-entropy of predicted probabilities against class indices, as Keras'
 * `categorical_crossentropy(from_logits=False)` computes it: each row is rescaled to sum to 1,
 * clipped to [ε, 1 − ε] with ε = 1e-7, and −log of the true class's probability is averaged.
 * Computed in float64 (Keras uses float32, so values agree to about 1e-6 relative).
 *
 * @example
 * ```ts
 * import { categoricalCrossEntropy } from "./mod.ts";
 *
 * categoricalCrossEntropy(new Float32Array([0.9, 0.1, 0.2, 0.8]), [0, 1], 2); // ≈ 0.164
 * ```
 */
export function categoricalCrossEntropy(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  classCount: number,
): number {
  checkShape(probabilities, classCount, "cross-entropy");
  const count = probabilities.length / classCount;
  if (count !== labels.length || count === 0) {
    throw new FerryError(
      "usage",
      `Cannot compute cross-entropy: ${count} rows of probabilities for ${labels.length} labels`,
    );
  }
  checkLabels(labels, labels, classCount);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    let rowSum = 0;
    for (let c = 0; c < classCount; c++) rowSum += probabilities[i * classCount + c]!;
    const p = probabilities[i * classCount + labels[i]!]! / rowSum;
    sum -= Math.log(Math.min(Math.max(p, KERAS_EPSILON), 1 - KERAS_EPSILON));
  }
  return sum / count;
}

function checkShape(values: ArrayLike<number>, classCount: number, what: string): void {
  if (!Number.isInteger(classCount) || classCount < 1 || values.length % classCount !== 0) {
    throw new FerryError(
      "usage",
      `Cannot compute ${what}: ${values.length} values do not make rows of ${classCount}`,
    );
  }
}
