import { blues, escapeXml, FONT, num } from "./_svg.ts";

/** Options of {@linkcode confusionMatrixSvg}. */
export interface ConfusionHeatmapOptions {
  /** @default "Confusion matrix" */
  title?: string;
  /**
   * What the colour shows: the count against the largest cell (scikit-learn's
   * `ConfusionMatrixDisplay`), or the count as a share of its true class (readable when classes
   * differ in size). Cells always print the count. @default "count"
   */
  colorBy?: "count" | "row";
  /** Side of one cell in pixels. @default 44 */
  cellSize?: number;
}

/**
 * A confusion matrix as a heatmap: rows = true class, columns = predicted class, each cell
 * coloured by its value and labelled with its count, class names on both axes.
 *
 * @example
 * ```ts
 * import { confusionMatrixSvg } from "./mod.ts";
 *
 * const svg = confusionMatrixSvg([[5, 1], [2, 7]], ["cat", "dog"]);
 * ```
 */
export function confusionMatrixSvg(
  matrix: number[][],
  classNames: string[],
  options: ConfusionHeatmapOptions = {},
): string {
  const cell = options.cellSize ?? 44;
  const n = classNames.length;
  const labelWidth = Math.ceil(Math.max(0, ...classNames.map((c) => c.length)) * 7.2) + 12;
  const top = 44;
  const gridBottom = top + n * cell;
  const title = options.title ?? "Confusion matrix";
  // Room for the last column's label (turned 45°) on the right; a long title widens the image
  // and the grid moves to its middle.
  const lastLabel = Math.ceil((classNames.at(-1)?.length ?? 0) * 7.2 * 0.71) + 8;
  const needed = 40 + labelWidth + n * cell + Math.max(24, lastLabel);
  const width = Math.ceil(Math.max(needed, title.length * 8.5 + 40));
  const left = 40 + labelWidth + Math.floor((width - needed) / 2);
  // Column labels are turned 45°, so they need about 0.71 of their length below the grid.
  const height = Math.ceil(gridBottom + labelWidth * 0.71 + 44);
  const largest = Math.max(1, ...matrix.flat());
  const rowSums = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${num(width / 2)}" y="26" text-anchor="middle" font-size="15">` +
    `${escapeXml(title)}</text>`,
  ];
  matrix.forEach((row, t) => {
    row.forEach((count, p) => {
      const share = options.colorBy === "row"
        ? (rowSums[t] ? count / rowSums[t]! : 0)
        : count / largest;
      const [x, y] = [left + p * cell, top + t * cell];
      out.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${blues(share)}">` +
          `<title>${escapeXml(`${classNames[t]} → ${classNames[p]}: ${count}`)}</title></rect>`,
        `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" ` +
          `fill="${share > 0.5 ? "#ffffff" : "#08306b"}">${count}</text>`,
      );
    });
  });
  classNames.forEach((name, i) => {
    const label = escapeXml(name);
    const center = i * cell + cell / 2;
    out.push(
      `<text x="${left - 6}" y="${top + center + 4}" text-anchor="end">${label}</text>`,
      `<text transform="translate(${left + center + 4} ${gridBottom + 8}) rotate(45)" ` +
        `text-anchor="start">${label}</text>`,
    );
  });
  out.push(
    `<rect x="${left}" y="${top}" width="${n * cell}" height="${n * cell}" fill="none" ` +
      `stroke="#333"/>`,
    `<text transform="translate(16 ${top + (n * cell) / 2}) rotate(-90)" text-anchor="middle" ` +
      `font-size="13">True label</text>`,
    `<text x="${num(left + (n * cell) / 2)}" y="${height - 12}" text-anchor="middle" ` +
      `font-size="13">Predicted label</text>`,
    "</svg>",
    "",
  );
  return out.join("\n");
}
