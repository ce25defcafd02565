import { escapeXml, FONT, niceTicks, num, SERIES_COLORS } from "./_svg.ts";

/** One line: a value per epoch (NaN or a missing value leaves a gap). */
export interface Series {
  name: string;
  values: number[];
  /** CSS colour; by default the next of matplotlib's tab10 colours. */
  color?: string;
  /** Draws the line dashed (e.g. training beside a solid validation line). @default false */
  dashed?: boolean;
}

/** One panel of a {@linkcode lineChartSvg}: a title, axis labels and its lines. */
export interface Panel {
  title: string;
  /** @default "Epoch" */
  xLabel?: string;
  yLabel: string;
  /** A log scale draws values ≤ 0 as gaps and ticks the powers of ten. @default "linear" */
  yScale?: "linear" | "log";
  series: Series[];
}

/** Options of {@linkcode lineChartSvg}. */
export interface LineChartOptions {
  /** Width of one panel in pixels. @default 480 */
  panelWidth?: number;
  /** Height in pixels. @default 360 */
  height?: number;
}

const MARGIN = { left: 64, right: 16, top: 36, bottom: 48 };

/**
 * Panels side by side, each with lines over epochs 1…n, axes, ticks, a grid and a legend:
 * matplotlib's `plt.subplot(1, k, i); plt.plot(...)` drawn as a dependency-free SVG.
 *
 * @example
 * ```ts
 * import { lineChartSvg } from "./mod.ts";
 *
 * const svg = lineChartSvg([{ title: "Model loss", yLabel: "Loss",
 *   series: [{ name: "Train", values: [1.2, 0.9] }, { name: "Validation", values: [1.1, 1.0] }] }]);
 * ```
 */
export function lineChartSvg(panels: Panel[], options: LineChartOptions = {}): string {
  const panelWidth = options.panelWidth ?? 480;
  const height = options.height ?? 360;
  const width = panelWidth * panels.length;
  const body = panels.map((panel, i) => panelSvg(panel, i * panelWidth, panelWidth, height));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}

function panelSvg(panel: Panel, x0: number, width: number, height: number): string {
  const left = x0 + MARGIN.left;
  const right = x0 + width - MARGIN.right;
  const top = MARGIN.top;
  const bottom = height - MARGIN.bottom;
  const epochs = Math.max(1, ...panel.series.map((s) => s.values.length));
  const log = panel.yScale === "log";
  // On a log scale every position is a power of ten: the values become their log10.
  const scaled = panel.series.map((s) =>
    log ? s.values.map((v) => (v > 0 ? Math.log10(v) : NaN)) : s.values
  );
  const finite = scaled.flatMap((values) => values.filter(Number.isFinite));
  const [low, high] = [Math.min(...finite, Infinity), Math.max(...finite, -Infinity)];
  const yTicks = log ? decadeTicks(low, high) : niceTicks(low, high);
  const xTicks = niceTicks(1, epochs).filter((t) => Number.isInteger(t) && t >= 1 && t <= epochs);
  const [yMin, yMax] = [yTicks[0]!, yTicks[yTicks.length - 1]!];
  const px = (epoch: number) =>
    epochs === 1 ? (left + right) / 2 : left + ((epoch - 1) / (epochs - 1)) * (right - left);
  const py = (v: number) => bottom - ((v - yMin) / (yMax - yMin)) * (bottom - top);
  const out: string[] = [`<g class="panel">`];
  out.push(
    `<text x="${num((left + right) / 2)}" y="${top - 14}" text-anchor="middle" ` +
      `font-size="14">${escapeXml(panel.title)}</text>`,
  );
  for (const t of yTicks) {
    out.push(
      `<line x1="${left}" x2="${right}" y1="${num(py(t))}" y2="${num(py(t))}" stroke="#e5e5e5"/>`,
      `<text x="${left - 6}" y="${num(py(t) + 4)}" text-anchor="end">` +
        `${log ? decadeLabel(t) : num(t, 6)}</text>`,
    );
  }
  for (const t of xTicks) {
    out.push(
      `<line x1="${num(px(t))}" x2="${num(px(t))}" y1="${bottom}" y2="${
        bottom + 4
      }" stroke="#333"/>`,
      `<text x="${num(px(t))}" y="${bottom + 17}" text-anchor="middle">${t}</text>`,
    );
  }
  out.push(
    `<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" ` +
      `fill="none" stroke="#333"/>`,
    `<text x="${num((left + right) / 2)}" y="${height - 10}" text-anchor="middle">` +
      `${escapeXml(panel.xLabel ?? "Epoch")}</text>`,
    `<text transform="translate(${x0 + 16} ${num((top + bottom) / 2)}) rotate(-90)" ` +
      `text-anchor="middle">${escapeXml(panel.yLabel)}</text>`,
  );
  const lines = scaled.map((values) =>
    values.flatMap((v, e) => Number.isFinite(v) ? [{ x: px(e + 1), y: py(v) }] : [null])
  );
  const legendSize = {
    width: Math.max(LEGEND_WIDTH, 44 + 7 * Math.max(0, ...panel.series.map((s) => s.name.length))),
    height: panel.series.length * 18 + 6,
  };
  const box = legendBox(lines, { left, right, top, bottom }, legendSize);
  const legend = [
    `<rect x="${num(box.x)}" y="${num(box.y)}" width="${legendSize.width}" ` +
    `height="${legendSize.height}" ` +
    `fill="#ffffff" fill-opacity="0.85" stroke="#cccccc"/>`,
  ];
  panel.series.forEach((series, i) => {
    const color = series.color ?? SERIES_COLORS[i % SERIES_COLORS.length]!;
    const dash = series.dashed ? ` stroke-dasharray="6 4"` : "";
    for (const run of splitRuns(lines[i]!)) {
      const [first] = run;
      out.push(
        run.length === 1 && first
          ? `<circle cx="${num(first.x)}" cy="${num(first.y)}" r="3" fill="${color}"/>`
          : `<polyline points="${run.map((p) => `${num(p.x)},${num(p.y)}`).join(" ")}" ` +
            `fill="none" stroke="${color}" stroke-width="2"${dash}/>`,
      );
    }
    const ly = box.y + 16 + i * 18;
    legend.push(
      `<line x1="${num(box.x + 6)}" x2="${num(box.x + 30)}" y1="${num(ly - 4)}" ` +
        `y2="${num(ly - 4)}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${num(box.x + 36)}" y="${num(ly)}">${escapeXml(series.name)}</text>`,
    );
  });
  out.push(...legend);
  out.push("</g>");
  return out.join("\n");
}

