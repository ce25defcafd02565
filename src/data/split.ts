import { FerryError } from "../errors.ts";
import type { ImageDataset } from "./dataset.ts";
import { createRng, mixSeed, shuffleInPlace } from "./random.ts";

/** Options of {@linkcode stratifiedSplit}. */
export interface SplitOptions {
  /** Share of each class that goes to the held-out part, in (0, 1). @default 0.1 */
  fraction?: number;
  /** Seed of the choice: the same seed gives the same split. @default 0 */
  seed?: number;
}

/** Defaults of {@linkcode SplitOptions}. */
export const SPLIT_DEFAULTS = Object.freeze({ fraction: 0.1, seed: 0 });

/** The two parts of a split; both keep the source's order and class names. */
export interface SplitResult {
  train: ImageDataset;
  validation: ImageDataset;
}

/**
 * Holds out `fraction` of each class (rounded per class), chosen by a seeded shuffle, so both parts
 * keep the class proportions. Split twice to carve a test slice as well.
 *
 * @example
 * ```ts
 * import { type ImageDataset, stratifiedSplit } from "./mod.ts";
 *
 * declare const all: ImageDataset;
 * const { train: rest, validation: test } = stratifiedSplit(all, { fraction: 0.1, seed: 1 });
 * const { train, validation } = stratifiedSplit(rest, { fraction: 0.1, seed: 2 });
 * ```
 */
export function stratifiedSplit(dataset: ImageDataset, options: SplitOptions = {}): SplitResult {
  const { fraction, seed } = { ...SPLIT_DEFAULTS, ...options };
  if (!(fraction > 0 && fraction < 1)) {
    throw new FerryError(
      "usage",
      `Cannot split: 'fraction' must be between 0 and 1 (exclusive), got ${fraction}`,
    );
  }
  const byClass: number[][] = dataset.classNames.map(() => []);
  for (let i = 0; i < dataset.count; i++) {
    const label = dataset.labels[i]!;
    const members = byClass[label];
    if (!members) {
      throw new FerryError(
        "dataset",
        `Cannot split: image ${i} has label ${label}, beyond the ${dataset.classNames.length} classes`,
      );
    }
    members.push(i);
  }
  const held = new Uint8Array(dataset.count);
  byClass.forEach((members, label) => {
    // One stream per class, so a class's choice does not depend on the other classes' sizes.
    shuffleInPlace(members, createRng(mixSeed(seed, label)));
    const take = Math.round(members.length * fraction);
    for (let k = 0; k < take; k++) held[members[k]!] = 1;
  });
  const pick = (want: number): number[] => {
    const indices: number[] = [];
    for (let i = 0; i < dataset.count; i++) if (held[i] === want) indices.push(i);
    return indices;
  };
  return { train: subsetDataset(dataset, pick(0)), validation: subsetDataset(dataset, pick(1)) };
}

/** A new dataset with the images at `indices`, in that order (pixels copied). */
export function subsetDataset(dataset: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const pixels = dataset.width * dataset.height * 3;
  const images = new Uint8Array(indices.length * pixels);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!(i >= 0 && i < dataset.count)) {
      throw new RangeError(`Cannot take image ${i} of a dataset of ${dataset.count}`);
    }
    images.set(dataset.images.subarray(i * pixels, (i + 1) * pixels), k * pixels);
    labels[k] = dataset.labels[i]!;
  }
  return {
    images,
    labels,
    classNames: [...dataset.classNames],
    width: dataset.width,
    height: dataset.height,
    count: indices.length,
  };
}
