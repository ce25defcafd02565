/**
 * Classification metrics shared by training, evaluation, classification and experiments: the
 * classification report in scikit-learn's exact text and dict forms, the confusion matrix (rows =
 * true class, columns = predicted), the most confused pairs, accuracy and Keras' cross-entropy.
 *
 * @example
 * ```ts
 * import {
 *   classificationReport,
 *   confusionMatrix,
 *   formatClassificationReport,
 *   formatConfusionMatrix,
 * } from "./mod.ts";
 *
 * const classNames = ["cat", "dog"];
 * const [yTrue, yPred] = [[0, 1, 1], [0, 0, 1]];
 * const report = classificationReport(yTrue, yPred, { classNames });
 * console.log(formatClassificationReport(report, 2));
 * const matrix = confusionMatrix(yTrue, yPred, classNames.length);
 * console.log(formatConfusionMatrix(matrix, classNames));
 * ```
 *
 * @module
 */
export {
  type ClassificationReport,
  classificationReport,
  type ClassificationReportDict,
  classificationReportDict,
  type ClassificationReportOptions,
  formatClassificationReport,
  type Scores,
  type ScoresDict,
  type ZeroDivision,
} from "./classification_report.ts";
export {
  type ConfusionMatrix,
  confusionMatrix,
  formatConfusionMatrix,
} from "./confusion_matrix.ts";
export { type ConfusedPair, type MostConfusedOptions, mostConfusedPairs } from "./most_confused.ts";
export { accuracy, argmaxRows, categoricalCrossEntropy, KERAS_EPSILON } from "./scores.ts";
export {
  applyTemperature,
  type Calibration,
  calibration,
  CALIBRATION_BINS,
  type CalibrationBin,
  fitTemperature,
  LOG_FLOOR,
} from "./calibration.ts";
export type { SplitMetrics } from "./split_metrics.ts";
