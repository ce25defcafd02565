/** Calibration error, reliability bins and temperature scaling on synthetic models. */
import { describe, expect, test } from "vitest";
import { createRng } from "../../src/data/mod.ts";
import {
  applyTemperature,
  calibration,
  categoricalCrossEntropy,
  fitTemperature,
} from "../../src/metrics/mod.ts";

const K = 5;

/**
 * `count` images whose labels are drawn from softmax(z) for random logits z, and a model that
 * answers softmax(sharpness · z): right on average, but over-confident when sharpness > 1.
 */
function syntheticModel(count: number, sharpness: number) {
  const rng = createRng(3);
  const labels = new Uint8Array(count);
  const logits = new Float32Array(count * K);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < K; c++) logits[i * K + c] = 3 * (rng.next() - 0.5);
    const truth = applyTemperature(logits.subarray(i * K, (i + 1) * K), K, 1, "logits");
    let u = rng.next(), label = 0;
    while (label < K - 1 && (u -= truth[label]!) > 0) label++;
    labels[i] = label;
  }
  return { labels, probabilities: applyTemperature(logits, K, 1 / sharpness, "logits") };
}

describe("calibration()", () => {
  test("weighs each bin's |accuracy − confidence| by its share of images", () => {
    // Two images at 0.9 confidence (one right), one at 0.5 (right): bins (13/15, 14/15], (7/15, 8/15].
    const probabilities = [0.9, 0.1, 0.9, 0.1, 0.5, 0.5];
    const { ece, bins } = calibration(probabilities, [0, 1, 0], 2);
    expect(ece).toBeCloseTo((2 / 3) * Math.abs(0.5 - 0.9) + (1 / 3) * Math.abs(1 - 0.5), 12);
    expect(bins).toHaveLength(15);
    expect(bins[13]).toMatchObject({ count: 2, accuracy: 0.5 });
    expect(bins[13]!.confidence).toBeCloseTo(0.9, 6);
    expect(bins[7]).toMatchObject({ count: 1, accuracy: 1, confidence: 0.5 });
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(3);
  });

  test("a perfectly confident, always right model has no calibration error", () => {
    expect(calibration([1, 0, 0, 1], [0, 1], 2).ece).toBe(0);
  });
});

describe("fitTemperature()", () => {
  test("a temperature fitted on an over-confident model lowers its calibration error", () => {
    const { labels, probabilities } = syntheticModel(4000, 3);
    const t = fitTemperature(probabilities, labels, K, "probabilities");
    // The model is softmax(3z) of labels drawn from softmax(z): the right temperature is 3.
    expect(t).toBeGreaterThan(2.5);
    expect(t).toBeLessThan(3.5);
    const after = applyTemperature(probabilities, K, t, "probabilities");
    const [eceBefore, eceAfter] = [
      calibration(probabilities, labels, K).ece,
      calibration(after, labels, K).ece,
    ];
    expect(eceBefore).toBeGreaterThan(0.15);
    expect(eceAfter).toBeLessThan(eceBefore / 3);
    expect(categoricalCrossEntropy(after, labels, K)).toBeLessThan(
      categoricalCrossEntropy(probabilities, labels, K),
    );
  });

  test("leaves a calibrated model's temperature near 1", () => {
    const { labels, probabilities } = syntheticModel(4000, 1);
    expect(fitTemperature(probabilities, labels, K, "probabilities")).toBeCloseTo(1, 0);
  });
});

describe("applyTemperature()", () => {
  test("softmax(log p / t) of probabilities equals softmax(z / t) of their logits", () => {
    const z = [2, -1, 0.5];
    const p = applyTemperature(z, 3, 1, "logits");
    const fromProbabilities = applyTemperature(p, 3, 1.7, "probabilities");
    const fromLogits = applyTemperature(z, 3, 1.7, "logits");
    for (let c = 0; c < 3; c++) expect(fromProbabilities[c]).toBeCloseTo(fromLogits[c]!, 6);
  });
});
