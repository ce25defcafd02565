import { type LineChartOptions, lineChartSvg } from "./line_chart.ts";

/** Keras' `history.history`: a list of values per epoch for each metric. */
export interface TrainingHistory {
  accuracy: number[];
  loss: number[];
  val_accuracy?: number[];
  val_loss?: number[];
}

/**
 * The notebook's two panels: "Model accuracy" and "Model loss", train against validation, per
 * epoch.
 *
 * @example
 * ```ts
 * import { trainingCurvesSvg } from "./mod.ts";
 *
 * const svg = trainingCurvesSvg({ accuracy: [0.4, 0.55], val_accuracy: [0.5, 0.6],
 *   loss: [1.6, 1.2], val_loss: [1.4, 1.1] });
 * ```
 */
export function trainingCurvesSvg(
  history: TrainingHistory,
  options: LineChartOptions = {},
): string {
  const pair = (train: number[], validation: number[] | undefined) => [
    { name: "Train", values: train },
    ...(validation ? [{ name: "Validation", values: validation }] : []),
  ];
  return lineChartSvg([
    {
      title: "Model accuracy",
      yLabel: "Accuracy",
      series: pair(history.accuracy, history.val_accuracy),
    },
    { title: "Model loss", yLabel: "Loss", series: pair(history.loss, history.val_loss) },
  ], options);
}
