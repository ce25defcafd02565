/**
 * Model cards: one self-contained page (`card.html`, inline SVG and CSS) and its Markdown twin
 * (`card.md`) per trained or evaluated model: data and recipe, curves, the classification
 * report, the confusion heatmap, calibration, the most confused pairs with example images, and
 * the metadata the ONNX file carries. Training and evaluation write them; serve links to them.
 *
 * @example
 * ```ts
 * import { readRunCard, writeCard } from "./mod.ts";
 *
 * const card = await readRunCard("models/cifar10-notebook");
 * await writeCard("models/cifar10-notebook", card);
 * ```
 *
 * @module
 */
export { modelCardHtml } from "./html.ts";
export { modelCardMarkdown } from "./markdown.ts";
export { CARD_SECTIONS, type CardEvaluation, type ModelCard } from "./model_card.ts";
export { thumbnails } from "./thumbnails.ts";
export { type CardFiles, onnxMetadata, readRunCard, writeCard } from "./write.ts";
