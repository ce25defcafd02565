import type { AugmentOptions, ImageDataset } from "../data/mod.ts";
import type { ModelOptions } from "../model/mod.ts";
import type { TrainConfig } from "./config.ts";
import type { FitOptions } from "./fit.ts";

/** What of {@linkcode FitOptions} a run's config decides. */
export type ConfigFitOptions = Pick<
  FitOptions,
  | "epochs"
  | "loss"
  | "optimizer"
  | "seed"
  | "labelSmoothing"
  | "schedule"
  | "earlyStopping"
  | "reduceLr"
  | "layerStatsEvery"
>;

/** The config's training recipe in {@linkcode fit}'s terms, its callbacks' options included. */
export function toFitOptions(config: TrainConfig): ConfigFitOptions {
  return {
    epochs: config.epochs,
    loss: config.loss,
    optimizer: {
      name: config.optimizer,
      learningRate: config.learningRate,
      momentum: config.momentum,
      nesterov: config.nesterov,
      weightDecay: config.weightDecay,
    },
    seed: config.seed,
    layerStatsEvery: config.layerStatsEvery,
    labelSmoothing: config.labelSmoothing,
    schedule: config.lrSchedule,
    earlyStopping: config.earlyStopping && {
      patience: config.patience,
      minDelta: config.minDelta,
      restoreBestWeights: config.restoreBestWeights,
    },
    reduceLr: config.reduceLr && {
      factor: config.reduceLrFactor,
      patience: config.reduceLrPatience,
      minDelta: config.reduceLrMinDelta,
      cooldown: config.reduceLrCooldown,
      minLr: config.minLr,
    },
  };
}

/** The model the config asks for, shaped for `dataset`'s images and classes. */
export function toModelOptions(config: TrainConfig, dataset: ImageDataset): ModelOptions {
  return {
    inputShape: [dataset.height, dataset.width, 3],
    numClasses: dataset.classNames.length,
    activation: config.activation,
    kernelInitializer: config.kernelInitializer,
    dropout: config.dropout,
    seed: config.seed,
  };
}

/** The augmentation the config asks for, in the data layer's terms. */
export function toAugmentOptions(config: TrainConfig): AugmentOptions | false {
  if (!config.augment) return false;
  return {
    horizontalFlip: config.augmentFlip,
    widthShiftRange: config.augmentShift,
    heightShiftRange: config.augmentShift,
    rotationRange: config.augmentRotation,
    zoomRange: config.augmentZoom,
    wholePixelShifts: config.augmentWholePixels,
    cutout: config.augmentCutout,
  };
}
