/**
 * Plots without dependencies: SVG written as text, PNG rendered from the SVG by sharp. Training
 * curves (the notebook's accuracy and loss panels), any overlay of per-epoch lines (experiments),
 * per-layer gradient norms and update ratios, the confusion-matrix heatmap and the reliability
 * diagram.
 *
 * @example
 * ```ts
 * import { confusionMatrixSvg, trainingCurvesSvg, writePlot } from "./mod.ts";
 *
 * const history = { accuracy: [0.4, 0.55], loss: [1.6, 1.2] };
 * await writePlot("models/run1/curves", trainingCurvesSvg(history));
 * await writePlot("models/run1/confusion", confusionMatrixSvg([[5, 1], [2, 7]], ["cat", "dog"]));
 * ```
 *
 * @module
 */
export { type ConfusionHeatmapOptions, confusionMatrixSvg } from "./confusion_heatmap.ts";
export { type LayerCurves, layerStatsSvg } from "./layer_stats.ts";
export { type LineChartOptions, lineChartSvg, type Panel, type Series } from "./line_chart.ts";
export {
  type ReliabilityBin,
  type ReliabilityDiagramOptions,
  reliabilityDiagramSvg,
} from "./reliability_diagram.ts";
export { svgToPng, type SvgToPngOptions, writePlot } from "./png.ts";
export { trainingCurvesSvg, type TrainingHistory } from "./training_curves.ts";
