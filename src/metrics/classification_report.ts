import { FerryError } from "../errors.ts";
import { checkLabels, confusionMatrix } from "./confusion_matrix.ts";
import { formatFixed, padLeft, pairwiseSum } from "./_python_format.ts";

/**
 * What a score becomes when its denominator is zero (a class never predicted has no precision).
 * `"warn"` is scikit-learn's default: 0.0 plus a warning; `"nan"` stands for `np.nan`.
 */
export type ZeroDivision = "warn" | 0 | 1 | "nan";

/** Precision, recall, F1 and support of one class or one average. */
export interface Scores {
  precision: number;
  recall: number;
  f1Score: number;
  support: number;
}

/** A classification report's numbers, before formatting. */
export interface ClassificationReport {
  /** One entry per class, in class-index order. */
  classes: (Scores & { name: string })[];
  /** Correct predictions / all predictions (scikit-learn's micro average). */
  accuracy: number;
  macroAvg: Scores;
  weightedAvg: Scores;
  /** scikit-learn's `UndefinedMetricWarning` texts, when `zeroDivision` is `"warn"`. */
  warnings: string[];
}

/** Options of {@linkcode classificationReport}. */
export interface ClassificationReportOptions {
  /** Class names, index = label; their number is the number of classes. */
  classNames: string[];
  /** Value of a score whose denominator is zero. @default "warn" */
  zeroDivision?: ZeroDivision;
}

/**
 * Per-class and averaged precision, recall, F1 and support, computed the way scikit-learn's
 * `classification_report(y_true, y_pred, labels=range(n), target_names=classNames)` does (same
 * formulas and summation order, so the same float64 values). Every class is reported, also one
 * that never occurs in `yTrue` or `yPred`.
 *
 * @example
 * ```ts
 * import { classificationReport } from "./mod.ts";
 *
 * const report = classificationReport([0, 1, 1], [0, 0, 1], { classNames: ["cat", "dog"] });
 * report.accuracy; // 0.6666666666666666
 * ```
 */
export function classificationReport(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: ClassificationReportOptions,
): ClassificationReport {
  const { classNames } = options;
  const zeroDivision = options.zeroDivision ?? "warn";
  checkLabels(yTrue, yPred, classNames.length);
  if (yTrue.length === 0) {
    throw new FerryError("usage", "Cannot compute a classification report: no labels were given");
  }
  const matrix = confusionMatrix(yTrue, yPred, classNames.length);
  const tp = matrix.map((row, c) => row[c]!);
  const trueSum = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const predSum = classNames.map((_, c) => matrix.reduce((a, row) => a + row[c]!, 0));

  const warnings: string[] = [];
  const fallback = zeroDivision === "nan" ? NaN : zeroDivision === "warn" ? 0 : zeroDivision;
  const divide = (num: number[], den: number[], warning: string): number[] => {
    if (zeroDivision === "warn" && den.some((d) => d === 0)) warnings.push(warning);
    return num.map((n, i) => (den[i] === 0 ? fallback : n / den[i]!));
  };
  const ill = (what: string, samples: string) =>
    `${what} ill-defined and being set to 0.0 in labels with no ${samples} samples. ` +
    "Use `zero_division` parameter to control this behavior.";
  const precision = divide(tp, predSum, ill("Precision is", "predicted"));
  const recall = divide(tp, trueSum, ill("Recall is", "true"));
  // F1 from counts, 2tp / (2tp + fn + fp) = 2tp / (true + predicted), as scikit-learn ≥ 1.3 does.
  const f1 = divide(
    tp.map((t) => 2 * t),
    trueSum.map((t, c) => t + predSum[c]!),
    ill("F-score is", "true nor predicted"),
  );

  const total = yTrue.length;
  const correct = pairwiseSum(tp);
  const average = (weights?: number[]): Scores => ({
    precision: nanAverage(precision, weights),
    recall: nanAverage(recall, weights),
    f1Score: nanAverage(f1, weights),
    support: total,
  });
  return {
    classes: classNames.map((name, c) => ({
      name,
      precision: precision[c]!,
      recall: recall[c]!,
      f1Score: f1[c]!,
      support: trueSum[c]!,
    })),
    accuracy: correct / total,
    macroAvg: average(),
    weightedAvg: average(trueSum),
    warnings,
  };
}

