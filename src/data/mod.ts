/**
 * Datasets in memory and the way to batches: CIFAR-10 (download, verify, parse), image folders
 * (parallel decode, decoded-tensor cache), stratified splits, Keras-exact augmentation, seeded
 * batches. Every image becomes a tensor through the image layer.
 *
 * @module
 */
export type { Batch, ImageDataset } from "./dataset.ts";
export {
  AUGMENT_DEFAULTS,
  augmentInto,
  type AugmentOptions,
  type AugmentParams,
  drawAugmentParams,
  IDENTITY_PARAMS,
  resolveAugmentOptions,
} from "./augment.ts";
export { BATCH_DEFAULTS, type BatchOptions, type BatchSequence, createBatches } from "./batches.ts";
export { ferryCacheDir } from "./cache_dir.ts";
export {
  type Cifar10,
  CIFAR10_CLASSES,
  CIFAR10_MD5,
  CIFAR10_SOURCE_ENV,
  CIFAR10_URL,
  type Cifar10Options,
  loadCifar10,
  parseCifar10Batches,
} from "./cifar10.ts";
export {
  IMAGE_FOLDER_DEFAULTS,
  type ImageFileDecoder,
  type ImageFolderOptions,
  type LoadedImageFolder,
  loadImageFolder,
  type SkippedFile,
} from "./image_folder.ts";
export { createRng, mixSeed, type Rng, shuffleInPlace } from "./random.ts";
export {
  SPLIT_DEFAULTS,
  type SplitOptions,
  type SplitResult,
  stratifiedSplit,
  subsetDataset,
} from "./split.ts";
