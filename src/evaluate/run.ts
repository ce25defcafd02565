import { basename, dirname } from "node:path";
import { type CardFiles, readRunCard, thumbnails, writeCard } from "../card/mod.ts";
import {
  type ImageDataset,
  loadCifar10,
  loadImageFolder,
  type SplitOptions,
  stratifiedSplit,
} from "../data/mod.ts";
import { FerryError } from "../errors.ts";
import { type Reporter, silentReporter } from "../progress/mod.ts";
import {
  type ClassifierSession,
  type ModelOverrides,
  openClassifier,
  type Provider,
} from "../runtime/mod.ts";
import {
  compareWithRecorded,
  type Comparison,
  findSameData,
  readRecordedSplits,
  recordedMetricsFiles,
} from "./compare.ts";
import {
  evaluateClassifier,
  type EvaluateClassifierOptions,
  type Evaluation,
} from "./evaluation.ts";
import { type EvaluationContext, type EvaluationFiles, writeEvaluation } from "./report.ts";

/** `data` value that names CIFAR-10's official test split instead of a folder. */
export const CIFAR10_TEST = "cifar10";

/** Options of {@linkcode runEvaluation}. */
export interface RunEvaluationOptions extends EvaluateClassifierOptions {
  /** An ONNX file, or a tfjs Layers model (`model.json` or its folder). */
  model: string;
  /** A folder with a subfolder of images per class, or "cifar10" for CIFAR-10's test split. */
  data: string;
  /** onnxruntime providers to try in order (ONNX models). @default ["cpu"] */
  providers?: Provider[];
  /** onnxruntime threads per operator, 0 = its choice. @default 0 */
  threads?: number;
  /** What a foreign model's metadata would have said. @default {} */
  overrides?: ModelOverrides;
  /** Folder for report.json, report.md, confusion.svg and confusion.png; none written if absent. */
  out?: string;
  /**
   * Folder for the model card (`card.html`, `card.md`); none written if neither it nor `out` is
   * given. @default out
   */
  card?: string;
  /** A `metrics.json` or `report.json` to compare with. @default looked up beside the model */
  recorded?: string;
  /** Keep decoded image folders in ferry's cache. @default true */
  cache?: boolean;
  /** Folder of the dataset caches. @default ferry's cache folder */
  cacheDir?: string;
  /**
   * Evaluate only the validation part of an image folder, carved as `ferry train` carves it
   * (same fraction and seed give the same images). @default the whole folder
   */
  validationSplit?: Required<Pick<SplitOptions, "fraction" | "seed">>;
}

/** What {@linkcode runEvaluation} produced. */
export interface EvaluationResult {
  evaluation: Evaluation;
  context: EvaluationContext;
  /** Written files, when `out` was given. */
  files?: EvaluationFiles;
  /** The model card, when `card` or `out` was given. */
  card?: CardFiles;
}

/**
 * The `evaluate` command's work: open the model (onnxruntime, or TensorFlow.js loaded only for a
 * tfjs model), load the data at the model's input size, evaluate, compare with the training
 * run's recorded report for the same data, and write the report files.
 *
 * @example
 * ```ts
 * import { formatEvaluation, runEvaluation } from "./mod.ts";
 * const { evaluation, context } = await runEvaluation({
 *   model: "models/cifar10/model.onnx", data: "cifar10", out: "models/cifar10", digits: 4,
 * });
 * console.log(formatEvaluation(evaluation, context));
 * ```
 */
