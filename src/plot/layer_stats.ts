import { SERIES_COLORS } from "./_svg.ts";
import { type LineChartOptions, lineChartSvg, type Series } from "./line_chart.ts";

/** Per-layer values per epoch, by layer name in model order (NaN: not measured that epoch). */
export interface LayerCurves {
  /** Mean L2 norm of the layer's gradient per epoch. */
  gradNorm: Record<string, number[]>;
  /** Mean update-to-weight ratio ‖Δw‖/‖w‖ per epoch. */
  updateRatio: Record<string, number[]>;
}

/**
 * Two panels with a line per trainable layer, both on log scales: the gradient's L2 norm and
 * the update-to-weight ratio per epoch (a value of 0 leaves a gap). A layer keeps its colour in
 * both; past ten layers the colours repeat dashed. The plot grows taller to fit long legends.
 *
 * @example
 * ```ts
 * import { layerStatsSvg } from "./mod.ts";
 *
 * const svg = layerStatsSvg({
 *   gradNorm: { conv2d_1: [0.8, 0.5], dense_1: [0.3, 0.2] },
 *   updateRatio: { conv2d_1: [4e-3, 2e-3], dense_1: [1e-3, 8e-4] },
 * });
 * ```
 */
export function layerStatsSvg(curves: LayerCurves, options: LineChartOptions = {}): string {
  const series = (values: Record<string, number[]>): Series[] =>
    Object.entries(values).map(([name, v], i) => ({
      name,
      values: v,
      color: SERIES_COLORS[i % SERIES_COLORS.length]!,
      dashed: i >= SERIES_COLORS.length,
    }));
  const layers = Object.keys(curves.gradNorm).length;
  return lineChartSvg([
    {
      title: "Gradient norm per layer",
      yLabel: "‖gradient‖ (mean over steps)",
      yScale: "log",
      series: series(curves.gradNorm),
    },
    {
      title: "Update-to-weight ratio per layer",
      yLabel: "‖Δw‖ / ‖w‖ (mean over steps)",
      yScale: "log",
      series: series(curves.updateRatio),
    },
  ], { ...options, height: options.height ?? Math.max(360, 18 * layers + 180) });
}
