import { beforeAll, describe, expect, test } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { maxRelativeDifference } from "./_compare.ts";
import { initBackend, NativeAdamOptimizer } from "../../src/train/backend/mod.ts";
import { silentReporter } from "../../src/progress/mod.ts";

/** A small dense model and a fixed batch: enough variables, fast on any backend. */
function setup(seed: number) {
  const model = tf.sequential();
  model.add(tf.layers.dense({
    inputShape: [6],
    units: 5,
    activation: "relu",
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
  }));
  model.add(tf.layers.dense({
    units: 3,
    activation: "softmax",
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
  }));
  const x = tf.tidy(() => tf.randomNormal([8, 6], 0, 1, "float32", 5));
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], "int32"), 3));
  const loss = () =>
    tf.tidy(() => tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(x) as tf.Tensor)));
  return { model, x, y, loss: loss as () => tf.Scalar };
}

function weights(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

describe("NativeAdamOptimizer", () => {
  beforeAll(async () => {
    await initBackend("tensorflow", silentReporter);
  });

  test("takes Keras' Adam steps: var -= lr·√(1−β2ᵗ)/(1−β1ᵗ)·m/(√v+ε)", () => {
    const { model, x, y, loss } = setup(1);
    const optimizer = new NativeAdamOptimizer(0.01, 0.9, 0.999, 1e-7);
    let expected = weights(model);
    const m = expected.map((w) => new Float64Array(w.length));
    const v = expected.map((w) => new Float64Array(w.length));
    for (let t = 1; t <= 3; t++) {
      const { grads } = tf.variableGrads(loss);
      const g = model.weights.map((w) => grads[w.originalName]!.dataSync());
      optimizer.applyGradients(grads);
      tf.dispose(Object.values(grads));
      const alpha = 0.01 * Math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t);
      expected = expected.map((w, i) =>
        w.map((value, j) => {
          m[i]![j] = 0.9 * m[i]![j]! + 0.1 * g[i]![j]!;
          v[i]![j] = 0.999 * v[i]![j]! + 0.001 * g[i]![j]! ** 2;
          return value - alpha * m[i]![j]! / (Math.sqrt(v[i]![j]!) + 1e-7);
        })
      );
      const actual = weights(model);
      for (let i = 0; i < actual.length; i++) {
        expect(maxRelativeDifference(actual[i]!, expected[i]!), `step ${t}, weight ${i}`)
          .toBeLessThan(1e-5);
      }
    }
    expect(optimizer.iterations).toBe(3);
    optimizer.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });

  test("follows tfjs' Adam closely: same losses over ten steps to 1e-4", () => {
    const run = (optimizer: tf.Optimizer) => {
      const { model, x, y, loss } = setup(2);
      const losses: number[] = [];
      for (let i = 0; i < 10; i++) {
        const cost = optimizer.minimize(loss, true)!;
        losses.push(cost.dataSync()[0]!);
        cost.dispose();
      }
      optimizer.dispose();
      tf.dispose([x, y]);
      model.dispose();
      return losses;
    };
    const native = run(new NativeAdamOptimizer(1e-3));
    const tfjs = run(tf.train.adam(1e-3, 0.9, 0.999, 1e-7));
    expect(native.at(-1)).toBeLessThan(native[0]!);
    expect(maxRelativeDifference(native, tfjs)).toBeLessThan(1e-4);
  });

  test("resumes from its getWeights() exactly, and reads tfjs Adam's layout", async () => {
    const { model, x, y, loss } = setup(3);
    const first = new NativeAdamOptimizer(1e-2);
    for (let i = 0; i < 2; i++) first.minimize(loss);
    const saved = await first.getWeights();
    expect(saved.map((w) => w.name)).toEqual([
      "iter",
      ...model.weights.map((w) => `${w.originalName}/m`),
      ...model.weights.map((w) => `${w.originalName}/v`),
    ]);
    const modelWeights = model.getWeights().map((w) => w.clone());
    first.minimize(loss);
    const continued = weights(model);

    model.setWeights(modelWeights);
    const resumed = new NativeAdamOptimizer(1e-2);
    await resumed.setWeights(saved);
    expect(resumed.iterations).toBe(2);
    resumed.minimize(loss);
    expect(weights(model)).toEqual(continued);

    const tfjsAdam = tf.train.adam(1e-2);
    await tfjsAdam.setWeights(await resumed.getWeights());
    expect(tfjsAdam.iterations).toBe(3);
    tf.dispose([...saved.map((w) => w.tensor), ...modelWeights, x, y]);
    for (const o of [first, resumed, tfjsAdam]) o.dispose();
    model.dispose();
  });

  test("never changes weights held elsewhere, and starts from weights set from outside", async () => {
    const { model, x, y, loss } = setup(6);
    const start = model.getWeights().map((w) => w.clone());
    const optimizer = new NativeAdamOptimizer(1e-2);
    optimizer.minimize(loss);
    const kept = model.getWeights().map((w) => tf.clone(w)); // shares the data, as tfjs clones do
    const keptValues = kept.map((w) => w.dataSync().slice());
    optimizer.minimize(loss);
    kept.forEach((w, i) => expect(w.dataSync(), `weight ${i}`).toEqual(keptValues[i]));

    // Restoring weights (as EarlyStopping does) must be the next step's starting point.
    const twin = new NativeAdamOptimizer(1e-2);
    const moments = await optimizer.getWeights();
    await twin.setWeights(moments);
    model.setWeights(start);
    optimizer.minimize(loss);
    const afterRestore = weights(model);
    model.setWeights(start);
    twin.minimize(loss);
    expect(weights(model)).toEqual(afterRestore);
    tf.dispose([...start, ...kept, ...moments.map((w) => w.tensor), x, y]);
    for (const o of [optimizer, twin]) o.dispose();
    model.dispose();
  });

  test("leaves no tfjs or TensorFlow tensors behind", () => {
    const binding = (tf.backend() as unknown as { binding: { getNumOfTensors(): number } })
      .binding;
    const { model, x, y, loss } = setup(4);
    loss().dispose(); // hands the inputs and weights to TensorFlow, which tfjs-node does lazily
    const before = [tf.memory().numTensors, binding.getNumOfTensors()];
    const optimizer = new NativeAdamOptimizer(1e-3);
    for (let i = 0; i < 3; i++) optimizer.minimize(loss);
    optimizer.dispose();
    expect([tf.memory().numTensors, binding.getNumOfTensors()]).toEqual(before);
    tf.dispose([x, y]);
    model.dispose();
  });

  test("refuses to run on another backend", async () => {
    const { model, x, y, loss } = setup(5);
    await tf.setBackend("cpu");
    try {
      expect(() => new NativeAdamOptimizer(1e-3).minimize(loss)).toThrow(
        /Cannot use the native Adam: it needs the 'tensorflow' backend, got 'cpu'/,
      );
    } finally {
      await tf.setBackend("tensorflow");
    }
    tf.dispose([x, y]);
    model.dispose();
  });
});
