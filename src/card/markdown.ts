/**
 * The card as Markdown: the same sections as the HTML page, with tables where the page has
 * plots (curves per epoch, the confusion matrix, the reliability bins), so it reads anywhere.
 *
 * @module
 */
import {
  CARD_SECTIONS,
  headline,
  metadataRows,
  type ModelCard,
  recipeRows,
  reportRows,
} from "./model_card.ts";

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function table(head: string[], rows: string[][], align: string[] = []): string[] {
  return [
    `| ${head.map(cell).join(" | ")} |`,
    `|${head.map((_, i) => align[i] ?? "---").join("|")}|`,
    ...rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
  ];
}

const f4 = (v: number | undefined) => v === undefined ? "" : v.toFixed(4);

function sections(card: ModelCard): Record<typeof CARD_SECTIONS[number][0], string[]> {
  const e = card.evaluation;
  const h = card.history;
  const right = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? "---" : "---:"));
  return {
    recipe: [
      ...(e ? [`Evaluated on ${e.data}: ${e.images} images.`, ""] : []),
      ...(card.recipe
        ? table(["setting", "value"], recipeRows(card.recipe))
        : ["_No training run folder (config.json) beside the model._"]),
    ],
    curves: h
      ? table(
        ["epoch", "accuracy", "val_accuracy", "loss", "val_loss"],
        h.accuracy.map((a, i) => [
          String(i + 1),
          f4(a),
          f4(h.val_accuracy?.[i]),
          f4(h.loss[i]),
          f4(h.val_loss?.[i]),
        ]),
        right(5),
      )
      : ["_No training history (history.json) beside the model._"],
    report: e
      ? table(["", "precision", "recall", "f1-score", "support"], reportRows(e.report), right(5))
      : ["_Not evaluated._"],
    confusion: e
      ? [
        "Rows are the true class, columns the predicted class.",
        "",
        ...table(
          ["true \\ predicted", ...e.classNames],
          e.confusionMatrix.map((row, t) => [`**${e.classNames[t]}**`, ...row.map(String)]),
          right(e.classNames.length + 1),
        ),
      ]
      : ["_Not evaluated._"],
    calibration: e?.calibration
      ? [
        `Expected calibration error (${e.calibration.bins.length} bins): ` +
        `${(100 * e.calibration.ece).toFixed(2)}%.`,
        "",
        ...table(
          ["confidence bin", "images", "mean confidence", "accuracy"],
          e.calibration.bins.filter((b) => b.count > 0).map((b) => [
            `(${b.lower.toFixed(3)}, ${b.upper.toFixed(3)}]`,
            String(b.count),
            f4(b.confidence),
            f4(b.accuracy),
          ]),
          right(4),
        ),
      ]
      : ["_Not measured here: `ferry evaluate` keeps the probabilities and measures it._"],
    confused: e && e.mostConfused.length > 0
      ? table(
        ["true", "predicted", "images", "share of true class"],
        e.mostConfused.map((p) => [
          p.trueClass,
          p.predictedClass,
          String(p.count),
          `${(100 * p.rate).toFixed(1)}%`,
        ]),
        ["---", "---", "---:", "---:"],
      )
      : ["_No confusions to show._"],
    metadata: card.metadata && Object.keys(card.metadata).length > 0
      ? table(["key", "value"], metadataRows(card.metadata).map(([k, v]) => [k, `\`${v}\``]))
      : ["_No ONNX model file beside the card._"],
  };
}

/**
 * The card as Markdown; plots and example images are in the HTML page beside it.
 *
 * @example
 * ```ts
 * import { modelCardMarkdown } from "./mod.ts";
 *
 * await Deno.writeTextFile("card.md", modelCardMarkdown({ title: "cifar10", recipe: { epochs: 30 } }));
 * ```
 */
export function modelCardMarkdown(card: ModelCard): string {
  const body = sections(card);
  const figures = headline(card).map(([k, v]) => `${k} **${v}**`).join(" · ");
  return [
    `# Model card: ${card.title}`,
    "",
    ...(card.modelPath ? [`Model file: \`${card.modelPath}\``, ""] : []),
    ...(figures ? [figures, ""] : []),
    "Plots and example images: [card.html](card.html).",
    "",
    ...CARD_SECTIONS.flatMap(([id, heading]) => [`## ${heading}`, "", ...body[id], ""]),
  ].join("\n");
}
