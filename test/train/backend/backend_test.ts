import { describe, expect, test } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { maxRelativeDifference } from "../../native/_compare.ts";
import { initBackend } from "../../../src/train/backend/mod.ts";
import type { Reporter } from "../../../src/progress/mod.ts";
import { silentReporter } from "../../../src/progress/mod.ts";
import { activateFallback } from "../../../src/train/backend/_fallback.ts";

function recorder(): Reporter & { infos: string[]; warns: string[] } {
  const infos: string[] = [];
  const warns: string[] = [];
  return {
    infos,
    warns,
    task: silentReporter.task,
    info: (message) => infos.push(message),
    warn: (message) => warns.push(message),
  };
}

/** A conv → relu → max-pool → dense → softmax model small enough for the cpu backend. */
function tinyConvModel(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({
    inputShape: [6, 6, 2],
    filters: 4,
    kernelSize: 3,
    padding: "same",
    activation: "relu",
    kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    biasInitializer: tf.initializers.constant({ value: 0.05 }),
  }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({
    units: 3,
    activation: "softmax",
    kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
  }));
  return model;
}

/** Gradients of the mean cross-entropy of `model` on a fixed batch, as plain arrays by weight name. */
function gradients(model: tf.LayersModel): Map<string, Float32Array> {
  const x = tf.tidy(() => tf.randomUniform([2, 6, 6, 2], -1, 1, "float32", 7));
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 2], "int32"), 3));
  const { grads, value } = tf.variableGrads(() =>
    tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar
  );
  const out = new Map<string, Float32Array>();
  for (const [name, grad] of Object.entries(grads)) out.set(name, grad.dataSync() as Float32Array);
  tf.dispose([x, y, value, ...Object.values(grads)]);
  return out;
}

describe("initBackend()", () => {
  test("'auto' activates native TensorFlow when it loads, else WebAssembly, and says which and why", async () => {
    const reporter = recorder();
    const info = await initBackend("auto", reporter);
    expect(["tensorflow", "wasm"]).toContain(info.name);
    expect(tf.getBackend()).toBe(info.name);
    expect(reporter.infos).toEqual([`Backend: ${info.name} (${info.reason})`]);
    if (info.name === "tensorflow") {
      expect(info.reason).toMatch(/^TensorFlow \d+\.\d+\.\d+ through tfjs-node 4\.22\.0$/);
      expect(reporter.warns).toEqual([]);
    } else {
      expect(reporter.warns).toHaveLength(1);
      expect(reporter.warns[0]).toMatch(/^Native TensorFlow backend unavailable: /);
      expect(info.reason).toMatch(/setup:native.*; using WebAssembly/);
    }
  });

  test("the fallback for 'auto' is WebAssembly, and its reason carries native's", async () => {
    const reporter = recorder();
    const info = await activateFallback("tfjs-node's binding is not built", reporter);
    expect(info.name).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(info.reason).toMatch(
      /^native TensorFlow unavailable \(tfjs-node's binding is not built\)/,
    );
    expect(reporter.warns).toEqual([]);
  });

  test("'cpu' makes tfjs' JavaScript cpu backend the active one", async () => {
    const info = await initBackend("cpu", silentReporter);
    expect(info).toEqual({ name: "cpu", reason: "requested" });
    expect(tf.getBackend()).toBe("cpu");
  });

  test("'wasm' makes the WebAssembly backend, with ferry's training kernels, the active one", async () => {
    const info = await initBackend("wasm", silentReporter);
    expect(info).toEqual({ name: "wasm", reason: "requested" });
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeDefined();
  });

  test("an unknown choice is refused, naming the value given", async () => {
    const refusal = initBackend("gpu" as "auto", silentReporter);
    await expect(refusal).rejects.toThrow(/expected one of auto, tensorflow, wasm, cpu, got 'gpu'/);
  });

  test("a tiny conv model's gradients on the chosen backend match the cpu backend's", async () => {
    const { name } = await initBackend("auto", silentReporter);
    const model = tinyConvModel();
    const before = tf.memory().numTensors;
    const chosen = gradients(model);
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend("cpu");
    const reference = gradients(model);
    await tf.setBackend(name);
    expect([...chosen.keys()].sort()).toEqual([...reference.keys()].sort());
    expect(chosen.size).toBe(4);
    for (const [weight, grad] of chosen) {
      expect(grad.some((v) => v !== 0), `${weight} has a non-zero gradient`).toBe(true);
      expect(maxRelativeDifference(grad, reference.get(weight)!), weight).toBeLessThan(1e-4);
    }
    model.dispose();
  });
});
