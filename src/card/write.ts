/**
 * Writes a card (`card.html` and `card.md`) and gathers one from a training run folder: its
 * recipe, history, recorded validation metrics and, when exported, the ONNX file's metadata.
 *
 * @module
 */
import { basename, join } from "node:path";
import { writeFileAtomic } from "../files/mod.ts";
import { mostConfusedPairs } from "../metrics/mod.ts";
import { decodeOnnxModel } from "../onnx/mod.ts";
import { modelCardHtml } from "./html.ts";
import { modelCardMarkdown } from "./markdown.ts";
import type { CardEvaluation, ModelCard } from "./model_card.ts";

/** The files {@linkcode writeCard} writes. */
export interface CardFiles {
  html: string;
  markdown: string;
}

/**
 * Writes `card.html` and `card.md` into `dir` (created if needed).
 *
 * @example
 * ```ts
 * import { readRunCard, writeCard } from "./mod.ts";
 *
 * await writeCard("models/cifar10-notebook", await readRunCard("models/cifar10-notebook"));
 * ```
 */
export async function writeCard(dir: string, card: ModelCard): Promise<CardFiles> {
  await Deno.mkdir(dir, { recursive: true });
  const files = { html: join(dir, "card.html"), markdown: join(dir, "card.md") };
  await writeFileAtomic(files.html, modelCardHtml(card));
  await writeFileAtomic(files.markdown, modelCardMarkdown(card));
  return files;
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value = JSON.parse(await Deno.readTextFile(path));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What the training run folder `dir` says for a card; missing files contribute nothing.
 * `onnxFile` names the model whose metadata the card shows. @default "<dir>/model.onnx"
 */
export async function readRunCard(
  dir: string,
  onnxFile = join(dir, "model.onnx"),
): Promise<ModelCard> {
  const card: ModelCard = { title: basename(dir) };
  const recipe = await readJson(join(dir, "config.json"));
  if (recipe) {
    card.recipe = recipe;
    if (typeof recipe.run === "string" && recipe.run !== "") card.title = recipe.run;
  }
  const history = historyOf(await readJson(join(dir, "history.json")));
  if (history) card.history = history;
  const metadata = await onnxMetadata(onnxFile);
  if (metadata) {
    card.metadata = metadata;
    card.modelPath = onnxFile;
  }
  const validation = (await readJson(join(dir, "metrics.json")))?.validation as
    | Partial<CardEvaluation>
    | undefined;
  const classNames = await Deno.readTextFile(join(dir, "classes.json")).then(
    (text) => JSON.parse(text) as string[],
    () => undefined,
  );
  if (validation?.confusionMatrix && validation.report && classNames) {
    card.evaluation = {
      data: "the run's validation split",
      images: validation.images ?? 0,
      loss: validation.loss ?? NaN,
      accuracy: validation.accuracy ?? NaN,
      report: validation.report,
      confusionMatrix: validation.confusionMatrix,
      classNames,
      mostConfused: mostConfusedPairs(validation.confusionMatrix, classNames, { limit: 10 }),
    };
  }
  return card;
}

/** The curves' columns from `history.json`'s per-epoch records (older runs list them twice). */
function historyOf(file: Record<string, unknown> | undefined): ModelCard["history"] {
  const epochs = [file?.epochs, file?.history].find(Array.isArray) as
    | Record<string, unknown>[]
    | undefined;
  if (!epochs || epochs.length === 0) return undefined;
  const column = (key: string) => {
    const values = epochs.map((e) => e[key]);
    return values.every((v) => typeof v === "number") ? values as number[] : undefined;
  };
  const [accuracy, loss] = [column("accuracy"), column("loss")];
  if (!accuracy || !loss) return undefined;
  const [valAccuracy, valLoss] = [column("val_accuracy"), column("val_loss")];
  return {
    accuracy,
    loss,
    ...(valAccuracy ? { val_accuracy: valAccuracy } : {}),
    ...(valLoss ? { val_loss: valLoss } : {}),
  };
}

/** The `metadata_props` of the ONNX file at `path`, or undefined when there is none. */
export async function onnxMetadata(path: string): Promise<Record<string, string> | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch {
    return undefined;
  }
  const props = decodeOnnxModel(bytes).metadataProps ?? [];
  return Object.fromEntries(props.map((p) => [p.key, p.value]));
}
