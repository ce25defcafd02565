/**
 * Evaluation: a model and a labelled dataset in, every metric out (loss, accuracy, scikit-learn's
 * classification report, confusion matrix, most confused pairs), written as JSON, Markdown and a
 * heatmap, and compared with what the model's training run recorded. ONNX models run in
 * onnxruntime; TensorFlow.js is imported only for a tfjs model.
 *
 * @example
 * ```ts
 * import { formatEvaluation, runEvaluation } from "./mod.ts";
 * const { evaluation, context } = await runEvaluation({ model: "m.onnx", data: "photos", out: "eval" });
 * console.log(formatEvaluation(evaluation, context));
 * ```
 *
 * @module
 */
export {
  alignLabels,
  evaluateClassifier,
  type EvaluateClassifierOptions,
  evaluatePredictions,
  type Evaluation,
  EVALUATION_DEFAULTS,
  type EvaluationOptions,
} from "./evaluation.ts";
export {
  type CompareOptions,
  compareWithRecorded,
  type Comparison,
  findSameData,
  formatComparison,
  readRecordedSplits,
  type RecordedMetrics,
  recordedMetricsFiles,
  type RecordedSplit,
} from "./compare.ts";
export {
  type EvaluationContext,
  type EvaluationFiles,
  evaluationMarkdown,
  formatEvaluation,
  writeEvaluation,
} from "./report.ts";
export {
  CIFAR10_TEST,
  type EvaluationResult,
  runEvaluation,
  type RunEvaluationOptions,
} from "./run.ts";