// scikit-learn's `_nanaverage`: NaN scores are left out; all-zero weights fall back to the mean.
function nanAverage(values: number[], weights?: number[]): number {
  const kept = values.flatMap((v, i) => (Number.isNaN(v) ? [] : [i]));
  if (kept.length === 0) return NaN;
  if (weights === undefined) {
    // np.nanmean sums with NaNs replaced by 0, in place, then divides by the count.
    return pairwiseSum(values.map((v) => (Number.isNaN(v) ? 0 : v))) / kept.length;
  }
  const a = kept.map((i) => values[i]!);
  const w = kept.map((i) => weights[i]!);
  const scale = pairwiseSum(w);
  if (scale === 0) return pairwiseSum(a) / a.length;
  return pairwiseSum(a.map((v, i) => v * w[i]!)) / scale;
}

/**
 * The report as text in scikit-learn's exact layout: names right-aligned to the longest class
 * name (at least as wide as "weighted avg" and as `digits`), four columns of width 9, a blank
 * line after the header and after the classes, and an accuracy row with blank precision and
 * recall.
 *
 * @example
 * ```ts
 * import { classificationReport, formatClassificationReport } from "./mod.ts";
 *
 * const report = classificationReport([0, 1, 1], [0, 0, 1], { classNames: ["cat", "dog"] });
 * formatClassificationReport(report, 2);
 * ```
 */
export function formatClassificationReport(report: ClassificationReport, digits = 2): string {
  const width = Math.max(
    ...report.classes.map((c) => [...c.name].length),
    "weighted avg".length,
    digits,
  );
  const cell = (text: string) => " " + padLeft(text, 9);
  // scikit-learn's quirk: when no prediction is right, its counts become float64 arrays, and it
  // prints supports as floats ("3.0").
  const count = report.accuracy === 0 ? (n: number) => `${n}.0` : String;
  const row = (name: string, s: Scores) =>
    padLeft(name, width) + " " +
    [s.precision, s.recall, s.f1Score].map((v) => cell(formatFixed(v, digits))).join("") +
    cell(count(s.support)) + "\n";
  const total = report.macroAvg.support;
  return padLeft("", width) + " " +
    ["precision", "recall", "f1-score", "support"].map(cell).join("") + "\n\n" +
    report.classes.map((c) => row(c.name, c)).join("") + "\n" +
    padLeft("accuracy", width) + " " + cell("") + cell("") +
    cell(formatFixed(report.accuracy, digits)) + cell(count(total)) + "\n" +
    row("macro avg", report.macroAvg) +
    row("weighted avg", report.weightedAvg);
}

/** One row of {@linkcode ClassificationReportDict}, keyed as scikit-learn keys it. */
export interface ScoresDict {
  precision: number;
  recall: number;
  "f1-score": number;
  support: number;
}

/** scikit-learn's `output_dict=True` form: class names, "accuracy", "macro avg", "weighted avg". */
export type ClassificationReportDict = Record<string, ScoresDict | number>;

/** The report in scikit-learn's `output_dict=True` shape, with the same keys in the same order. */
export function classificationReportDict(report: ClassificationReport): ClassificationReportDict {
  const dict = (s: Scores): ScoresDict => ({
    precision: s.precision,
    recall: s.recall,
    "f1-score": s.f1Score,
    support: s.support,
  });
  const out: ClassificationReportDict = {};
  for (const c of report.classes) out[c.name] = dict(c);
  out["accuracy"] = report.accuracy;
  out["macro avg"] = dict(report.macroAvg);
  out["weighted avg"] = dict(report.weightedAvg);
  return out;
}
