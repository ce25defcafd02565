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
  RUN_FILES,
  TRAIN_DEFAULTS,
  type TrainConfig,
  trainRun,
} from "../train/mod.ts";
import {
  type Command,
  CONFIG_FLAG,
  type FlagSpec,
  resolveCommandConfig,
  stringFlag,
} from "./_command.ts";
import { optionFlags, type OptionTable, optionValues } from "./_options.ts";

/** The options of a run; `--help` and parsing both read this table. */
const OPTIONS: OptionTable<TrainConfig> = {
  data: { description: "Folder with one sub-folder of images per class", value: "DIR" },
  testData: {
    description: "Folder of held-out test images, evaluated once at the end",
    value: "DIR",
  },
  valSplit: { description: "Share of each class held out for validation", value: "0.1" },
  trainSubset: { description: "Train on this many images (stratified), 0 for all", value: "N" },
  outDir: { description: "Parent folder of runs", value: "DIR" },
  run: { description: "Run name (default: architecture and a timestamp)", value: "NAME" },
  architecture: {
    description: `Architecture: ${listArchitectures().map((a) => a.name).join(" | ")}`,
    value: "NAME",
  },
  activation: { description: ACTIVATIONS.join(" | "), value: "NAME" },
  kernelInitializer: { description: KERNEL_INITIALIZERS.join(" | "), value: "NAME" },
  dropout: { description: "Dropout rate", value: "RATE" },
  whitenFirstConv: { description: "Initialise the first convolution by patch whitening" },
  loss: { description: LOSSES.join(" | "), value: "NAME" },
  optimizer: { description: OPTIMIZERS.join(" | "), value: "NAME" },
  learningRate: { description: "Initial learning rate", value: "LR" },
  momentum: { description: "Momentum of sgd (0: plain SGD)", value: "M" },
  nesterov: { description: "Nesterov momentum for sgd" },
  weightDecay: {
    description: "Decoupled weight decay of conv and dense kernels (AdamW's; 0: none)",
    value: "W",
  },
  batchSize: { description: "Images per training step", value: "N" },
  epochs: { description: "Most epochs to train", value: "N" },
  seed: { description: "Seed of split, weights, order, augmentation and dropout", value: "N" },
  augment: { description: "Flip and shift training images (--no-augment: off)" },
  augmentFlip: { description: "Mirror training images left–right (--no-augment-flip: off)" },
  augmentShift: { description: "Largest shift, as a fraction of the size", value: "F" },
  augmentRotation: { description: "Largest rotation in degrees", value: "DEG" },
  augmentZoom: { description: "Zoom range: factors in [1 - z, 1 + z]", value: "Z" },
  augmentWholePixels: { description: "Shift by whole pixels (random crops), not interpolated" },
  augmentCutout: {
    description: "Side of a grey square erased in every image (0: none)",
    value: "PX",
  },
  labelSmoothing: { description: "Label smoothing of categorical cross-entropy", value: "E" },
  lrSchedule: { description: LR_SCHEDULES.join(" | "), value: "NAME" },
  earlyStopping: { description: "EarlyStopping on val_loss (--no-early-stopping: off)" },
  patience: { description: "EarlyStopping patience (epochs)", value: "N" },
  minDelta: { description: "EarlyStopping min_delta", value: "D" },
  restoreBestWeights: { description: "Keep the best epoch's weights at the end" },
  reduceLr: { description: "ReduceLROnPlateau on val_loss (--no-reduce-lr: off)" },
  reduceLrFactor: { description: "ReduceLROnPlateau factor", value: "F" },
  reduceLrPatience: { description: "ReduceLROnPlateau patience (epochs)", value: "N" },
  reduceLrMinDelta: { description: "ReduceLROnPlateau min_delta", value: "D" },
  reduceLrCooldown: { description: "ReduceLROnPlateau cooldown (epochs)", value: "N" },
  minLr: { description: "ReduceLROnPlateau min_lr", value: "LR" },
  backend: { description: BACKEND_CHOICES.join(" | "), value: "NAME" },
  layerStatsEvery: {
    description: "Record layer gradient norms every N steps into history.json (0: off)",
    value: "N",
  },
};

const FLAGS: Record<string, FlagSpec> = {
  ...optionFlags(OPTIONS, TRAIN_DEFAULTS),
  config: CONFIG_FLAG,
  resume: {
    type: "string",
    description: "Continue the run <out-dir>/<RUN> (or a run folder) from its last checkpoint",
    value: "RUN",
  },
};

async function runDirOf(resume: string, outDir: string): Promise<string> {
  try {
    await Deno.stat(join(resume, RUN_FILES.config));
    return resume;
  } catch {
    return join(outDir, resume);
  }
}

export const command: Command = {
  name: "train",
  summary: "Train a model on an image folder (the notebook's recipe by default)",
  usage: "[options] [data-folder]",
  flags: FLAGS,
  examples: [
    "ferry train --run cifar10-notebook ../shared/datasets/cifar10/train",
    "ferry train --epochs 5 --train-subset 5000 --no-augment --run quick",
    "ferry train --resume cifar10-notebook",
  ],
  async run(parsed) {
    const reporter = terminalReporter();
    const flags = optionValues(OPTIONS, TRAIN_DEFAULTS, parsed.values);
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
