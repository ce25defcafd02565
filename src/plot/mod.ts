/**
 * Plots without dependencies: SVG written as text, PNG rendered from the SVG by sharp. Training
 * curves (the notebook's accuracy and loss panels), any overlay of per-epoch lines (experiments),
 * and the confusion-matrix heatmap.
 *
 * @example
 * ```ts
 * await writePlot(`${out}/curves`, trainingCurvesSvg(history));
 * await writePlot(`${out}/confusion`, confusionMatrixSvg(matrix, classNames));
 * ```
 *
 * @module
 */
export { type ConfusionHeatmapOptions, confusionMatrixSvg } from "./confusion_heatmap.ts";
export { type LineChartOptions, lineChartSvg, type Panel, type Series } from "./line_chart.ts";
export { svgToPng, type SvgToPngOptions, writePlot } from "./png.ts";
export { trainingCurvesSvg, type TrainingHistory } from "./training_curves.ts";
