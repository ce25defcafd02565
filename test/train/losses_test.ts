import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { batchLoss, correctCount, sampleLosses } from "../../src/train/mod.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const probs = () => tf.tensor2d([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0, 1, 0]]);
const labels = () => tf.tensor1d([0, 1, 1], "int32");

function values(loss: Parameters<typeof sampleLosses>[0]): number[] {
  return tf.tidy(() => Array.from(sampleLosses(loss, labels(), probs()).dataSync()));
}

describe("sampleLosses()", () => {
  it("computes categorical cross-entropy as Keras does, clipping at 1e-7", () => {
    const expected = [-Math.log(0.7), -Math.log(0.1), -Math.log(1 - 1e-7)];
    values("categorical_crossentropy").forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });

  it("gives the sparse form the same values as the categorical one", () => {
    expect(values("sparse_categorical_crossentropy")).toEqual(values("categorical_crossentropy"));
  });

  it("computes the mean squared error against one-hot targets, averaged over classes", () => {
    const expected = [(0.09 + 0.04 + 0.01) / 3, (0.01 + 0.81 + 0.64) / 3, 0];
    values("mse").forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
  });

  it("smooths categorical targets to (1 - e) * onehot + e / k", () => {
    const v = tf.tidy(() =>
      Array.from(
        sampleLosses("categorical_crossentropy", labels(), probs(), 0.3).dataSync(),
      )
    );
    const target = (label: number, k: number) => (k === label ? 0.7 : 0) + 0.1;
    const rows = [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]];
    rows.forEach((row, i) => {
      const label = [0, 1][i]!;
      const expected = -row.reduce((sum, p, k) => sum + target(label, k) * Math.log(p), 0);
      expect(v[i]).toBeCloseTo(expected, 5);
    });
  });

  it("caps the loss of a zero probability at -log(1e-7)", () => {
    const v = tf.tidy(() =>
      sampleLosses("categorical_crossentropy", tf.tensor1d([0], "int32"), tf.tensor2d([[0, 1]]))
        .dataSync()[0]!
    );
    expect(v).toBeCloseTo(-Math.log(1e-7), 4);
  });
});

describe("batchLoss() and correctCount()", () => {
  it("average the batch and count arg-max hits, leaving no tensors behind", () => {
    const before = tf.memory().numTensors;
    const [p, y] = [probs(), labels()];
    const loss = batchLoss("mse", y, p);
    const correct = correctCount(y, p);
    expect(loss.dataSync()[0]).toBeCloseTo((0.14 + 1.46) / 9, 6);
    expect(correct.dataSync()[0]).toBe(2);
    tf.dispose([p, y, loss, correct]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
