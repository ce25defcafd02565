/**
 * A labelled image set held in memory, as every data source produces it and every consumer
 * (training, evaluation, benchmarks) reads it.
 */
export interface ImageDataset {
  /** `count * height * width * 3` bytes: 8-bit RGB, NHWC, image after image. */
  images: Uint8Array;
  /** `count` class indices into `classNames`. */
  labels: Uint8Array;
  /** Class names, index = label. */
  classNames: string[];
  width: number;
  height: number;
  count: number;
}

/** One batch ready for a model: normalised floats (NHWC) and class indices. */
export interface Batch {
  /** `size * height * width * 3` floats, from `normalizeInto` (after augmentation, if any). */
  x: Float32Array;
  /** `size` class indices. */
  y: Uint8Array;
  size: number;
}
