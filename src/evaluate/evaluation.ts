import type { ImageDataset } from "../data/mod.ts";
import { FerryError } from "../errors.ts";
import { normalizeInto, valuesPerImage } from "../image/mod.ts";
import {
  argmaxRows,
  type Calibration,
  calibration,
  categoricalCrossEntropy,
  classificationReport,
  classificationReportDict,
  type ConfusedPair,
  confusionMatrix,
  formatClassificationReport,
  mostConfusedPairs,
  type SplitMetrics,
  type ZeroDivision,
} from "../metrics/mod.ts";
import { type Reporter, silentReporter } from "../progress/mod.ts";
import type { ClassifierSession } from "../runtime/mod.ts";

/** A model's numbers on one labelled dataset: training's split metrics and more. */
export interface Evaluation extends SplitMetrics {
  classNames: string[];
  mostConfused: ConfusedPair[];
  /** Per most confused pair (same order): the first few images of it, as dataset indices. */
  confusedExamples: number[][];
  /** Expected calibration error (15 bins) and the reliability diagram's bins. */
  calibration: Calibration;
  /** The report as scikit-learn prints it, with {@linkcode EvaluationOptions.digits} digits. */
  reportText: string;
  /** scikit-learn's warnings about ill-defined scores (a class never predicted). */
  warnings: string[];
}

/** Options of {@linkcode evaluatePredictions} and {@linkcode evaluateClassifier}. */
export interface EvaluationOptions {
  /** Digits of the printed report, scikit-learn's `digits`. @default 2 */
  digits?: number;
  /** Score of a class with a zero denominator. @default "warn" */
  zeroDivision?: ZeroDivision;
  /** Most confused pairs listed. @default 10 */
  mostConfused?: number;
}

/** Defaults of {@linkcode EvaluationOptions} and {@linkcode EvaluateClassifierOptions}. */
export const EVALUATION_DEFAULTS = Object.freeze({
  digits: 2,
  zeroDivision: "warn" as ZeroDivision,
  mostConfused: 10,
  batchSize: 256,
});

/**
 * Every metric from predicted probabilities (`labels.length × classNames.length`, row by row) and
 * the true class indices. Training and evaluation both end here, so their reports agree.
 *
 * @example
 * ```ts
 * import { evaluatePredictions } from "./mod.ts";
 * import type { ImageDataset } from "../data/mod.ts";
 * declare const probabilities: Float32Array; // images × classes, row-major
 * declare const dataset: ImageDataset;
 * const classNames = dataset.classNames;
 * const evaluation = evaluatePredictions(probabilities, dataset.labels, classNames, { digits: 4 });
 * console.log(evaluation.reportText);
 * ```
 */
export function evaluatePredictions(
  probabilities: Float32Array,
  labels: ArrayLike<number>,
  classNames: string[],
  options: EvaluationOptions = {},
): Evaluation {
  const o = { ...EVALUATION_DEFAULTS, ...options };
  if (!Number.isInteger(o.digits) || o.digits < 0) {
    throw new FerryError("usage", `Cannot evaluate: 'digits' must be 0 or more, got ${o.digits}`);
  }
  const k = classNames.length;
  const predictions = argmaxRows(probabilities, k);
  const report = classificationReport(labels, predictions, {
    classNames,
    zeroDivision: o.zeroDivision,
  });
  const matrix = confusionMatrix(labels, predictions, k);
  const mostConfused = mostConfusedPairs(matrix, classNames, { limit: o.mostConfused });
  return {
    images: labels.length,
    loss: categoricalCrossEntropy(probabilities, labels, k),
    accuracy: report.accuracy,
    report: classificationReportDict(report),
    confusionMatrix: matrix,
    classNames,
    mostConfused,
    confusedExamples: mostConfused.map((pair) =>
      examplesOf(labels, predictions, pair.trueIndex, pair.predictedIndex)
    ),
    calibration: calibration(probabilities, labels, k),
    reportText: formatClassificationReport(report, o.digits),
    warnings: report.warnings,
  };
}

