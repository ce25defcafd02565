/**
 * The card as one self-contained HTML page: inline CSS and SVG plots, thumbnails as data URIs,
 * no script and no request to anywhere.
 *
 * @module
 */
import { confusionMatrixSvg, reliabilityDiagramSvg, trainingCurvesSvg } from "../plot/mod.ts";
import {
  CARD_SECTIONS,
  headline,
  metadataRows,
  type ModelCard,
  recipeRows,
  reportRows,
} from "./model_card.ts";

const STYLE = `
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 0; background: #f4f5f7;
  color: #1d2330; line-height: 1.45; }
main { max-width: 980px; margin: 0 auto; padding: 24px; }
header { background: #1f3b5c; color: #fff; padding: 20px 24px; border-radius: 8px; }
header h1 { margin: 0 0 4px; font-size: 26px; }
header .path { opacity: 0.8; font-family: monospace; }
.figures { display: flex; gap: 12px; margin-top: 14px; flex-wrap: wrap; }
.figure { background: rgba(255,255,255,0.12); border-radius: 6px; padding: 6px 12px; }
.figure b { display: block; font-size: 20px; }
section { background: #fff; border-radius: 8px; margin-top: 18px; padding: 16px 24px;
  box-shadow: 0 1px 2px rgba(0,0,0,0.08); }
h2 { font-size: 19px; margin: 0 0 10px; }
table { border-collapse: collapse; font-size: 14px; }
th, td { padding: 3px 10px; border-bottom: 1px solid #e3e6ea; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td code { white-space: pre-wrap; word-break: break-all; }
svg { max-width: 100%; height: auto; }
.note { color: #66707d; font-style: italic; }
img.thumb { width: 48px; height: 48px; image-rendering: pixelated; margin-right: 3px;
  border: 1px solid #ccd; }
`;

const escape = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

function table(head: string[], rows: string[][], numeric = (_: number) => false): string {
  const th = head.map((h) => `<th>${escape(h)}</th>`).join("");
  const tr = rows.map((row) =>
    `<tr>${row.map((cell, i) => `<td${numeric(i) ? ' class="n"' : ""}>${cell}</td>`).join("")}</tr>`
  );
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr.join("")}</tbody></table>`;
}

const note = (text: string) => `<p class="note">${escape(text)}</p>`;

/** The body of each section, by id. */
function sections(card: ModelCard): Record<typeof CARD_SECTIONS[number][0], string> {
  const e = card.evaluation;
  const evaluated = e ? `<p>Evaluated on ${escape(e.data)}: ${e.images} images.</p>` : "";
  return {
    recipe: evaluated +
      (card.recipe
        ? table(
          ["setting", "value"],
          recipeRows(card.recipe).map(([k, v]) => [escape(k), escape(v)]),
        )
        : note("No training run folder (config.json) beside the model.")),
    curves: card.history
      ? trainingCurvesSvg(card.history)
      : note("No training history (history.json) beside the model."),
    report: e
      ? table(
        ["", "precision", "recall", "f1-score", "support"],
        reportRows(e.report).map((row) => row.map(escape)),
        (i) => i > 0,
      )
      : note("Not evaluated."),
    confusion: e
      ? confusionMatrixSvg(e.confusionMatrix, e.classNames, {
        title: `Confusion matrix: ${e.data}`,
      })
      : note("Not evaluated."),
    calibration: e?.calibration
      ? `<p>Expected calibration error (${e.calibration.bins.length} bins): ` +
        `${(100 * e.calibration.ece).toFixed(2)}%. Bars show each confidence bin's accuracy; ` +
        "a calibrated model's bars reach the diagonal.</p>" +
        reliabilityDiagramSvg(e.calibration.bins, e.calibration.ece)
      : note("Not measured here: `ferry evaluate` keeps the probabilities and measures it."),
    confused: e && e.mostConfused.length > 0
      ? table(
        ["true", "predicted", "images", "share of true class", "examples"],
        e.mostConfused.map((p, i) => [
          escape(p.trueClass),
          escape(p.predictedClass),
          String(p.count),
          `${(100 * p.rate).toFixed(1)}%`,
          (e.examples?.[i] ?? []).map((uri) =>
            `<img class="thumb" src="${uri}" alt="${escape(p.trueClass)} taken for ${
              escape(p.predictedClass)
            }">`
          ).join(""),
        ]),
        (i) => i === 2 || i === 3,
      )
      : note("No confusions to show."),
    metadata: card.metadata && Object.keys(card.metadata).length > 0
      ? table(
        ["key", "value"],
        metadataRows(card.metadata).map(([k, v]) => [escape(k), `<code>${escape(v)}</code>`]),
      )
      : note("No ONNX model file beside the card."),
  };
}

/**
 * The card as a self-contained HTML page.
 *
 * @example
 * ```ts
 * import { modelCardHtml } from "./mod.ts";
 *
 * await Deno.writeTextFile("card.html", modelCardHtml({ title: "cifar10", recipe: { epochs: 30 } }));
 * ```
 */
export function modelCardHtml(card: ModelCard): string {
  const body = sections(card);
  const figures = headline(card).map(([k, v]) =>
    `<div class="figure">${escape(k)}<b>${escape(v)}</b></div>`
  ).join("");
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Model card: ${escape(card.title)}</title>`,
    `<style>${STYLE}</style></head><body><main>`,
    `<header><h1>Model card: ${escape(card.title)}</h1>`,
    card.modelPath ? `<div class="path">${escape(card.modelPath)}</div>` : "",
    figures ? `<div class="figures">${figures}</div>` : "",
    "</header>",
    ...CARD_SECTIONS.map(([id, heading]) =>
      `<section id="${id}"><h2>${escape(heading)}</h2>${body[id]}</section>`
    ),
    "</main></body></html>",
    "",
  ].join("\n");
}
