import { FerryError } from "../errors.ts";
import { FERRY_INPUT_SPEC, type InputSpec, normalizeInto, type RgbImage } from "../image/mod.ts";
import {
  augmentInto,
  type AugmentOptions,
  drawAugmentParams,
  resolveAugmentOptions,
} from "./augment.ts";
import type { Batch, ImageDataset } from "./dataset.ts";
import { createRng, mixSeed, shuffleInPlace } from "./random.ts";

/** Options of {@linkcode createBatches}. */
export interface BatchOptions {
  /** Images per batch; the last batch of an epoch may be smaller. @default 32 */
  batchSize?: number;
  /** Visit the images in a seeded random order. @default true */
  shuffle?: boolean;
  /** Seed of the order and the augmentation. @default 0 */
  seed?: number;
  /** Epoch number, mixed into the seed: each epoch gets its own order, the same on every run. @default 0 */
  epoch?: number;
  /** Augment each image (Keras `ImageDataGenerator` semantics), or `false` for plain inputs. @default false */
  augment?: AugmentOptions | false;
  /** Model input format; its size must be the dataset's. @default FERRY_INPUT_SPEC */
  spec?: InputSpec;
  /** First batch to produce, to resume an epoch part-way with the same batches. @default 0 */
  startBatch?: number;
}

/** Defaults of {@linkcode BatchOptions}. */
export const BATCH_DEFAULTS = Object.freeze({
  batchSize: 32,
  shuffle: true,
  seed: 0,
  epoch: 0,
  augment: false as const,
  startBatch: 0,
});

/** One epoch of batches: iterate it (more than once gives the same batches), or ask its length. */
export interface BatchSequence extends Iterable<Batch> {
  /** Number of batches in the epoch, `startBatch` included. */
  readonly count: number;
}

/**
 * One epoch of batches over a dataset: `x` through {@linkcode normalizeInto} (after augmentation,
 * if any), `y` the labels. The order and every augmentation depend only on (seed, epoch, batch
 * number), so a resumed run sees the same batches, and `startBatch` skips ahead without work.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { createBatches, type ImageDataset } from "./mod.ts";
 *
 * declare const train: ImageDataset;
 * declare const model: tf.LayersModel; // compiled with a categorical cross-entropy loss
 * for (const batch of createBatches(train, { batchSize: 64, seed: 1, epoch: 0, augment: {} })) {
 *   // A model takes tensors: x as NHWC floats, y one-hot.
 *   const x = tf.tensor4d(batch.x, [batch.size, train.height, train.width, 3]);
 *   const y = tf.oneHot(Int32Array.from(batch.y), train.classNames.length);
 *   await model.trainOnBatch(x, y);
 *   tf.dispose([x, y]);
 * }
 * ```
 */
export function createBatches(dataset: ImageDataset, options: BatchOptions = {}): BatchSequence {
  const o = { ...BATCH_DEFAULTS, spec: FERRY_INPUT_SPEC, ...options };
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) {
    throw new FerryError(
      "usage",
      `Cannot make batches: 'batchSize' must be a positive integer, got ${o.batchSize}`,
    );
  }
  if (o.spec.width !== dataset.width || o.spec.height !== dataset.height) {
    throw new FerryError(
      "usage",
      `Cannot make batches: the dataset is ${dataset.width}×${dataset.height}, the input spec ${o.spec.width}×${o.spec.height}`,
    );
  }
  const augment = o.augment === false ? undefined : resolveAugmentOptions(o.augment);
  const count = Math.ceil(dataset.count / o.batchSize);
  const order = new Uint32Array(dataset.count).map((_, i) => i);
  if (o.shuffle) shuffleInPlace(order, createRng(mixSeed(o.seed, o.epoch, 1)));
  const pixels = dataset.width * dataset.height * 3;

  function batchAt(b: number): Batch {
    const from = b * o.batchSize;
    const size = Math.min(o.batchSize, dataset.count - from);
    const x = new Float32Array(size * pixels);
    const y = new Uint8Array(size);
    const rng = augment ? createRng(mixSeed(o.seed, o.epoch, 2, b)) : undefined;
    const image: RgbImage = { data: dataset.images, width: dataset.width, height: dataset.height };
    for (let i = 0; i < size; i++) {
      const index = order[from + i]!;
      image.data = dataset.images.subarray(index * pixels, (index + 1) * pixels);
      y[i] = dataset.labels[index]!;
      if (augment && rng) {
        const params = drawAugmentParams(rng, augment, dataset.height, dataset.width);
        augmentInto(image, params, x, i * pixels, o.spec);
      } else {
        normalizeInto(image, x, i * pixels, o.spec);
      }
    }
    return { x, y, size };
  }

  return {
    count,
    *[Symbol.iterator]() {
      for (let b = o.startBatch; b < count; b++) yield batchAt(b);
    },
  };
}