export async function runEvaluation(options: RunEvaluationOptions): Promise<EvaluationResult> {
  const reporter = options.reporter ?? silentReporter;
  const format = /\.onnx$/i.test(options.model) ? "onnx" : "tfjs";
  const model = await openModel(options, format, reporter);
  try {
    const data = await loadData(options, model, reporter);
    const evaluation = await evaluateClassifier(model, data.dataset, options);
    for (const warning of evaluation.warnings) reporter.warn(warning);
    const context: EvaluationContext = {
      model: {
        name: model.info.name,
        path: options.model,
        format,
        ...(format === "onnx" ? { provider: model.info.provider } : {}),
      },
      data: { name: data.name, ...(data.path ? { path: data.path } : {}) },
      ...await compare(evaluation, options, model),
    };
    const files = options.out ? await writeEvaluation(options.out, evaluation, context) : undefined;
    const cardDir = options.card ?? options.out;
    const card = cardDir
      ? await writeCard(cardDir, await evaluationCard(options, evaluation, context, data.dataset))
      : undefined;
    return { evaluation, context, ...(files ? { files } : {}), ...(card ? { card } : {}) };
  } finally {
    await model.release();
  }
}

/** The card of an evaluated model: its run folder's record, this evaluation and its examples. */
async function evaluationCard(
  options: RunEvaluationOptions,
  evaluation: Evaluation,
  context: EvaluationContext,
  dataset: ImageDataset,
) {
  const onnx = context.model.format === "onnx" ? options.model : "";
  const folder = context.model.format === "onnx" || options.model.endsWith(".json")
    ? dirname(options.model)
    : options.model;
  const card = await readRunCard(folder, onnx);
  const { width, height } = dataset;
  return {
    ...card,
    title: context.model.name,
    modelPath: options.model,
    evaluation: {
      ...evaluation,
      data: context.data.name,
      examples: await Promise.all(
        evaluation.confusedExamples.map((indices) =>
          thumbnails(dataset.images, width, height, indices)
        ),
      ),
    },
  };
}

async function openModel(
  options: RunEvaluationOptions,
  format: "onnx" | "tfjs",
  reporter: Reporter,
): Promise<ClassifierSession> {
  const overrides = options.overrides ?? {};
  if (format === "onnx") {
    return await openClassifier(options.model, {
      overrides,
      reporter,
      ...(options.providers ? { providers: options.providers } : {}),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
    });
  }
  const isTfjs = await Deno.stat(options.model).then(
    (s) => s.isDirectory || options.model.endsWith(".json"),
    () => false,
  );
  if (!isTfjs) {
    throw new FerryError(
      "not_found",
      `Cannot open model '${options.model}': expected an .onnx file or a tfjs model.json`,
    );
  }
  const { openTfjsClassifier } = await import("./_tfjs_classifier.ts");
  return await openTfjsClassifier(options.model, overrides, reporter);
}

async function loadData(
  options: RunEvaluationOptions,
  model: ClassifierSession,
  reporter: Reporter,
): Promise<{ dataset: ImageDataset; name: string; path?: string }> {
  if (options.data === CIFAR10_TEST) {
    const { test } = await loadCifar10({
      reporter,
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    });
    return { dataset: test, name: "CIFAR-10 test split" };
  }
  const { width, height } = model.info.inputSpec;
  const { dataset } = await loadImageFolder(options.data, {
    width,
    height,
    reporter,
    ...(options.cache !== undefined ? { cache: options.cache } : {}),
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
  });
  const name = `image folder ${basename(options.data)}`;
  if (!options.validationSplit) return { dataset, name, path: options.data };
  const { fraction, seed } = options.validationSplit;
  return {
    dataset: stratifiedSplit(dataset, { fraction, seed }).validation,
    name: `${name}, validation split (fraction ${fraction}, seed ${seed})`,
    path: options.data,
  };
}

async function compare(
  evaluation: Evaluation,
  options: RunEvaluationOptions,
  model: ClassifierSession,
): Promise<{ comparison: Comparison } | { comparisonNote: string }> {
  const files = options.recorded
    ? [options.recorded]
    : await recordedMetricsFiles(options.model, model.info.runId);
  for (const file of files) {
    const same = findSameData(evaluation, await readRecordedSplits(file));
    if (same) return { comparison: compareWithRecorded(evaluation, same) };
  }
  return {
    comparisonNote: files.length === 0
      ? "No report recorded by the model's training run was found to compare with."
      : `No report for the same ${evaluation.images} images was recorded in ${files.join(", ")}.`,
  };
}
