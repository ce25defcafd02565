import { join } from "node:path";
import {
  createBatches,
  type ImageDataset,
  type ImageFolderOptions,
  loadImageFolder,
  mixSeed,
  stratifiedSplit,
} from "../data/mod.ts";
import { FerryError } from "../errors.ts";
import { readRunCard, writeCard } from "../card/mod.ts";
import { exists, writeFileAtomic } from "../files/mod.ts";
import { inputSpecOf } from "./_spec.ts";
import {
  buildModel,
  formatSummary,
  type ModelOptions,
  modelSummary,
  saveModel,
} from "../model/mod.ts";
import { type Reporter, silentReporter } from "../progress/mod.ts";
import { type BackendInfo, initBackend } from "./backend/mod.ts";
import { disposeCheckpoint, loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { TRAIN_DEFAULTS, type TrainConfig, validateTrainConfig } from "./config.ts";
import { type BatchSource, fit } from "./fit.ts";
import { WasmGradientPool } from "./_wasm_workers.ts";
import type { EpochLog } from "./history.ts";
import { RUN_FILES, writeHistory, writeJson } from "./_outputs.ts";
import { evaluateRun, type SplitMetrics } from "./_evaluate.ts";
import { whitenFirstConv } from "./whitening.ts";
import { toAugmentOptions, toFitOptions, toModelOptions } from "./_options.ts";

/** Options of {@linkcode trainRun}. */
export interface TrainRunOptions {
  /** Progress, epoch lines and messages. @default silentReporter */
  reporter?: Reporter;
  /** Called after each epoch's checkpoint is on disk (tests use it to simulate a kill). */
  afterCheckpoint?: (epoch: number) => void | Promise<void>;
  /** Decode-cache options of the image folders. @default the data layer's defaults */
  imageFolder?: Pick<ImageFolderOptions, "cache" | "cacheDir">;
}

/** What a finished run returns (and leaves in its folder). */
export interface TrainRunResult {
  runDir: string;
  config: TrainConfig;
  backend: BackendInfo;
  history: EpochLog[];
  stoppedEarly: boolean;
  weightsEpoch: number;
  validation: SplitMetrics;
  test?: SplitMetrics;
}

function defaultRunName(architecture: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${architecture}-${stamp}`;
}

/** Loads the images and makes the train / validation parts the config asks for. */
async function loadData(
  config: TrainConfig,
  reporter: Reporter,
  folderOptions: TrainRunOptions["imageFolder"],
) {
  const { dataset } = await loadImageFolder(config.data, { ...folderOptions, reporter });
  const { train: rest, validation } = stratifiedSplit(dataset, {
    fraction: config.valSplit,
    seed: config.seed,
  });
  let train: ImageDataset = rest;
  if (config.trainSubset > 0 && config.trainSubset < rest.count) {
    train = stratifiedSplit(rest, {
      fraction: config.trainSubset / rest.count,
      seed: mixSeed(config.seed, 1),
    }).validation;
  }
  const test = config.testData === ""
    ? undefined
    : (await loadImageFolder(config.testData, { ...folderOptions, reporter })).dataset;
  return { train, validation, test };
}

/** Training batches (shuffled, augmented per epoch) or validation ones (in order, larger). */
function batchSource(dataset: ImageDataset, config: TrainConfig, training: boolean): BatchSource {
  const batchSize = training ? config.batchSize : Math.max(config.batchSize, 256);
  const base = { batchSize, seed: config.seed, spec: inputSpecOf(dataset) };
  return {
    steps: Math.ceil(dataset.count / batchSize),
    batches: (epoch) =>
      createBatches(
        dataset,
        training
          ? { ...base, shuffle: true, epoch, augment: toAugmentOptions(config) }
          : { ...base, shuffle: false },
      ),
  };
}

/**
 * Trains a model from `config` into `<outDir>/<run>/` (the tfjs model, history, config, class
 * names, metrics, curves and a checkpoint per epoch). With `resume`, continues the run found
 * there from its newest checkpoint, with the configuration saved in it.
 */
export async function trainRun(
  config: TrainConfig,
  options: TrainRunOptions & { resume?: boolean } = {},
): Promise<TrainRunResult> {
  const reporter = options.reporter ?? silentReporter;
  validateTrainConfig(config);
  const run = config.run || defaultRunName(config.architecture);
  const runDir = join(config.outDir, run);
  if (!options.resume && await exists(runDir)) {
    throw new FerryError(
      "usage",
      `Cannot start run '${run}': ${runDir} already exists; use --resume ${run} to continue it or choose another --run`,
    );
  }
  const resolved = { ...config, run };
  const backend = await initBackend(resolved.backend, reporter);
  const data = await loadData(resolved, reporter, options.imageFolder);
  reporter.info(
    `Data: ${data.train.count} training and ${data.validation.count} validation images` +
      `${
        data.test ? `, ${data.test.count} test images` : ""
      }, ${data.train.classNames.length} classes`,
  );
  const modelOptions = toModelOptions(resolved, data.train);
  const model = buildModel(resolved.architecture, modelOptions);
  if (resolved.whitenFirstConv) {
    reporter.info(`Whitened the first convolution (${whitenFirstConv(model, data.train)})`);
  }
  const gradientPool = await gradientPoolFor(
    backend,
    resolved.architecture,
    modelOptions,
    reporter,
  );
  try {
    const summary = formatSummary(modelSummary(model));
    const checkpoint = options.resume ? await loadCheckpoint(runDir) : undefined;
    if (checkpoint) reporter.info(`Resuming ${runDir} after epoch ${checkpoint.state.epoch}`);
    else reporter.info(summary);
    await Deno.mkdir(runDir, { recursive: true });
    await writeJson(join(runDir, RUN_FILES.config), resolved);
    await writeJson(join(runDir, RUN_FILES.classes), data.train.classNames);
    await writeFileAtomic(join(runDir, RUN_FILES.summary), summary + "\n");
    let result;
    try {
      result = await fit(
        model,
        batchSource(data.train, resolved, true),
        batchSource(data.validation, resolved, false),
        {
          ...toFitOptions(resolved),
          reporter,
          ...(checkpoint ? { resume: checkpoint } : {}),
          ...(gradientPool ? { gradientPool } : {}),
          onEpochEnd: async (c) => {
            await saveCheckpoint(runDir, c);
            await writeHistory(runDir, c.state.history, {
              stoppedEarly: c.state.stopped,
              weightsEpoch: c.state.epoch,
            });
            await options.afterCheckpoint?.(c.state.epoch);
          },
        },
      );
    } catch (error) {
      if (checkpoint) disposeCheckpoint(checkpoint);
      throw error;
    }
    await writeHistory(runDir, result.history, result);
    await saveModel(model, runDir, {
      ferry: {
        classNames: data.train.classNames,
        inputSpec: inputSpecOf(data.train),
        architecture: resolved.architecture,
        run,
        epochs: result.history.length,
        weightsEpoch: result.weightsEpoch,
      },
    });
    const metrics = await evaluateRun(model, runDir, resolved, data, result.history, reporter);
    await writeCard(runDir, await readRunCard(runDir));
    return {
      runDir,
      config: resolved,
      backend,
      history: result.history,
      stoppedEarly: result.stoppedEarly,
      weightsEpoch: result.weightsEpoch,
      ...metrics,
    };
  } finally {
    gradientPool?.close();
    model.dispose();
  }
}

/**
 * On the wasm backend, which computes on one thread, a worker per other core computing part of
 * every batch's gradient; none on the native backend, which uses every core itself.
 */
async function gradientPoolFor(
  backend: BackendInfo,
  architecture: string,
  options: ModelOptions,
  reporter: Reporter,
): Promise<WasmGradientPool | undefined> {
  const workers = navigator.hardwareConcurrency - 1;
  if (backend.name !== "wasm" || workers < 1) return undefined;
  reporter.info(`Gradients on ${workers + 1} threads: this one and ${workers} wasm worker(s)`);
  return await WasmGradientPool.create(architecture, options, workers);
}

/** Continues the run in `runDir` from its newest checkpoint, with its saved configuration. */
export async function resumeRun(
  runDir: string,
  options: TrainRunOptions = {},
): Promise<TrainRunResult> {
  let saved: TrainConfig;
  try {
    saved = JSON.parse(await Deno.readTextFile(join(runDir, RUN_FILES.config)));
  } catch (error) {
    throw new FerryError(
      "not_found",
      `Cannot resume '${runDir}': no readable ${RUN_FILES.config} (${(error as Error).message})`,
    );
  }
  const parts = runDir.replace(/[\\/]+$/, "").split(/[\\/]/);
  const run = parts.pop()!;
  const outDir = parts.length > 0 ? parts.join("/") : ".";
  // Defaults first: a run saved before an option existed resumes with that option's default.
  return await trainRun({ ...TRAIN_DEFAULTS, ...saved, run, outDir }, { ...options, resume: true });
}
