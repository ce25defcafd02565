import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { buildModel } from "../../src/model/mod.ts";
import { type EpochLog, fit, type FitOptions, layerColumns } from "../../src/train/mod.ts";
import {
  colourDataset,
  setUpTiny,
  TINY_ARCHITECTURE,
  TINY_FIT_OPTIONS,
  tinySource,
} from "./_tiny.ts";

const train = colourDataset(24);
const validation = colourDataset(8, 8, 2);

const options: FitOptions = { ...TINY_FIT_OPTIONS, epochs: 2, layerStatsEvery: 1 };

/** Flatten → Dense(4, tanh) → Dense(3, softmax), both kernels from `init`; no dropout. */
function denseModel(init: ReturnType<typeof tf.initializers.zeros>): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.flatten({ inputShape: [8, 8, 3] }));
  model.add(tf.layers.dense({ units: 4, activation: "tanh", kernelInitializer: init }));
  model.add(tf.layers.dense({ units: 3, activation: "softmax", kernelInitializer: init }));
  return model;
}

/** The hidden layer's kernel as one array of weights per unit (its columns). */
function unitWeights(model: tf.LayersModel): number[][] {
  const [inputs, units] = model.layers[1]!.getWeights()[0]!.shape as [number, number];
  const kernel = model.layers[1]!.getWeights()[0]!.dataSync();
  return Array.from(
    { length: units },
    (_, u) => Array.from({ length: inputs }, (_, i) => kernel[i * units + u]!),
  );
}

const hiddenOf = (log: EpochLog) => Object.values(log.layers!)[0]!;
const outputOf = (log: EpochLog) => Object.values(log.layers!)[1]!;

beforeAll(setUpTiny);

