import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { type Batch, createBatches } from "../../src/data/mod.ts";
import { FerryError } from "../../src/errors.ts";
import { FERRY_INPUT_SPEC } from "../../src/image/mod.ts";
import { buildModel } from "../../src/model/mod.ts";
import {
  type BatchSource,
  type Checkpoint,
  fit,
  type FitCallback,
  loadCheckpoint,
  saveCheckpoint,
} from "../../src/train/mod.ts";
import {
  colourDataset,
  setUpTiny,
  TINY_ARCHITECTURE,
  TINY_FIT_OPTIONS,
  tinySource,
} from "./_tiny.ts";

const train = colourDataset(24);
const validation = colourDataset(8, 8, 2);

const source = tinySource;
const options = TINY_FIT_OPTIONS;

const tinyModel = () =>
  buildModel(TINY_ARCHITECTURE, { inputShape: [8, 8, 3], numClasses: 3, seed: 11 });

/** Validation loss of `model` computed by an independent route (tfjs-layers' evaluate). */
function validationLoss(model: tf.LayersModel): number {
  const batch = [...createBatches(validation, {
    batchSize: validation.count,
    shuffle: false,
    spec: { ...FERRY_INPUT_SPEC, width: 8, height: 8 },
  })][0]!;
  return tf.tidy(() => {
    const probs = model.predict(tf.tensor4d(batch.x, [batch.size, 8, 8, 3])) as tf.Tensor;
    const target = tf.oneHot(tf.tensor1d(Array.from(batch.y), "int32"), 3);
    return tf.metrics.categoricalCrossentropy(target, probs).mean().dataSync()[0]!;
  });
}

beforeAll(setUpTiny);

