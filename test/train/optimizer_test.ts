import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { createOptimizer, setLearningRate } from "../../src/train/mod.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** A dense layer's kernel and bias as variables named the way Keras layers name them. */
function denseVariables(tag: string) {
  const kernel = tf.variable(tf.tensor2d([[1, -2], [3, 4]]), true, `${tag}/kernel`);
  const bias = tf.variable(tf.tensor1d([0.5, -0.5]), true, `${tag}/bias`);
  return { kernel, bias };
}

describe("createOptimizer() with weightDecay", () => {
  it("shrinks kernels by lr · weightDecay of themselves before each update, and leaves biases alone", () => {
    const { kernel, bias } = denseVariables("decayed");
    const sgd = createOptimizer({ name: "sgd", learningRate: 0.1, momentum: 0, weightDecay: 0.5 });
    const zeros = { [kernel.name]: tf.zerosLike(kernel), [bias.name]: tf.zerosLike(bias) };
    sgd.applyGradients(zeros);
    expect(Array.from(kernel.dataSync())).toEqual([1, -2, 3, 4].map((w) => Math.fround(w * 0.95)));
    expect(Array.from(bias.dataSync())).toEqual([0.5, -0.5]);
    // The decay follows the step's learning rate, as a schedule sets it.
    setLearningRate(sgd, 0.2);
    sgd.applyGradients(zeros);
    const twice = [1, -2, 3, 4].map((w) => Math.fround(Math.fround(w * 0.95) * 0.9));
    Array.from(kernel.dataSync()).forEach((w, i) => expect(w).toBeCloseTo(twice[i]!, 6));
    tf.dispose([kernel, bias, ...Object.values(zeros)]);
    sgd.dispose();
  });

  it("decays before the optimiser's own step: AdamW's update, w − lr·(m̂/(√v̂ + ε) + λ·w)", () => {
    const { kernel, bias } = denseVariables("adamw");
    const adamw = createOptimizer({
      name: "adam",
      learningRate: 0.01,
      momentum: 0,
      weightDecay: 0.1,
    });
    const grad = tf.tensor2d([[1, 1], [-1, 1]]);
    adamw.applyGradients({ [kernel.name]: grad, [bias.name]: tf.zerosLike(bias) });
    // Adam's first step moves each weight by lr against the sign of its gradient (ε aside).
    const signs = [1, 1, -1, 1];
    const expected = [1, -2, 3, 4].map((w, i) => w * (1 - 0.01 * 0.1) - 0.01 * signs[i]!);
    Array.from(kernel.dataSync()).forEach((w, i) => expect(w).toBeCloseTo(expected[i]!, 5));
    tf.dispose([kernel, bias, grad]);
    adamw.dispose();
  });

  it("leaves every weight as plain Adam would with weightDecay 0, and allocates no tensor per step", () => {
    const a = denseVariables("plain_a");
    const b = denseVariables("plain_b");
    const plain = createOptimizer({ name: "adam", learningRate: 0.01, momentum: 0 });
    const zero = createOptimizer({ name: "adam", learningRate: 0.01, momentum: 0, weightDecay: 0 });
    const grad = tf.tensor2d([[1, 1], [-1, 1]]);
    plain.applyGradients({ [a.kernel.name]: grad });
    zero.applyGradients({ [b.kernel.name]: grad });
    expect(Array.from(b.kernel.dataSync())).toEqual(Array.from(a.kernel.dataSync()));
    const decaying = createOptimizer({
      name: "sgd",
      learningRate: 0.1,
      momentum: 0,
      weightDecay: 1,
    });
    decaying.applyGradients({ [a.kernel.name]: grad });
    const before = tf.memory().numTensors;
    decaying.applyGradients({ [a.kernel.name]: grad });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a.kernel, a.bias, b.kernel, b.bias, grad]);
    [plain, zero, decaying].forEach((o) => o.dispose());
  });
});

describe("createOptimizer() for sgd", () => {
  it("takes Nesterov's look-ahead step when asked: the first update is lr·(1 + m)·g instead of lr·g", () => {
    const plain = denseVariables("sgd_plain");
    const ahead = denseVariables("sgd_nesterov");
    const options = { name: "sgd", learningRate: 0.1, momentum: 0.9 } as const;
    const momentum = createOptimizer(options);
    const nesterov = createOptimizer({ ...options, nesterov: true });
    const grad = tf.ones([2, 2]);
    momentum.applyGradients({ [plain.kernel.name]: grad });
    nesterov.applyGradients({ [ahead.kernel.name]: grad });
    const start = [1, -2, 3, 4];
    Array.from(plain.kernel.dataSync()).forEach((w, i) =>
      expect(w).toBeCloseTo(start[i]! - 0.1, 6)
    );
    Array.from(ahead.kernel.dataSync()).forEach((w, i) =>
      expect(w).toBeCloseTo(start[i]! - 0.19, 6)
    );
    tf.dispose([plain.kernel, plain.bias, ahead.kernel, ahead.bias, grad]);
    [momentum, nesterov].forEach((o) => o.dispose());
  });
});