/** The narrowest legend box; longer names widen it (about 7 pixels a character). */
const LEGEND_WIDTH = 122;

/**
 * Log10 tick positions: every power of ten covering [min, max] (at most about nine of them), and
 * 2 and 5 times each when the range spans two decades or less.
 */
function decadeTicks(min: number, max: number): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return [0, 1]; // nothing positive to draw
  const [first, last] = [Math.floor(min), Math.max(Math.ceil(max), Math.floor(min) + 1)];
  const step = Math.ceil((last - first) / 8);
  const ticks: number[] = [];
  for (let t = first; t < last + step; t += step) {
    ticks.push(t);
    if (last - first <= 2 && t < last) ticks.push(t + Math.log10(2), t + Math.log10(5));
  }
  return ticks;
}

/** A log10 tick's label: 0.002, 1, 500 as numbers, smaller or larger ones as 1e-5, 2e6. */
function decadeLabel(exponent: number): string {
  const value = Number((10 ** exponent).toPrecision(1));
  return Math.abs(exponent) <= 3.5 ? String(value) : value.toExponential(0).replace("+", "");
}

interface Point {
  x: number;
  y: number;
}

/**
 * The legend's corner, matplotlib's `loc="best"` in small: the first of upper right, upper left,
 * lower right and lower left whose box hides the fewest stretches of line (each segment sampled
 * at eight points), so that rising accuracy curves keep the legend out of their way.
 */
function legendBox(
  lines: (Point | null)[][],
  plot: { left: number; right: number; top: number; bottom: number },
  size: { width: number; height: number },
): Point {
  const { width, height } = size;
  const samples: Point[] = [];
  for (const run of lines.flatMap((line) => splitRuns(line))) {
    samples.push(run[0]!);
    for (let i = 1; i < run.length; i++) {
      const [a, b] = [run[i - 1]!, run[i]!];
      for (let k = 1; k <= 8; k++) {
        samples.push({ x: a.x + ((b.x - a.x) * k) / 8, y: a.y + ((b.y - a.y) * k) / 8 });
      }
    }
  }
  const [xRight, xLeft] = [plot.right - width - 4, plot.left + 4];
  const [yTop, yBottom] = [plot.top + 4, plot.bottom - height - 4];
  const corners = [[xRight, yTop], [xLeft, yTop], [xRight, yBottom], [xLeft, yBottom]] as const;
  const hidden = corners.map(([x, y]) =>
    samples.filter((p) => p.x >= x && p.x <= x + width && p.y >= y && p.y <= y + height)
      .length
  );
  const best = hidden.indexOf(Math.min(...hidden));
  return { x: corners[best]![0], y: corners[best]![1] };
}

function splitRuns<T>(points: (T | null)[]): T[][] {
  const runs: T[][] = [[]];
  for (const p of points) {
    if (p === null) runs.push([]);
    else runs[runs.length - 1]!.push(p);
  }
  return runs.filter((r) => r.length > 0);
}