describe("fit()", () => {
  it("lowers the validation loss in one epoch, and reports it as tfjs' own loss computes it", async () => {
    const model = tinyModel();
    const before = validationLoss(model);
    const result = await fit(model, source(train, true), source(validation, false), options);
    const after = validationLoss(model);
    expect(after).toBeLessThan(before);
    expect(result.history).toHaveLength(1);
    expect(result.history[0]!.val_loss).toBeCloseTo(after, 5);
    expect(result.history[0]!.learning_rate).toBe(Math.fround(0.01));
    model.dispose();
  });

  it("leaves no tensors behind, with both callbacks and checkpoints on", async () => {
    const model = tinyModel();
    const before = tf.memory().numTensors;
    const dir = await Deno.makeTempDir();
    await fit(model, source(train, true), source(validation, false), {
      ...options,
      epochs: 3,
      earlyStopping: { patience: 1, minDelta: 10, restoreBestWeights: true },
      reduceLr: { factor: 0.5, patience: 1, minDelta: 10, cooldown: 0, minLr: 0 },
      onEpochEnd: async (c) => void await saveCheckpoint(dir, c),
    });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    await Deno.remove(dir, { recursive: true });
  });

  it("stops with a training error on a NaN loss and keeps the last good checkpoint", async () => {
    const model = tinyModel();
    const dir = await Deno.makeTempDir();
    const good = source(train, true);
    const poisoned: BatchSource = {
      steps: good.steps,
      *batches(epoch) {
        for (const batch of good.batches(epoch)) {
          const x = epoch === 1 ? batch.x.map(() => Number.NaN) : batch.x;
          yield { ...batch, x } satisfies Batch;
        }
      },
    };
    const before = tf.memory().numTensors;
    const error = await fit(model, poisoned, source(validation, false), {
      ...options,
      epochs: 3,
      onEpochEnd: async (c) => void await saveCheckpoint(dir, c),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect(error.kind).toBe("training");
    expect(error.message).toMatch(/loss became NaN at epoch 2, batch 1.*checkpoint of epoch 1/);
    expect(tf.memory().numTensors).toBe(before);
    const kept = (await loadCheckpoint(dir)) as Checkpoint;
    expect(kept.state.epoch).toBe(1);
    expect(kept.state.history[0]!.loss).toBeGreaterThan(0);
    model.dispose();
    await Deno.remove(dir, { recursive: true });
  });

  it("trains a functional model with BatchNormalization and a residual Add, moving statistics included", async () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const conv = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: "same" }).apply(input);
    const norm = tf.layers.batchNormalization().apply(conv) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([input, norm]) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({}).apply(sum);
    const output = tf.layers.dense({ units: 3, activation: "softmax" }).apply(pooled);
    const model = tf.model({ inputs: input, outputs: output as tf.SymbolicTensor });
    const movingMean = () => Array.from(model.layers[2]!.getWeights()[2]!.dataSync());
    const before = { mean: movingMean(), tensors: tf.memory().numTensors };
    const result = await fit(model, source(train, true), source(validation, false), options);
    expect(movingMean()).not.toEqual(before.mean);
    expect(Number.isFinite(result.history[0]!.val_loss)).toBe(true);
    expect(tf.memory().numTensors).toBe(before.tensors);
    model.dispose();
  });

  it("follows a learning-rate schedule step by step and records each epoch's last rate", async () => {
    const model = tinyModel();
    const steps = source(train, true).steps;
    const result = await fit(model, source(train, true), source(validation, false), {
      ...options,
      epochs: 2,
      schedule: "cosine",
      labelSmoothing: 0.1,
    });
    const expected = [steps - 1, 2 * steps - 1].map((t) =>
      Math.fround(Math.fround(0.01) * (1 + Math.cos((Math.PI * t) / (2 * steps))) / 2)
    );
    expect(result.history.map((h) => h.learning_rate)).toEqual(expected);
    model.dispose();
  });

  it("seeds dropout: the same seed gives the same weights, another one (same data, same init) others", async () => {
    const run = async (seed: number) => {
      const model = tinyModel();
      const result = await fit(model, source(train, true), source(validation, false), {
        ...options,
        seed,
      });
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return { history: result.history.map(({ seconds: _, ...rest }) => rest), weights };
    };
    const [a, b, c] = [await run(1), await run(1), await run(2)];
    expect(b).toEqual(a);
    expect(c.weights).not.toEqual(a.weights);
  });

  it("runs a caller's callbacks at train begin, around every step, after every epoch and at train end", async () => {
    const model = tinyModel();
    const events: string[] = [];
    const recorder: FitCallback = {
      onTrainBegin: (ctx) => void events.push(`begin at epoch ${ctx.state.epoch}`),
      onBatchBegin: (_, epoch, step) => void events.push(`step ${epoch}.${step}`),
      onBatchEnd: (_, log) => void events.push(`loss ${log.epoch}.${log.step} ${log.loss > 0}`),
      onEpochEnd: (ctx, log) =>
        void events.push(`epoch ${log.epoch} logged ${ctx.state.history.at(-1) === log}`),
      onTrainEnd: (ctx) => void events.push(`end with weights of epoch ${ctx.weightsEpoch}`),
    };
    await fit(model, source(train, true), source(validation, false), {
      ...options,
      epochs: 2,
      callbacks: [recorder],
    });
    const steps = [...Array(source(train, true).steps).keys()];
    const epoch = (e: number) => steps.flatMap((s) => [`step ${e}.${s}`, `loss ${e}.${s} true`]);
    expect(events).toEqual([
      "begin at epoch 0",
      ...epoch(0),
      "epoch 1 logged true",
      ...epoch(1),
      "epoch 2 logged true",
      "end with weights of epoch 2",
    ]);
    model.dispose();
  });

  it("lets a caller's callback set the learning rate and stop training", async () => {
    const model = tinyModel();
    const halveThenStop: FitCallback = {
      onBatchBegin: (ctx, epoch, step) => {
        if (epoch === 0 && step === 0) ctx.setLearningRate(Math.fround(0.005));
      },
      onEpochEnd: (ctx) => void (ctx.state.stopped = true),
    };
    const result = await fit(model, source(train, true), source(validation, false), {
      ...options,
      epochs: 3,
      callbacks: [halveThenStop],
    });
    expect(result.history.map((h) => h.learning_rate)).toEqual([Math.fround(0.005)]);
    expect(result).toMatchObject({ stoppedEarly: true, weightsEpoch: 1 });
    model.dispose();
  });
});
