import { AUGMENT_DEFAULTS } from "../data/mod.ts";
import { FerryError } from "../errors.ts";
import {
  type Activation,
  ACTIVATIONS,
  KERNEL_INITIALIZERS,
  type KernelInitializer,
  MODEL_DEFAULTS,
} from "../model/mod.ts";
import { BACKEND_CHOICES, type BackendChoice } from "./backend/mod.ts";
import { EARLY_STOPPING_DEFAULTS } from "./early_stopping.ts";
import { LOSSES, type LossName } from "./losses.ts";
import { type OptimizerName, OPTIMIZERS } from "./optimizer.ts";
import { REDUCE_LR_DEFAULTS } from "./reduce_lr.ts";
import { LR_SCHEDULES, type LrSchedule } from "./schedule.ts";
import { LAYER_STATS_EVERY } from "./_layer_probe.ts";

/** A training run's whole configuration: what `config.json` holds and `--resume` rebuilds from. */
export interface TrainConfig {
  /** Folder with one sub-folder of images per class. @default "../shared/datasets/cifar10/train" */
  data: string;
  /** Optional folder of held-out test images (same classes), evaluated once at the end. @default "" */
  testData: string;
  /** Share of each class held out for validation. @default 0.1 */
  valSplit: number;
  /** Train on this many images of the training part (stratified), 0 for all. @default 0 */
  trainSubset: number;
  /** Parent folder of runs. @default "models" */
  outDir: string;
  /** Run name (sub-folder of `outDir`); empty: architecture and a timestamp. @default "" */
  run: string;
  /** Registered architecture. @default "notebook_cnn" */
  architecture: string;
  /** @default "relu" */
  activation: Activation;
  /** @default "glorot_uniform" */
  kernelInitializer: KernelInitializer;
  /** @default 0.5 */
  dropout: number;
  /** Initialise the first convolution from patch whitening of the training images. @default false */
  whitenFirstConv: boolean;
  /** @default "categorical_crossentropy" */
  loss: LossName;
  /** @default "adam" */
  optimizer: OptimizerName;
  /** @default 0.001 */
  learningRate: number;
  /** Momentum of `sgd`. @default 0.9 */
  momentum: number;
  /** Nesterov momentum for `sgd` (Keras' `nesterov`). @default false */
  nesterov: boolean;
  /** Decoupled weight decay of the kernels (AdamW's λ; 0: none). @default 0 */
  weightDecay: number;
  /** @default 64 */
  batchSize: number;
  /** @default 50 */
  epochs: number;
  /** Seeds the split, weights, batch order, augmentation and dropout. @default 42 */
  seed: number;
  /** Keras `ImageDataGenerator(horizontal_flip, 0.1 shifts)` augmentation of training batches. @default true */
  augment: boolean;
  /** Mirror training images left–right with probability 0.5 (with `augment`). @default true */
  augmentFlip: boolean;
  /** Largest shift, as a fraction of the size, both ways (with `augment`). @default 0.1 */
  augmentShift: number;
  /** Largest rotation in degrees (with `augment`). @default 0 */
  augmentRotation: number;
  /** Zoom range: factors in [1 − z, 1 + z] (with `augment`). @default 0 */
  augmentZoom: number;
  /** Shift by whole pixels (random crops), not Keras' interpolated fractions. @default false */
  augmentWholePixels: boolean;
  /**
   * Side in pixels of a grey square erased at a random place in every training image (cutout;
   * 0: none). @default 0
   */
  augmentCutout: number;
  /** Label smoothing of categorical cross-entropy. @default 0 */
  labelSmoothing: number;
  /** Learning-rate curve over the run: constant, cosine or one_cycle. @default "constant" */
  lrSchedule: LrSchedule;
  /** EarlyStopping on val_loss. @default true */
  earlyStopping: boolean;
  /** @default 5 */
  patience: number;
  /** @default 0 */
  minDelta: number;
  /** @default true */
  restoreBestWeights: boolean;
  /** ReduceLROnPlateau on val_loss. @default true */
  reduceLr: boolean;
  /** @default 0.2 */
  reduceLrFactor: number;
  /** @default 2 */
  reduceLrPatience: number;
  /** @default 1e-4 */
  reduceLrMinDelta: number;
  /** @default 0 */
  reduceLrCooldown: number;
  /** @default 0 */
  minLr: number;
  /** @default "auto" */
  backend: BackendChoice;
  /**
   * Record each layer's gradient norm and update-to-weight ratio at every this-many-th step into
   * `history.json` (0: off). @default 10
   */
  layerStatsEvery: number;
}

