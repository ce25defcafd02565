import { FerryError } from "../errors.ts";

/** Counts of (true class, predicted class): `counts[t][p]`, rows = true, columns = predicted. */
export type ConfusionMatrix = number[][];

/** Checks that two label arrays line up and hold class indices below `classCount`. */
export function checkLabels(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  classCount: number,
): void {
  if (yTrue.length !== yPred.length) {
    throw new FerryError(
      "usage",
      `Cannot compare labels: ${yTrue.length} true labels but ${yPred.length} predictions`,
    );
  }
  if (!Number.isInteger(classCount) || classCount < 1) {
    throw new FerryError("usage", `Cannot count classes: expected at least 1, got ${classCount}`);
  }
  for (const [name, ys] of [["true label", yTrue], ["prediction", yPred]] as const) {
    for (let i = 0; i < ys.length; i++) {
      const y = ys[i]!;
      if (!Number.isInteger(y) || y < 0 || y >= classCount) {
        throw new FerryError(
          "usage",
          `Cannot use ${name} ${i}: expected a class index in [0, ${classCount}), got ${y}`,
        );
      }
    }
  }
}

/**
 * The confusion matrix over all `classCount` classes, as scikit-learn's
 * `confusion_matrix(y_true, y_pred, labels=range(classCount))` computes it.
 *
 * @example
 * ```ts
 * import { confusionMatrix } from "./mod.ts";
 *
 * confusionMatrix([0, 1, 1], [0, 0, 1], 2); // [[1, 0], [1, 1]]
 * ```
 */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  classCount: number,
): ConfusionMatrix {
  checkLabels(yTrue, yPred, classCount);
  const counts = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let i = 0; i < yTrue.length; i++) counts[yTrue[i]!]![yPred[i]!]! += 1;
  return counts;
}

/**
 * The matrix as a text table: a row per true class, a column per predicted class, right-aligned.
 *
 * @example
 * ```ts
 * import { formatConfusionMatrix } from "./mod.ts";
 *
 * formatConfusionMatrix([[1, 0], [1, 1]], ["cat", "dog"]);
 * // "true \\ predicted  cat  dog\n              cat    1    0\n              dog    1    1\n"
 * ```
 */
export function formatConfusionMatrix(matrix: ConfusionMatrix, classNames: string[]): string {
  const corner = "true \\ predicted";
  const first = Math.max(corner.length, ...classNames.map((n) => n.length));
  const widths = classNames.map((name, c) =>
    Math.max(name.length, ...matrix.map((row) => String(row[c] ?? 0).length))
  );
  const line = (head: string, cells: string[]) =>
    head.padStart(first) + cells.map((cell, c) => "  " + cell.padStart(widths[c]!)).join("") +
    "\n";
  return line(corner, classNames) +
    matrix.map((row, t) => line(classNames[t] ?? String(t), row.map(String))).join("");
}
