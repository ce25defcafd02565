/**
 * Patch-whitening initialisation of a model's first convolution (airbench's): its filters become
 * the leading eigenvectors of the covariance of the training images' patches, scaled by the
 * inverse square root of their eigenvalues, each with its negative, so that from the first step
 * the layer passes on decorrelated, equally scaled views of the pixels instead of random ones.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ImageDataset } from "../data/mod.ts";
import { FerryError } from "../errors.ts";

/** Options of {@linkcode whiteningKernel}. */
export interface WhiteningOptions {
  /** Images whose every patch enters the covariance (the first ones). @default 2000 */
  images?: number;
  /** Added to each eigenvalue before its inverse square root. @default 5e-4 */
  eps?: number;
}

/** Defaults of {@linkcode WhiteningOptions}. */
export const WHITENING_DEFAULTS = { images: 2000, eps: 5e-4 } as const;

/**
 * Covariance of every `size`×`size` patch (pixels / 255, HWC order within the patch,
 * as a convolution kernel reads them) of the first `images` images of `dataset`.
 */
export function patchCovariance(
  dataset: ImageDataset,
  size: number,
  images: number,
): Float64Array {
  const { width, height } = dataset;
  const dim = size * size * 3;
  const sum = new Float64Array(dim);
  const products = new Float64Array(dim * dim);
  const patch = new Float64Array(dim);
  const count = Math.min(images, dataset.count);
  let patches = 0;
  for (let n = 0; n < count; n++) {
    const base = n * height * width * 3;
    for (let y = 0; y + size <= height; y++) {
      for (let x = 0; x + size <= width; x++) {
        for (let dy = 0, p = 0; dy < size; dy++) {
          const row = base + ((y + dy) * width + x) * 3;
          for (let i = 0; i < size * 3; i++) patch[p++] = dataset.images[row + i]! / 255;
        }
        for (let i = 0; i < dim; i++) {
          const v = patch[i]!;
          sum[i]! += v;
          // The upper triangle only; mirrored below.
          for (let j = i; j < dim; j++) products[i * dim + j]! += v * patch[j]!;
        }
        patches++;
      }
    }
  }
  const mean = sum.map((s) => s / patches);
  const covariance = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const c = products[i * dim + j]! / patches - mean[i]! * mean[j]!;
      covariance[i * dim + j] = c;
      covariance[j * dim + i] = c;
    }
  }
  return covariance;
}

/**
 * Eigenvalues (descending) and unit eigenvectors (`vectors[k * n + i]`: component i of the k-th)
 * of a symmetric n×n matrix, by cyclic Jacobi rotations.
 */
export function symmetricEigen(
  matrix: Float64Array,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!, akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!, aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!, vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) =>
    a[j * n + j]! - a[i * n + i]!
  );
  const values = Float64Array.from(order, (i) => a[i * n + i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((col, k) => {
    for (let i = 0; i < n; i++) vectors[k * n + i] = v[i * n + col]!;
  });
  return { values, vectors };
}

/**
 * A `size`×`size`×3×`filters` convolution kernel (tfjs' HWIO layout) that whitens `dataset`'s
 * patches: filter 2k is the k-th eigenvector over √(λk + eps), filter 2k + 1 its negative.
 */
export function whiteningKernel(
  dataset: ImageDataset,
  size: number,
  filters: number,
  options: WhiteningOptions = {},
): Float32Array {
  const { images, eps } = { ...WHITENING_DEFAULTS, ...options };
  const dim = size * size * 3;
  if (filters % 2 !== 0 || filters / 2 > dim) {
    throw new FerryError(
      "usage",
      `Cannot whiten a ${size}×${size} convolution with ${filters} filters: ` +
        `expected an even number up to ${2 * dim}`,
    );
  }
  const covariance = patchCovariance(dataset, size, images);
  const { values, vectors } = symmetricEigen(covariance, dim);
  const kernel = new Float32Array(dim * filters);
  for (let k = 0; k < filters / 2; k++) {
    const scale = 1 / Math.sqrt(Math.max(values[k]!, 0) + eps);
    for (let i = 0; i < dim; i++) {
      const w = vectors[k * dim + i]! * scale;
      kernel[i * filters + 2 * k] = w;
      kernel[i * filters + 2 * k + 1] = -w;
    }
  }
  return kernel;
}

/**
 * Sets the kernel of `model`'s first convolution (square, on the 3 colour channels) to whiten
 * `dataset`'s patches; its bias is left as it is. Returns the layer's name.
 */
export function whitenFirstConv(
  model: tf.LayersModel,
  dataset: ImageDataset,
  options: WhiteningOptions = {},
): string {
  const conv = model.layers.find((layer) => layer.getClassName() === "Conv2D");
  const kernel = conv?.getWeights()[0];
  const [kh, kw, channels, filters] = kernel?.shape ?? [];
  if (!conv || !kernel || kh !== kw || channels !== 3) {
    throw new FerryError(
      "usage",
      "Cannot whiten the first convolution: the model has no square convolution on RGB input first",
    );
  }
  const values = whiteningKernel(dataset, kh!, filters!, options);
  const weights = conv.getWeights();
  const whitened = tf.tensor4d(values, kernel.shape as [number, number, number, number]);
  conv.setWeights([whitened, ...weights.slice(1)]);
  whitened.dispose();
  return conv.name;
}
