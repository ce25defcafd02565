import { describe, expect, test } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { maxRelativeDifference } from "../../native/_compare.ts";
import { initBackend } from "../../../src/train/backend/mod.ts";
import { silentReporter } from "../../../src/progress/mod.ts";

/** Conv(same, relu) → MaxPool → Conv(stride 2, valid, relu) → Flatten → Dense(relu) → Dense(softmax). */
function smallCnn(): tf.LayersModel {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential();
  model.add(tf.layers.conv2d({
    inputShape: [12, 12, 3],
    filters: 6,
    kernelSize: 3,
    padding: "same",
    activation: "relu",
    kernelInitializer: init(1),
  }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({
    filters: 8,
    kernelSize: 3,
    strides: 2,
    padding: "valid",
    activation: "relu",
    kernelInitializer: init(2),
  }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 10, activation: "relu", kernelInitializer: init(3) }));
  model.add(tf.layers.dense({ units: 4, activation: "softmax", kernelInitializer: init(4) }));
  return model;
}

interface StepResult {
  lossBefore: number;
  lossAfter: number;
  weights: Float32Array[];
  leaked: number;
}

/** Two Adam steps on one fixed batch from the given weights: the losses and the final weights. */
async function trainOnce(backend: "cpu" | "wasm", start: Float32Array[]): Promise<StepResult> {
  await initBackend(backend, silentReporter);
  const model = smallCnn();
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(start[i]!, w.shape)));
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomUniform([8, 12, 12, 3], 0, 1, "float32", 5);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], "int32"), 4);
  const lossOf = () => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar;
  const losses: number[] = [];
  const counts: number[] = [];
  for (let step = 0; step < 2; step++) {
    const cost = optimizer.minimize(lossOf, true)!;
    losses.push(cost.dataSync()[0]!);
    cost.dispose();
    counts.push(tf.memory().numTensors);
  }
  const result = {
    lossBefore: losses[0]!,
    lossAfter: losses[1]!,
    weights: model.getWeights().map((w) => w.dataSync() as Float32Array),
    // Adam creates its moment variables on the first step; a second step adds nothing.
    leaked: counts[1]! - counts[0]!,
  };
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return result;
}

describe("training on the wasm backend", () => {
  test("a small conv model's loss and Adam updates match the cpu backend's within 1e-4", async () => {
    await initBackend("cpu", silentReporter);
    const seedModel = smallCnn();
    const start = seedModel.getWeights().map((w) => w.dataSync() as Float32Array);
    seedModel.dispose();
    const cpu = await trainOnce("cpu", start);
    const wasm = await trainOnce("wasm", start);
    expect(tf.getBackend()).toBe("wasm");
    expect(Math.abs(wasm.lossBefore - cpu.lossBefore) / cpu.lossBefore).toBeLessThan(1e-4);
    expect(Math.abs(wasm.lossAfter - cpu.lossAfter) / cpu.lossAfter).toBeLessThan(1e-4);
    // The step did something, on both.
    expect(cpu.lossAfter).not.toBe(cpu.lossBefore);
    for (const [i, w] of wasm.weights.entries()) {
      expect(maxRelativeDifference(w, cpu.weights[i]!)).toBeLessThan(1e-4);
      expect(maxRelativeDifference(w, start[i]!)).toBeGreaterThan(1e-5);
    }
    expect(wasm.leaked).toBe(0);
  });
});
