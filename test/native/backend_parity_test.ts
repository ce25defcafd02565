import { beforeAll, describe, expect, test } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { maxRelativeDifference } from "./_compare.ts";
import { initBackend, useNativeGradients } from "../../src/train/backend/mod.ts";
import { buildModel, buildNotebookCnn, resolveModelOptions } from "../../src/model/mod.ts";
import { silentReporter } from "../../src/progress/mod.ts";

/** A fixed batch of `n` CIFAR-shaped images in [0, 1] with one-hot labels. */
function batch(n: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => ({
    x: tf.randomUniform([n, 32, 32, 3], 0, 1, "float32", 11) as tf.Tensor4D,
    y: tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 3) % 10), "int32"), 10)
      .toFloat() as tf.Tensor2D,
  }));
}

function loss(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, training = false): tf.Scalar {
  return tf.tidy(() =>
    tf.metrics.categoricalCrossentropy(y, model.apply(x, { training }) as tf.Tensor).mean()
  );
}

/** Loss and gradients (by weight name) of the model on a batch, without dropout. */
function lossAndGrads(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor) {
  const { value, grads } = tf.variableGrads(() => loss(model, x, y));
  const out = {
    loss: value.dataSync()[0]!,
    grads: new Map(Object.entries(grads).map(([name, g]) => [name, g.dataSync()])),
  };
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

describe("the native TensorFlow backend", () => {
  beforeAll(async () => {
    await initBackend("tensorflow", silentReporter);
  });

  test("loads tfjs-node into the very engine that @tensorflow/tfjs' models use", async () => {
    const tfnode = await import("@tensorflow/tfjs-node");
    expect(tf.getBackend()).toBe("tensorflow");
    expect(tfnode.engine()).toBe(tf.engine());
    expect(tf.findBackend("tensorflow")).toBe(tfnode.backend());
  });

  test("differentiates ReLU with TensorFlow's one ReluGrad op, equal to tfjs' dy·step(x)", async () => {
    const x = tf.tensor1d([-2, -0.5, 0, 0, 1e-30, 0.25, 3, -0]);
    const dy = tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8]);
    const reference = tf.mul(dy, tf.cast(tf.step(x), "float32"));
    const profile = await tf.profile(() => tf.grad((v: tf.Tensor) => tf.relu(v))(x, dy));
    const kernels = profile.kernelNames;
    expect(kernels).toContain("FerryNativeReluGrad");
    expect(kernels).not.toContain("Step");
    const grad = tf.grad((v: tf.Tensor) => tf.relu(v))(x, dy);
    expect([...grad.dataSync()]).toEqual([...reference.dataSync()]);
    expect([...grad.dataSync()]).toEqual([0, 0, 0, 0, 5, 6, 7, 0]);
    tf.dispose([x, dy, reference, grad, profile.result as tf.Tensor]);
  });

  test("computes max-pool gradients like tfjs' MaxPoolGrad, ties and overlapping windows included", () => {
    // Ties go to the first maximum of a window; 'same' windows hang over the edge; overlapping
    // windows add up their contributions in another order, so those agree to rounding.
    const x = tf.tidy(() => tf.round(tf.randomUniform([3, 8, 10, 5], 0, 3, "float32", 3)));
    const cases = [
      { filter: 2, stride: 2, pad: "valid", tolerance: 0 },
      { filter: 2, stride: 2, pad: "same", tolerance: 0 },
      { filter: [3, 2], stride: [2, 3], pad: "same", tolerance: 1e-6 },
      { filter: 3, stride: 1, pad: "valid", tolerance: 1e-6 },
    ] as const;
    for (const { filter, stride, pad, tolerance } of cases) {
      const pool = (v: tf.Tensor) =>
        tf.maxPool(v as tf.Tensor4D, filter as [number, number], stride as [number, number], pad);
      const dy = tf.tidy(() => tf.randomNormal(pool(x).shape, 0, 1, "float32", 4));
      useNativeGradients(false);
      const reference = tf.grad(pool)(x, dy);
      useNativeGradients(true);
      const fast = tf.grad(pool)(x, dy);
      const what = `${filter}/${stride} ${pad}`;
      expect(maxRelativeDifference(fast.dataSync(), reference.dataSync()), what)
        .toBeLessThanOrEqual(tolerance);
      expect(reference.dataSync().some((v) => v !== 0), what).toBe(true);
      tf.dispose([dy, reference, fast]);
    }
    x.dispose();
  });

  test("gives the notebook CNN tfjs' own gradients with its faster kernels: kernels exactly, biases to rounding", async () => {
    // oneDNN adds a convolution's bias in the same pass, to the same sums; BiasAddGrad adds the
    // bias gradient up in another order than tfjs' sum over three axes.
    const model = buildNotebookCnn(resolveModelOptions({ seed: 3 }));
    const { x, y } = batch(8);
    useNativeGradients(false);
    const reference = lossAndGrads(model, x, y);
    useNativeGradients(true);
    const fast = lossAndGrads(model, x, y);
    for (const [name, grad] of fast.grads) {
      const tfjs = reference.grads.get(name)!;
      if (name.endsWith("/bias")) {
        expect(maxRelativeDifference(grad, tfjs), name).toBeLessThan(1e-5);
      } else expect([...grad], name).toEqual([...tfjs]);
    }
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => loss(model, x, y));
      tf.dispose([value, ...Object.values(grads)]);
    });
    expect(profile.kernelNames).toContain("FerryNativeMaxPoolGrad");
    expect(profile.kernelNames).toContain("FerryNativeConv2DWithBias");
    expect(profile.kernelNames).not.toContain("Conv2D");
    expect(profile.kernelNames).not.toContain("MaxPoolGrad");
    expect(profile.kernelNames).not.toContain("Step");
    tf.dispose([x, y]);
    model.dispose();
  });

  test("trains batch normalisation with TensorFlow's fused kernels: tfjs' gradients and moving statistics", async () => {
    // airbench normalises after every convolution; a batch of 6 leaves 96 values per channel
    // at 4×4, where a Bessel-corrected variance would move the statistics by 1% of the update.
    const model = buildModel("airbench", { seed: 7, dropout: 0 });
    const { x, y } = batch(6);
    const initial = model.getWeights().map((w) => w.clone());
    const gradients = () => tf.variableGrads(() => loss(model, x, y, true));
    const trainingStep = () => {
      const { value, grads } = gradients();
      const out = new Map(Object.entries(grads).map(([name, g]) => [name, g.dataSync()]));
      tf.dispose([value, ...Object.values(grads)]);
      const moving = model.weights.filter((w) => w.name.includes("moving"))
        .map((w) => w.read().dataSync());
      const predicted = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
      return { grads: out, moving, predicted };
    };
    useNativeGradients(false);
    const reference = trainingStep();
    model.setWeights(initial);
    useNativeGradients(true);
    const tensorsBefore = tf.memory().numTensors;
    const fused = trainingStep();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(fused.grads.size).toBe(reference.grads.size);
    for (const [name, grad] of fused.grads) {
      expect(maxRelativeDifference(grad, reference.grads.get(name)!), name).toBeLessThan(1e-4);
    }
    expect(fused.moving.length).toBe(14);
    fused.moving.forEach((stat, i) => {
      expect(maxRelativeDifference(stat, reference.moving[i]!), `moving ${i}`).toBeLessThan(1e-5);
    });
    expect(maxRelativeDifference(fused.predicted, reference.predicted)).toBeLessThan(1e-5);
    const profile = await tf.profile(() => {
      const { value, grads } = gradients();
      tf.dispose([value, ...Object.values(grads)]);
    });
    expect(profile.kernelNames).not.toContain("FusedBatchNorm");
    expect(profile.kernelNames).not.toContain("Tile");
    tf.dispose([x, y, ...initial]);
    model.dispose();
  });

  test("leaves no TensorFlow tensors behind after training steps and predictions", () => {
    const binding = (tf.backend() as unknown as { binding: { getNumOfTensors(): number } })
      .binding;
    // The notebook CNN (fused conv-with-bias, pooling, ReLU) and airbench (fused batch norm).
    for (
      const model of [
        buildNotebookCnn(resolveModelOptions({ seed: 4 })),
        buildModel("airbench", { seed: 4, dropout: 0 }),
      ]
    ) {
      const optimizer = tf.train.adam(1e-3);
      const { x, y } = batch(4);
      const step = () => optimizer.minimize(() => loss(model, x, y, true))!;
      step();
      const [tfjsBefore, nativeBefore] = [tf.memory().numTensors, binding.getNumOfTensors()];
      for (let i = 0; i < 3; i++) step();
      for (let i = 0; i < 3; i++) tf.tidy(() => void model.predict(x));
      expect(tf.memory().numTensors, model.name).toBe(tfjsBefore);
      expect(binding.getNumOfTensors(), model.name).toBe(nativeBefore);
      tf.dispose([x, y]);
      optimizer.dispose();
      model.dispose();
    }
  });

  test("gives the notebook CNN the same loss and gradients as the cpu backend, same batch and weights", async () => {
    const model = buildNotebookCnn(resolveModelOptions({ seed: 5 }));
    const { x, y } = batch(2);
    const native = lossAndGrads(model, x, y);
    await tf.setBackend("cpu");
    const cpu = lossAndGrads(model, x, y);
    await tf.setBackend("tensorflow");
    expect(native.loss).toBeGreaterThan(1);
    expect(Math.abs(native.loss - cpu.loss) / cpu.loss).toBeLessThan(1e-4);
    expect(native.grads.size).toBe(10);
    for (const [name, grad] of native.grads) {
      expect(maxRelativeDifference(grad, cpu.grads.get(name)!), name).toBeLessThan(1e-3);
    }
    tf.dispose([x, y]);
    model.dispose();
  });

  test("gives the notebook CNN the same loss and gradients on the wasm fallback, same batch and weights", async () => {
    const model = buildNotebookCnn(resolveModelOptions({ seed: 6 }));
    const { x, y } = batch(4);
    const native = lossAndGrads(model, x, y);
    await initBackend("wasm", silentReporter);
    expect(tf.getBackend()).toBe("wasm");
    const wasm = lossAndGrads(model, x, y);
    await initBackend("tensorflow", silentReporter);
    expect(native.loss).toBeGreaterThan(1);
    expect(Math.abs(native.loss - wasm.loss) / wasm.loss).toBeLessThan(1e-4);
    expect(wasm.grads.size).toBe(10);
    for (const [name, grad] of native.grads) {
      expect(maxRelativeDifference(grad, wasm.grads.get(name)!), name).toBeLessThan(1e-3);
    }
    tf.dispose([x, y]);
    model.dispose();
  });

  test("takes the same Adam step as the cpu backend: equal losses after one update", async () => {
    const { x, y } = batch(2);
    const lossAfterStep = async (backend: string): Promise<[number, number]> => {
      await tf.setBackend(backend);
      const model = buildNotebookCnn(resolveModelOptions({ seed: 9 }));
      const optimizer = tf.train.adam(1e-3);
      const first = optimizer.minimize(() => loss(model, x, y), true)!;
      const after = loss(model, x, y);
      const result: [number, number] = [first.dataSync()[0]!, after.dataSync()[0]!];
      tf.dispose([first, after]);
      optimizer.dispose();
      model.dispose();
      return result;
    };
    const native = await lossAfterStep("tensorflow");
    const cpu = await lossAfterStep("cpu");
    await tf.setBackend("tensorflow");
    expect(native[1]).toBeLessThan(native[0]);
    expect(Math.abs(native[0] - cpu[0]) / cpu[0]).toBeLessThan(1e-4);
    expect(Math.abs(native[1] - cpu[1]) / cpu[1]).toBeLessThan(1e-4);
    tf.dispose([x, y]);
  });
});
