import { dirname, join } from "node:path";
import { FerryError } from "../errors.ts";
import type { ClassificationReportDict, ScoresDict } from "../metrics/mod.ts";
import type { Evaluation } from "./evaluation.ts";

/** The part of an evaluation that a run records and a comparison checks. */
export type RecordedMetrics = Pick<
  Evaluation,
  "images" | "loss" | "accuracy" | "report" | "confusionMatrix"
>;

/** One recorded split: training's `metrics.json` holds "validation" and maybe "test". */
export interface RecordedSplit {
  /** "validation", "test", or "evaluation" for an earlier `report.json`. */
  split: string;
  /** File it was read from. */
  source: string;
  metrics: RecordedMetrics;
}

/** The verdict of {@linkcode compareWithRecorded}. */
export interface Comparison {
  source: string;
  split: string;
  matches: boolean;
  /** One line per difference, e.g. "accuracy: recorded 0.7712, now 0.7709". */
  differences: string[];
}

/** Options of {@linkcode compareWithRecorded}. */
export interface CompareOptions {
  /**
   * Largest absolute loss difference that still matches: training sums the loss in float32 on
   * the TensorFlow.js model, evaluation in float64 on the exported one. @default 1e-4
   */
  lossTolerance?: number;
}

/**
 * Reads the splits recorded in a training run's `metrics.json` (`{validation, test?}`) or in an
 * earlier evaluation's `report.json`.
 *
 * @example
 * ```ts
 * import { type Evaluation, findSameData, readRecordedSplits } from "./mod.ts";
 * declare const evaluation: Evaluation;
 * const splits = await readRecordedSplits("models/run1/metrics.json"); // validation, test
 * const same = findSameData(evaluation, splits);
 * ```
 */
export async function readRecordedSplits(path: string): Promise<RecordedSplit[]> {
  let value: unknown;
  try {
    value = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new FerryError(
      "not_found",
      `Cannot read recorded metrics '${path}': ${(error as Error).message}`,
    );
  }
  const splits: RecordedSplit[] = [];
  if (isMetrics(value)) splits.push({ split: "evaluation", source: path, metrics: value });
  if (value && typeof value === "object") {
    for (const [split, metrics] of Object.entries(value)) {
      if (isMetrics(metrics)) splits.push({ split, source: path, metrics });
    }
  }
  return splits;
}

function isMetrics(value: unknown): value is RecordedMetrics {
  const v = value as Partial<RecordedMetrics> | null;
  return typeof v === "object" && v !== null && typeof v.images === "number" &&
    typeof v.accuracy === "number" && typeof v.report === "object" &&
    Array.isArray(v.confusionMatrix);
}

/**
 * Where a model's training run may have recorded its metrics: `metrics.json` beside the model,
 * and `models/<run id>/metrics.json` when the model names its run. Existing files only.
 */
export async function recordedMetricsFiles(
  modelPath: string,
  runId?: string,
): Promise<string[]> {
  const candidates = [join(dirname(modelPath), "metrics.json")];
  if (runId) {
    candidates.push(
      join(dirname(dirname(modelPath)), runId, "metrics.json"),
      join("models", runId, "metrics.json"),
    );
  }
  const found: string[] = [];
  for (const path of new Set(candidates)) {
    if (await Deno.stat(path).then((s) => s.isFile, () => false)) found.push(path);
  }
  return found;
}

/**
 * The recorded split measured on the same data as `evaluation`: same image count, same classes,
 * same number of images per class. Undefined when none is.
 */
export function findSameData(
  evaluation: RecordedMetrics,
  splits: RecordedSplit[],
): RecordedSplit | undefined {
  const supports = (m: RecordedMetrics) => JSON.stringify(m.confusionMatrix.map(sum));
  return splits.find((s) =>
    s.metrics.images === evaluation.images &&
    sameKeys(s.metrics.report, evaluation.report) &&
    supports(s.metrics) === supports(evaluation)
  );
}

/**
 * Compares a recomputed evaluation with a recorded one: image count, accuracy, every score of
 * the classification report and every cell of the confusion matrix exactly, the loss within a
 * tolerance.
 *
 * @example
 * ```ts
 * import { compareWithRecorded, type Evaluation, formatComparison, type RecordedSplit } from "./mod.ts";
 * declare const evaluation: Evaluation;
 * declare const recorded: RecordedSplit;
 * const comparison = compareWithRecorded(evaluation, recorded);
 * console.log(formatComparison(comparison));
 * ```
 */
export function compareWithRecorded(
  evaluation: RecordedMetrics,
  recorded: RecordedSplit,
  options: CompareOptions = {},
): Comparison {
  const tolerance = options.lossTolerance ?? 1e-4;
  const was = recorded.metrics;
  const differences: string[] = [];
  const differ = (what: string, before: number | string, now: number | string) =>
    differences.push(`${what}: recorded ${before}, now ${now}`);
  if (was.images !== evaluation.images) differ("images", was.images, evaluation.images);
  if (was.accuracy !== evaluation.accuracy) differ("accuracy", was.accuracy, evaluation.accuracy);
  if (!(Math.abs(was.loss - evaluation.loss) <= tolerance)) {
    differ(`loss (tolerance ${tolerance})`, was.loss, evaluation.loss);
  }
  for (const [row, now] of Object.entries(evaluation.report)) {
    const before = was.report[row];
    if (before === undefined) differences.push(`report row "${row}": not recorded`);
    else if (typeof now === "number" || typeof before === "number") {
      if (now !== before) differ(`report "${row}"`, String(before), String(now));
    } else {
      for (const key of ["precision", "recall", "f1-score", "support"] as (keyof ScoresDict)[]) {
        if (before[key] !== now[key]) differ(`report "${row}" ${key}`, before[key], now[key]);
      }
    }
  }
  const names = Object.keys(evaluation.report).slice(0, evaluation.confusionMatrix.length);
  evaluation.confusionMatrix.forEach((row, t) =>
    row.forEach((count, p) => {
      const before = was.confusionMatrix[t]?.[p];
      if (before !== count) {
        differ(`confusion ${names[t] ?? t} → ${names[p] ?? p}`, before ?? "nothing", count);
      }
    })
  );
  return {
    source: recorded.source,
    split: recorded.split,
    matches: differences.length === 0,
    differences,
  };
}

/** A comparison as lines of text: a verdict, then the differences. */
export function formatComparison(comparison: Comparison): string {
  const where = `the ${comparison.split} report recorded in ${comparison.source}`;
  if (comparison.matches) return `The recomputed report matches ${where}.`;
  return [
    `The recomputed report differs from ${where} in ${comparison.differences.length} places:`,
    ...comparison.differences.map((d) => `  - ${d}`),
  ].join("\n");
}

function sum(row: number[]): number {
  return row.reduce((a, b) => a + b, 0);
}

function sameKeys(a: ClassificationReportDict, b: ClassificationReportDict): boolean {
  return JSON.stringify(Object.keys(a)) === JSON.stringify(Object.keys(b));
}
