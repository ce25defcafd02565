/**
 * `ferry train`: trains a registered architecture on an image folder with the notebook's recipe
 * (or the one the flags and config file give), into `models/<run>/`; `--resume <run>` continues
 * an interrupted run.
 *
 * @module
 */
import { join } from "node:path";
import { formatConfig } from "../config/mod.ts";
import { ACTIVATIONS, KERNEL_INITIALIZERS, listArchitectures } from "../model/mod.ts";
import { terminalReporter } from "../progress/mod.ts";
import {
  BACKEND_CHOICES,
  bestEpoch,
  LOSSES,
  LR_SCHEDULES,
  OPTIMIZERS,
  resumeRun,
  TRAIN_DEFAULTS,
  type TrainConfig,
  trainRun,
} from "../train/mod.ts";
import {
  booleanFlag,
  type Command,
  CONFIG_FLAG,
  type FlagSpec,
  numberFlag,
  type ParsedFlags,
  resolveCommandConfig,
  stringFlag,
} from "./_command.ts";

type Key = keyof TrainConfig;

/** Flag name → config key, type and description; `--help` and parsing both read this table. */
const OPTIONS: [flag: string, key: Key, description: string, value?: string][] = [
  ["data", "data", "Folder with one sub-folder of images per class", "DIR"],
  ["test-data", "testData", "Folder of held-out test images, evaluated once at the end", "DIR"],
  ["val-split", "valSplit", "Share of each class held out for validation", "0.1"],
  ["train-subset", "trainSubset", "Train on this many images (stratified), 0 for all", "N"],
  ["out-dir", "outDir", "Parent folder of runs", "DIR"],
  ["run", "run", "Run name (default: architecture and a timestamp)", "NAME"],
  [
    "architecture",
    "architecture",
    `Architecture: ${listArchitectures().map((a) => a.name).join(" | ")}`,
    "NAME",
  ],
  ["activation", "activation", ACTIVATIONS.join(" | "), "NAME"],
  ["kernel-initializer", "kernelInitializer", KERNEL_INITIALIZERS.join(" | "), "NAME"],
  ["dropout", "dropout", "Dropout rate", "RATE"],
  ["loss", "loss", LOSSES.join(" | "), "NAME"],
  ["optimizer", "optimizer", OPTIMIZERS.join(" | "), "NAME"],
  ["learning-rate", "learningRate", "Initial learning rate", "LR"],
  ["momentum", "momentum", "Momentum of sgd (0: plain SGD)", "M"],
  ["batch-size", "batchSize", "Images per training step", "N"],
  ["epochs", "epochs", "Most epochs to train", "N"],
  ["seed", "seed", "Seed of split, weights, order, augmentation and dropout", "N"],
  ["augment", "augment", "Flip and shift training images (--no-augment: off)"],
  ["augment-flip", "augmentFlip", "Mirror training images left–right (--no-augment-flip: off)"],
  ["augment-shift", "augmentShift", "Largest shift, as a fraction of the size", "F"],
  ["augment-rotation", "augmentRotation", "Largest rotation in degrees", "DEG"],
  ["augment-zoom", "augmentZoom", "Zoom range: factors in [1 - z, 1 + z]", "Z"],
  ["label-smoothing", "labelSmoothing", "Label smoothing of categorical cross-entropy", "E"],
  ["lr-schedule", "lrSchedule", LR_SCHEDULES.join(" | "), "NAME"],
  ["early-stopping", "earlyStopping", "EarlyStopping on val_loss (--no-early-stopping: off)"],
  ["patience", "patience", "EarlyStopping patience (epochs)", "N"],
  ["min-delta", "minDelta", "EarlyStopping min_delta", "D"],
  ["restore-best-weights", "restoreBestWeights", "Keep the best epoch's weights at the end"],
  ["reduce-lr", "reduceLr", "ReduceLROnPlateau on val_loss (--no-reduce-lr: off)"],
  ["reduce-lr-factor", "reduceLrFactor", "ReduceLROnPlateau factor", "F"],
  ["reduce-lr-patience", "reduceLrPatience", "ReduceLROnPlateau patience (epochs)", "N"],
  ["reduce-lr-min-delta", "reduceLrMinDelta", "ReduceLROnPlateau min_delta", "D"],
  ["reduce-lr-cooldown", "reduceLrCooldown", "ReduceLROnPlateau cooldown (epochs)", "N"],
  ["min-lr", "minLr", "ReduceLROnPlateau min_lr", "LR"],
  ["backend", "backend", BACKEND_CHOICES.join(" | "), "NAME"],
];

function flagSpecs(): Record<string, FlagSpec> {
  const flags: Record<string, FlagSpec> = {};
  for (const [flag, key, description, value] of OPTIONS) {
    const fallback = TRAIN_DEFAULTS[key];
    flags[flag] = {
      type: typeof fallback === "boolean" ? "boolean" : "string",
      description,
      ...(fallback === "" ? {} : { default: fallback }),
      ...(value ? { value } : {}),
    };
  }
  flags["config"] = CONFIG_FLAG;
  flags["resume"] = {
    type: "string",
    description: "Continue the run <out-dir>/<RUN> (or a run folder) from its last checkpoint",
    value: "RUN",
  };
  return flags;
}

function flagValues(values: ParsedFlags["values"]): Partial<TrainConfig> {
  const given: Record<string, unknown> = {};
  for (const [flag, key] of OPTIONS) {
    const fallback = TRAIN_DEFAULTS[key];
    given[key] = typeof fallback === "boolean"
      ? booleanFlag(values, flag)
      : typeof fallback === "number"
      ? numberFlag(values, flag)
      : stringFlag(values, flag);
  }
  return given as Partial<TrainConfig>;
}

async function runDirOf(resume: string, outDir: string): Promise<string> {
  try {
    await Deno.stat(join(resume, "config.json"));
    return resume;
  } catch {
    return join(outDir, resume);
  }
}

export const command: Command = {
  name: "train",
  summary: "Train a model on an image folder (the notebook's recipe by default)",
  usage: "[options] [data-folder]",
  flags: flagSpecs(),
  examples: [
    "ferry train --run cifar10-notebook ../shared/datasets/cifar10/train",
    "ferry train --epochs 5 --train-subset 5000 --no-augment --run quick",
    "ferry train --resume cifar10-notebook",
  ],
  async run(parsed) {
    const reporter = terminalReporter();
    const flags = flagValues(parsed.values);
    if (parsed.positionals[0] !== undefined) flags.data = parsed.positionals[0];
    const config = await resolveCommandConfig("train", { ...TRAIN_DEFAULTS }, parsed.values, flags);
    const resume = stringFlag(parsed.values, "resume");
    let result;
    if (resume !== undefined) {
      const runDir = await runDirOf(resume, config.outDir);
      reporter.info(`Resuming ${runDir} with its saved configuration`);
      result = await resumeRun(runDir, { reporter });
    } else {
      reporter.info(`Configuration:\n${formatConfig(config)}`);
      result = await trainRun(config, { reporter });
    }
    const best = bestEpoch(result.history);
    reporter.info(
      `Done: ${result.history.length} epochs${result.stoppedEarly ? " (stopped early)" : ""}, ` +
        `weights of epoch ${result.weightsEpoch}; validation accuracy ${
          result.validation.accuracy.toFixed(4)
        }` + (best ? ` (best epoch ${best.epoch}: ${best.val_accuracy.toFixed(4)})` : "") +
        `; outputs in ${result.runDir}`,
    );
    return 0;
  },
};