describe("per-layer gradient records", () => {
  it("fit() records every trainable layer's gradient norm and update ratio, positive when it learns, and leaks no tensor", async () => {
    const model = buildModel(TINY_ARCHITECTURE, { inputShape: [8, 8, 3], numClasses: 3, seed: 11 });
    const before = tf.memory().numTensors;
    const { history } = await fit(
      model,
      tinySource(train, true),
      tinySource(validation, false),
      options,
    );
    expect(tf.memory().numTensors).toBe(before);
    const trainable = model.layers.filter((l) => l.trainableWeights.length > 0);
    for (const log of history) {
      expect(Object.keys(log.layers!)).toEqual(trainable.map((l) => l.name));
      for (const [i, layer] of trainable.entries()) {
        const stats = log.layers![layer.name]!;
        expect(stats.grad_norm, layer.name).toBeGreaterThan(0);
        expect(stats.weight_norm, layer.name).toBeGreaterThan(0);
        expect(stats.update_ratio, layer.name).toBeGreaterThan(0);
        expect(stats.update_ratio, layer.name).toBeLessThan(1);
        expect(stats.units).toBe([4, 8, 3][i]);
        expect(stats.silent_units).toBeGreaterThanOrEqual(0);
        expect(stats.silent_units).toBeLessThan(1);
        expect(stats.unit_norm_cv).toBeGreaterThan(0); // seeded random units differ
      }
    }
    // With one measured step an epoch, the first epoch's weight norm is the initial weights'.
    const tiny = () =>
      buildModel(TINY_ARCHITECTURE, { inputShape: [8, 8, 3], numClasses: 3, seed: 11 });
    const initial = tiny();
    const initialNorm = Math.hypot(
      ...initial.layers[0]!.getWeights().flatMap((w) => [
        ...w.dataSync(),
      ]),
    );
    const sparse = tiny();
    const once = await fit(sparse, tinySource(train, true), tinySource(validation, false), {
      ...options,
      epochs: 1,
      layerStatsEvery: 100,
    });
    expect(Object.values(once.history[0]!.layers!)[0]!.weight_norm).toBeCloseTo(initialNorm, 5);
    [model, initial, sparse].forEach((m) => m.dispose());
  });

  it("fit() records nothing with layerStatsEvery 0", async () => {
    const model = denseModel(tf.initializers.glorotUniform({ seed: 1 }));
    const { history } = await fit(model, tinySource(train, true), tinySource(validation, false), {
      ...options,
      layerStatsEvery: 0,
    });
    expect(history.every((log) => log.layers === undefined)).toBe(true);
    expect(layerColumns(history, "grad_norm")).toBeUndefined();
    model.dispose();
  });

  it("a zero-initialised dense layer's units stay identical after a step, and get no gradient", async () => {
    const model = denseModel(tf.initializers.zeros());
    const { history } = await fit(
      model,
      tinySource(train, true),
      tinySource(validation, false),
      options,
    );
    for (const unit of unitWeights(model)) expect(unit).toEqual(unitWeights(model)[0]);
    for (const log of history) {
      // tanh(0) = 0 feeds the output layer nothing, so no kernel gets a gradient: only the
      // output bias learns (the class prior).
      expect(hiddenOf(log)).toMatchObject({ grad_norm: 0, weight_norm: 0, silent_units: 1 });
      expect(hiddenOf(log).update_ratio).toBeNull();
      expect(hiddenOf(log).unit_norm_cv).toBe(0);
      expect(outputOf(log).grad_norm).toBeGreaterThan(0);
    }
    model.dispose();
  });

  it("units that start identical move, but stay identical: the same gradient for every unit", async () => {
    const model = denseModel(tf.initializers.constant({ value: 0.05 }));
    const start = unitWeights(model)[0]!;
    const { history } = await fit(
      model,
      tinySource(train, true),
      tinySource(validation, false),
      options,
    );
    const units = unitWeights(model);
    expect(units[0]).not.toEqual(start);
    for (const unit of units) {
      unit.forEach((w, i) => expect(w).toBeCloseTo(units[0]![i]!, 6));
    }
    expect(hiddenOf(history[1]!).grad_norm).toBeGreaterThan(0);
    expect(hiddenOf(history[1]!).update_ratio).toBeGreaterThan(0);
    expect(hiddenOf(history[1]!).unit_norm_cv).toBeLessThan(1e-6);
    model.dispose();
  });

  it("counts a layer's output channels as its units, whatever the last axes of its weights", async () => {
    const model = tf.sequential();
    model.add(tf.layers.separableConv2d({
      inputShape: [8, 8, 3],
      filters: 4,
      kernelSize: 3,
      depthMultiplier: 2,
      activation: "relu",
      depthwiseInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      pointwiseInitializer: tf.initializers.glorotUniform({ seed: 2 }),
    }));
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({ units: 3, activation: "softmax" }));
    const { history } = await fit(model, tinySource(train, true), tinySource(validation, false), {
      ...options,
      epochs: 1,
    });
    // The depthwise kernel's last axis is the multiplier (2), the pointwise one's the filters.
    const separable = Object.values(history[0]!.layers!)[0]!;
    expect(separable.units).toBe(4);
    expect(separable.grad_norm).toBeGreaterThan(0);
    expect(separable.silent_units).toBeLessThan(1);
    model.dispose();
  });

  it("layerColumns() lines up each layer's values per epoch, NaN where an epoch has none", () => {
    const stats = (grad: number) => ({
      grad_norm: grad,
      weight_norm: 1,
      update_ratio: null,
      units: 2,
      silent_units: 0,
      unit_norm_cv: 0,
    });
    const base = {
      loss: 1,
      accuracy: 0.5,
      val_loss: 1,
      val_accuracy: 0.5,
      learning_rate: 0.001,
      seconds: 1,
    };
    const history: EpochLog[] = [
      { ...base, epoch: 1 },
      { ...base, epoch: 2, layers: { a: stats(0.5), b: stats(0.25) } },
      { ...base, epoch: 3, layers: { a: stats(0.4) } },
    ];
    expect(layerColumns(history, "grad_norm")).toEqual({ a: [NaN, 0.5, 0.4], b: [NaN, 0.25, NaN] });
    expect(layerColumns(history, "update_ratio")).toEqual({
      a: [NaN, NaN, NaN],
      b: [NaN, NaN, NaN],
    });
  });
});
