import type { ClassificationReportDict } from "./classification_report.ts";

/**
 * A model's final numbers on one split, in the shape training's `metrics.json` gives each split;
 * an evaluation and a model card carry the same fields, so they compare field by field.
 */
export interface SplitMetrics {
  images: number;
  /** Mean categorical cross-entropy, Keras' way (probabilities clipped to [1e-7, 1 − 1e-7]). */
  loss: number;
  accuracy: number;
  /** scikit-learn's `classification_report(..., output_dict=True)`. */
  report: ClassificationReportDict;
  /** Rows = true class, columns = predicted class, in class-name order. */
  confusionMatrix: number[][];
}
