import type { ImageDataset } from "../../src/data/mod.ts";

/**
 * A dataset with `perClass[k]` images of class k, each image filled with its own index
 * (mod 256) in the red channel and its index / 256 in green, so any image can be identified.
 */
export function syntheticDataset(perClass: number[], side = 4): ImageDataset {
  const count = perClass.reduce((a, b) => a + b, 0);
  const pixels = side * side * 3;
  const images = new Uint8Array(count * pixels);
  const labels = new Uint8Array(count);
  let n = 0;
  // Interleave the classes, as real data is.
  const left = [...perClass];
  while (n < count) {
    for (let k = 0; k < left.length; k++) {
      if (left[k]! === 0) continue;
      left[k]!--;
      labels[n] = k;
      for (let p = 0; p < side * side; p++) {
        images[n * pixels + 3 * p] = n % 256;
        images[n * pixels + 3 * p + 1] = Math.floor(n / 256);
        images[n * pixels + 3 * p + 2] = k;
      }
      n++;
    }
  }
  const classNames = perClass.map((_, k) => `class${k}`);
  return { images, labels, classNames, width: side, height: side, count };
}

/** The identity of each image in a dataset made by {@linkcode syntheticDataset}. */
export function imageIds(dataset: ImageDataset): number[] {
  const pixels = dataset.width * dataset.height * 3;
  return Array.from(
    { length: dataset.count },
    (_, i) => dataset.images[i * pixels]! + 256 * dataset.images[i * pixels + 1]!,
  );
}
