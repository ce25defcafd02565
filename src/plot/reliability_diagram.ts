import { escapeXml, FONT, num, SERIES_COLORS } from "./_svg.ts";

/** One confidence bin (metrics' `calibration()` gives them): images with top-1 p in (lower, upper]. */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  confidence: number;
  accuracy: number;
}

/** Options of {@linkcode reliabilityDiagramSvg}. */
export interface ReliabilityDiagramOptions {
  /** @default "Reliability diagram" */
  title?: string;
  /** Side of the square plot area in pixels. @default 300 */
  size?: number;
}

/**
 * A reliability diagram: one bar per confidence bin, as high as the bin's accuracy, the gap to
 * the diagonal (perfect calibration) shaded, and each bin's share of images as a thin bar below.
 * The expected calibration error goes under the title.
 *
 * @example
 * ```ts
 * import { calibration } from "../metrics/mod.ts";
 * import { reliabilityDiagramSvg } from "./mod.ts";
 *
 * const { bins, ece } = calibration([0.9, 0.1, 0.6, 0.4], [0, 1], 2);
 * const svg = reliabilityDiagramSvg(bins, ece);
 * ```
 */
export function reliabilityDiagramSvg(
  bins: readonly ReliabilityBin[],
  ece: number,
  options: ReliabilityDiagramOptions = {},
): string {
  const size = options.size ?? 300;
  const title = options.title ?? "Reliability diagram";
  const [top, histogram] = [62, 40];
  // A long title widens the image; the plot stays in its middle.
  const needed = 56 + size + 24;
  const width = Math.ceil(Math.max(needed, title.length * 8.5 + 40));
  const left = 56 + Math.floor((width - needed) / 2);
  const height = top + size + histogram + 52;
  const x = (v: number) => left + v * size, y = (v: number) => top + (1 - v) * size;
  const total = Math.max(1, bins.reduce((n, b) => n + b.count, 0));
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${num(width / 2)}" y="24" text-anchor="middle" font-size="15">` +
    `${escapeXml(title)}</text>`,
    `<text x="${num(width / 2)}" y="44" text-anchor="middle">expected calibration error ` +
    `${(100 * ece).toFixed(2)}% (${bins.length} bins)</text>`,
    `<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="#444"/>`,
  ];
  for (const tick of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
    out.push(
      `<text x="${left - 6}" y="${num(y(tick) + 4)}" text-anchor="end">${tick}</text>`,
      `<text x="${num(x(tick))}" y="${top + size + histogram + 18}" text-anchor="middle">` +
        `${tick}</text>`,
    );
  }
  for (const bin of bins) {
    const [x0, w] = [x(bin.lower), (bin.upper - bin.lower) * size];
    const share = bin.count / total;
    out.push(
      `<rect x="${num(x0)}" y="${num(top + size + histogram * (1 - share))}" ` +
        `width="${num(w)}" height="${num(histogram * share)}" fill="#999" stroke="#fff"/>`,
    );
    if (bin.count === 0) continue;
    out.push(
      `<rect class="accuracy" x="${num(x0)}" y="${num(y(bin.accuracy))}" width="${num(w)}" ` +
        `height="${num(bin.accuracy * size)}" fill="${SERIES_COLORS[0]}" stroke="#fff"/>`,
      `<rect x="${num(x0)}" y="${num(y(Math.max(bin.accuracy, bin.confidence)))}" ` +
        `width="${num(w)}" height="${num(Math.abs(bin.accuracy - bin.confidence) * size)}" ` +
        `fill="${SERIES_COLORS[3]}" fill-opacity="0.35"/>`,
    );
  }
  out.push(
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#444" ` +
      `stroke-dasharray="4 3"/>`,
    `<text x="${num(left + size / 2)}" y="${top + size + histogram + 38}" ` +
      `text-anchor="middle">confidence (top-1 probability); grey: share of images</text>`,
    `<text transform="translate(16 ${num(top + size / 2)}) rotate(-90)" ` +
      `text-anchor="middle">accuracy</text>`,
    "</svg>",
  );
  return out.join("\n");
}
