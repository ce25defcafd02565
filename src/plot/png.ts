import sharp from "sharp";
import { FerryError } from "../errors.ts";

/** Options of {@linkcode svgToPng}. */
export interface SvgToPngOptions {
  /** Pixels per SVG unit: 2 gives a sharper image twice as wide. @default 1 */
  scale?: number;
}

/**
 * Renders an SVG to PNG bytes with sharp (librsvg). At scale 1 the PNG has the SVG's
 * `width` × `height` in pixels.
 *
 * @example
 * ```ts
 * import { confusionMatrixSvg, svgToPng } from "./mod.ts";
 *
 * const png = await svgToPng(confusionMatrixSvg([[5, 1], [2, 7]], ["cat", "dog"]), { scale: 2 });
 * ```
 */
export async function svgToPng(svg: string, options: SvgToPngOptions = {}): Promise<Uint8Array> {
  const scale = options.scale ?? 1;
  if (!(scale > 0)) {
    throw new FerryError("usage", `Cannot render a plot: 'scale' must be positive, got ${scale}`);
  }
  try {
    // librsvg renders at 72 dpi by default: one SVG unit is one pixel.
    const png = await sharp(new TextEncoder().encode(svg), { density: 72 * scale })
      .png()
      .toBuffer();
    return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
  } catch (error) {
    throw new FerryError("usage", `Cannot render SVG to PNG: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Writes a plot as `<basePath>.svg` and `<basePath>.png`, and returns both paths.
 *
 * @example
 * ```ts
 * import { type TrainingHistory, trainingCurvesSvg, writePlot } from "./mod.ts";
 *
 * declare const history: TrainingHistory;
 * await writePlot("models/run1/curves", trainingCurvesSvg(history));
 * ```
 */
export async function writePlot(
  basePath: string,
  svg: string,
  options: SvgToPngOptions = {},
): Promise<{ svg: string; png: string }> {
  const paths = { svg: `${basePath}.svg`, png: `${basePath}.png` };
  const png = await svgToPng(svg, options);
  await Deno.writeTextFile(paths.svg, svg);
  await Deno.writeFile(paths.png, png);
  return paths;
}