/** Images shown per confused pair: enough to see a pattern, few enough to inline in a card. */
const EXAMPLES_PER_PAIR = 6;

function examplesOf(
  labels: ArrayLike<number>,
  predictions: Int32Array,
  trueIndex: number,
  predictedIndex: number,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < labels.length && out.length < EXAMPLES_PER_PAIR; i++) {
    if (labels[i] === trueIndex && predictions[i] === predictedIndex) out.push(i);
  }
  return out;
}

/** Options of {@linkcode evaluateClassifier}. */
export interface EvaluateClassifierOptions extends EvaluationOptions {
  /** Images per model run. @default 256 */
  batchSize?: number;
  /** Receives the progress of the predictions. @default silentReporter */
  reporter?: Reporter;
}

/**
 * Runs `model` over every image of `dataset` (normalised by the image layer with the model's
 * input spec) and evaluates the predictions. Dataset classes are matched to the model's by name.
 *
 * @example
 * ```ts
 * import { evaluateClassifier } from "./mod.ts";
 * import type { ImageDataset } from "../data/mod.ts";
 * import { openClassifier } from "../runtime/mod.ts";
 * declare const dataset: ImageDataset;
 * const model = await openClassifier("models/cifar10/model.onnx");
 * const evaluation = await evaluateClassifier(model, dataset, { digits: 4 });
 * ```
 */
export async function evaluateClassifier(
  model: ClassifierSession,
  dataset: ImageDataset,
  options: EvaluateClassifierOptions = {},
): Promise<Evaluation> {
  const batchSize = options.batchSize ?? EVALUATION_DEFAULTS.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new FerryError(
      "usage",
      `Cannot evaluate: 'batchSize' must be a positive integer, got ${batchSize}`,
    );
  }
  const { inputSpec: spec, classNames } = model.info;
  if (dataset.width !== spec.width || dataset.height !== spec.height) {
    throw new FerryError(
      "dataset",
      `Cannot evaluate model '${model.info.name}': it takes ${spec.width}×${spec.height} images, ` +
        `the dataset holds ${dataset.width}×${dataset.height}`,
    );
  }
  if (dataset.count === 0) {
    throw new FerryError("dataset", "Cannot evaluate: the dataset holds no images");
  }
  const labels = alignLabels(dataset, classNames);
  const k = classNames.length;
  const pixels = dataset.width * dataset.height * 3;
  const perImage = valuesPerImage(spec);
  const probabilities = new Float32Array(dataset.count * k);
  const input = new Float32Array(Math.min(batchSize, dataset.count) * perImage);
  const task = (options.reporter ?? silentReporter).task("Evaluating", dataset.count);
  for (let start = 0; start < dataset.count; start += batchSize) {
    const count = Math.min(batchSize, dataset.count - start);
    for (let i = 0; i < count; i++) {
      const data = dataset.images.subarray((start + i) * pixels, (start + i + 1) * pixels);
      normalizeInto(
        { data, width: dataset.width, height: dataset.height },
        input,
        i * perImage,
        spec,
      );
    }
    probabilities.set(await model.run(input.subarray(0, count * perImage), count), start * k);
    task.tick(count);
  }
  task.done(`${dataset.count} images`);
  return evaluatePredictions(probabilities, labels, classNames, options);
}

/**
 * The dataset's labels as indices into the model's classes, matched by name: a folder's sorted
 * subfolders need not be in the model's output order. A dataset class the model lacks is an error.
 */
export function alignLabels(dataset: ImageDataset, modelClasses: string[]): Uint16Array {
  const position = new Map(modelClasses.map((name, i) => [name, i]));
  const missing = dataset.classNames.filter((name) => !position.has(name));
  if (missing.length > 0) {
    throw new FerryError(
      "dataset",
      `Cannot evaluate: the model has no class ${missing.map((c) => `"${c}"`).join(", ")} ` +
        `(its classes: ${modelClasses.join(", ")}); name the dataset's folders after the ` +
        "model's classes or give --labels",
    );
  }
  const map = dataset.classNames.map((name) => position.get(name)!);
  return Uint16Array.from(dataset.labels, (label) => map[label]!);
}
