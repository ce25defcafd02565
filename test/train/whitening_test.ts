import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { createRng, type ImageDataset } from "../../src/data/mod.ts";
import { resolveModelOptions } from "../../src/model/mod.ts";
import {
  patchCovariance,
  symmetricEigen,
  whitenFirstConv,
  whiteningKernel,
} from "../../src/train/mod.ts";
import { buildTinyCnn } from "./_tiny.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** Random 8×8 images whose green follows red and whose blue is independent. */
function correlatedImages(count: number): ImageDataset {
  const rng = createRng(7);
  const images = new Uint8Array(count * 8 * 8 * 3);
  for (let i = 0; i < images.length; i += 3) {
    const r = rng.next() * 255;
    images[i] = r;
    images[i + 1] = Math.min(255, 0.8 * r + 40 * rng.next());
    images[i + 2] = rng.next() * 255;
  }
  return {
    images,
    labels: new Uint8Array(count),
    classNames: ["a"],
    width: 8,
    height: 8,
    count,
  };
}

describe("symmetricEigen()", () => {
  it("returns eigenvalues in descending order with unit vectors that satisfy A·v = λ·v", () => {
    const a = Float64Array.from([4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 1]);
    const { values, vectors } = symmetricEigen(a, 3);
    expect(values[0]).toBeGreaterThan(values[1]!);
    expect(values[1]).toBeGreaterThan(values[2]!);
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(8, 10); // the trace
    for (let k = 0; k < 3; k++) {
      const v = vectors.subarray(k * 3, k * 3 + 3);
      expect(Math.hypot(...v)).toBeCloseTo(1, 10);
      for (let i = 0; i < 3; i++) {
        const av = a[i * 3]! * v[0]! + a[i * 3 + 1]! * v[1]! + a[i * 3 + 2]! * v[2]!;
        expect(av).toBeCloseTo(values[k]! * v[i]!, 10);
      }
    }
  });
});

describe("whiteningKernel()", () => {
  it("maps the patches it was fitted on to uncorrelated, unit-variance pairs of opposite sign", () => {
    const data = correlatedImages(50);
    const kernel = whiteningKernel(data, 2, 8, { eps: 1e-9 });
    const covariance = patchCovariance(data, 2, 50);
    // The covariance of filter outputs is Kᵀ·C·K; for whitening filters, ±1 in 2×2 blocks.
    const dim = 12, filters = 8;
    for (let f = 0; f < filters; f++) {
      for (let g = 0; g < filters; g++) {
        let c = 0;
        for (let i = 0; i < dim; i++) {
          for (let j = 0; j < dim; j++) {
            c += kernel[i * filters + f]! * covariance[i * dim + j]! * kernel[j * filters + g]!;
          }
        }
        const expected = Math.floor(f / 2) === Math.floor(g / 2) ? (f === g ? 1 : -1) : 0;
        expect(c).toBeCloseTo(expected, 5);
      }
    }
  });

  it("refuses more filter pairs than a patch has dimensions", () => {
    expect(() => whiteningKernel(correlatedImages(2), 2, 26)).toThrow(/even number up to 24/);
  });
});

describe("whitenFirstConv()", () => {
  it("sets the first convolution's kernel and nothing else, leaking no tensor", () => {
    const data = correlatedImages(20);
    const model = buildTinyCnn(resolveModelOptions({ inputShape: [8, 8, 3], numClasses: 2 }));
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const tensors = tf.memory().numTensors;
    expect(whitenFirstConv(model, data)).toBe("conv2d");
    expect(tf.memory().numTensors).toBe(tensors);
    const after = model.getWeights().map((w) => Array.from(w.dataSync()));
    const expected = Array.from(whiteningKernel(data, 3, 4));
    after[0]!.forEach((w, i) => expect(w).toBeCloseTo(expected[i]!, 6));
    expect(after.slice(1)).toEqual(before.slice(1));
    model.dispose();
  });
});
