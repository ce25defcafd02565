/**
 * What a model card shows, gathered from a training run folder, an evaluation and the model
 * file's metadata; every part is optional, so a freshly trained run and an evaluated foreign
 * ONNX file both get a card. The rows both renderers (HTML, Markdown) print come from here.
 *
 * @module
 */
import type {
  ClassificationReportDict,
  ConfusedPair,
  ScoresDict,
  SplitMetrics,
} from "../metrics/mod.ts";
import type { ReliabilityBin, TrainingHistory } from "../plot/mod.ts";

/** One model's card. */
export interface ModelCard {
  /** The model's name (its run or file name). */
  title: string;
  /** The model file the card describes, when there is one. */
  modelPath?: string;
  /** The training run's resolved configuration (`config.json`): data and recipe. */
  recipe?: Record<string, unknown>;
  /** Keras' history layout (`history.json`'s `history`), for the curves. */
  history?: TrainingHistory;
  /** Numbers measured on one labelled dataset. */
  evaluation?: CardEvaluation;
  /** The ONNX file's `metadata_props`, as stored. */
  metadata?: Record<string, string>;
}

/** The evaluation part of a card (the shape of evaluate's `Evaluation` and training's metrics). */
export interface CardEvaluation extends SplitMetrics {
  /** What was evaluated, e.g. "image folder train, validation split (fraction 0.1, seed 42)". */
  data: string;
  classNames: string[];
  mostConfused: ConfusedPair[];
  /** Expected calibration error and the reliability bins, when the probabilities were kept. */
  calibration?: { ece: number; bins: ReliabilityBin[] };
  /** Per most confused pair (same order), example images as `data:image/png` URIs. */
  examples?: string[][];
}

/** The card's sections, in order: id (the HTML anchor) and heading. */
export const CARD_SECTIONS = [
  ["recipe", "Data and recipe"],
  ["curves", "Training curves"],
  ["report", "Classification report"],
  ["confusion", "Confusion matrix"],
  ["calibration", "Calibration"],
  ["confused", "Most confused pairs"],
  ["metadata", "Model file metadata"],
] as const;

/** The recipe's settings worth a reader's eye, in reading order; the rest follow. */
const RECIPE_FIRST = [
  "data",
  "valSplit",
  "trainSubset",
  "architecture",
  "activation",
  "optimizer",
  "learningRate",
  "schedule",
  "batchSize",
  "epochs",
  "augment",
  "labelSmoothing",
  "seed",
];

/** The recipe as (setting, value) rows, the common settings first. */
export function recipeRows(recipe: Record<string, unknown>): [string, string][] {
  const keys = [
    ...RECIPE_FIRST.filter((k) => k in recipe),
    ...Object.keys(recipe).filter((k) => !RECIPE_FIRST.includes(k)).sort(),
  ];
  return keys.map((k) => [k, text(recipe[k])]);
}

/** The classification report as rows: name, precision, recall, f1, support (accuracy too). */
export function reportRows(report: ClassificationReportDict): string[][] {
  const rows: string[][] = [];
  for (const [name, value] of Object.entries(report)) {
    if (typeof value === "number") {
      const support = (report["macro avg"] as ScoresDict | undefined)?.support;
      rows.push([name, "", "", value.toFixed(4), support === undefined ? "" : String(support)]);
      continue;
    }
    rows.push([
      name,
      value.precision.toFixed(4),
      value.recall.toFixed(4),
      value["f1-score"].toFixed(4),
      String(value.support),
    ]);
  }
  return rows;
}

/** The metadata as (key, value) rows; JSON values are shown compact. */
export function metadataRows(metadata: Record<string, string>): [string, string][] {
  return Object.entries(metadata).map(([k, v]) => [k, v]);
}

/** The headline figures: accuracy, loss, ECE and images, for the card's top. */
export function headline(card: ModelCard): [string, string][] {
  const e = card.evaluation;
  if (!e) return [];
  return [
    ["accuracy", `${(100 * e.accuracy).toFixed(2)}%`],
    ["loss", e.loss.toFixed(4)],
    ...(e.calibration
      ? [["calibration error", `${(100 * e.calibration.ece).toFixed(2)}%`] as [string, string]]
      : []),
    ["images", `${e.images}`],
  ];
}

function text(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}