/** Defaults of {@linkcode TrainConfig}: the reference notebook's recipe. */
export const TRAIN_DEFAULTS: Readonly<TrainConfig> = Object.freeze({
  data: "../shared/datasets/cifar10/train",
  testData: "",
  valSplit: 0.1,
  trainSubset: 0,
  outDir: "models",
  run: "",
  architecture: "notebook_cnn",
  activation: MODEL_DEFAULTS.activation,
  kernelInitializer: MODEL_DEFAULTS.kernelInitializer,
  dropout: MODEL_DEFAULTS.dropout,
  whitenFirstConv: false,
  loss: "categorical_crossentropy",
  optimizer: "adam",
  learningRate: 0.001,
  momentum: 0.9,
  nesterov: false,
  weightDecay: 0,
  batchSize: 64,
  epochs: 50,
  seed: 42,
  augment: true,
  augmentFlip: AUGMENT_DEFAULTS.horizontalFlip,
  augmentShift: AUGMENT_DEFAULTS.widthShiftRange,
  augmentRotation: AUGMENT_DEFAULTS.rotationRange,
  augmentZoom: 0,
  augmentWholePixels: AUGMENT_DEFAULTS.wholePixelShifts,
  augmentCutout: AUGMENT_DEFAULTS.cutout,
  labelSmoothing: 0,
  lrSchedule: "constant",
  earlyStopping: true,
  patience: EARLY_STOPPING_DEFAULTS.patience,
  minDelta: EARLY_STOPPING_DEFAULTS.minDelta,
  restoreBestWeights: EARLY_STOPPING_DEFAULTS.restoreBestWeights,
  reduceLr: true,
  reduceLrFactor: REDUCE_LR_DEFAULTS.factor,
  reduceLrPatience: REDUCE_LR_DEFAULTS.patience,
  reduceLrMinDelta: REDUCE_LR_DEFAULTS.minDelta,
  reduceLrCooldown: REDUCE_LR_DEFAULTS.cooldown,
  minLr: REDUCE_LR_DEFAULTS.minLr,
  backend: "auto",
  layerStatsEvery: LAYER_STATS_EVERY,
});

function fail(what: string, got: unknown): never {
  throw new FerryError("usage", `Cannot train: ${what}, got ${JSON.stringify(got)}`);
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): void {
  if (!allowed.includes(value as T)) fail(`'${name}' must be one of ${allowed.join(", ")}`, value);
}

/** Checks every field of a resolved config at the door, naming the field and the value. */
export function validateTrainConfig(config: TrainConfig): TrainConfig {
  const positiveInt = ["batchSize", "epochs", "patience", "reduceLrPatience"] as const;
  for (const key of positiveInt) {
    const v = config[key];
    if (!Number.isInteger(v) || v < (key === "patience" || key === "reduceLrPatience" ? 0 : 1)) {
      fail(
        `'${key}' must be a ${key.endsWith("atience") ? "non-negative" : "positive"} integer`,
        v,
      );
    }
  }
  for (const key of ["trainSubset", "reduceLrCooldown", "seed", "layerStatsEvery"] as const) {
    if (!Number.isSafeInteger(config[key]) || config[key] < 0) {
      fail(`'${key}' must be a non-negative integer`, config[key]);
    }
  }
  if (!(config.learningRate > 0)) fail("'learningRate' must be positive", config.learningRate);
  if (!(config.momentum >= 0 && config.momentum < 1)) {
    fail("'momentum' must be in [0, 1)", config.momentum);
  }
  if (!(config.weightDecay >= 0)) fail("'weightDecay' must be 0 or more", config.weightDecay);
  if (!(config.valSplit > 0 && config.valSplit < 1)) {
    fail("'valSplit' must be in (0, 1)", config.valSplit);
  }
  if (!(config.dropout >= 0 && config.dropout < 1)) {
    fail("'dropout' must be in [0, 1)", config.dropout);
  }
  if (!(config.reduceLrFactor > 0 && config.reduceLrFactor < 1)) {
    fail("'reduceLrFactor' must be in (0, 1)", config.reduceLrFactor);
  }
  for (const key of ["minDelta", "reduceLrMinDelta", "minLr"] as const) {
    if (!(config[key] >= 0)) fail(`'${key}' must be ≥ 0`, config[key]);
  }
  oneOf("activation", config.activation, ACTIVATIONS);
  oneOf("kernelInitializer", config.kernelInitializer, KERNEL_INITIALIZERS);
  oneOf("loss", config.loss, LOSSES);
  oneOf("optimizer", config.optimizer, OPTIMIZERS);
  oneOf("backend", config.backend, BACKEND_CHOICES);
  oneOf("lrSchedule", config.lrSchedule, LR_SCHEDULES);
  if (!(config.labelSmoothing >= 0 && config.labelSmoothing < 1)) {
    fail("'labelSmoothing' must be in [0, 1)", config.labelSmoothing);
  }
  if (config.labelSmoothing > 0 && config.loss !== "categorical_crossentropy") {
    fail("'labelSmoothing' needs loss categorical_crossentropy", config.loss);
  }
  if (!(config.augmentShift >= 0 && config.augmentShift < 1)) {
    fail("'augmentShift' must be in [0, 1)", config.augmentShift);
  }
  if (!(config.augmentZoom >= 0 && config.augmentZoom < 1)) {
    fail("'augmentZoom' must be in [0, 1)", config.augmentZoom);
  }
  if (!(config.augmentRotation >= 0 && config.augmentRotation <= 180)) {
    fail("'augmentRotation' must be in [0, 180]", config.augmentRotation);
  }
  if (!(Number.isInteger(config.augmentCutout) && config.augmentCutout >= 0)) {
    fail("'augmentCutout' must be a whole number of pixels >= 0", config.augmentCutout);
  }
  if (config.data === "") fail("'data' must name a folder", config.data);
  if (/[\\/]|^\.\.?$/.test(config.run)) fail("'run' must be a plain folder name", config.run);
  return config;
}
