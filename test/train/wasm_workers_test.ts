import { afterAll, describe, expect, test } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { maxRelativeDifference } from "../native/_compare.ts";
import { buildModel, type ModelOptions, resolveModelOptions } from "../../src/model/mod.ts";
import { initBackend } from "../../src/train/mod.ts";
import { silentReporter } from "../../src/progress/mod.ts";
import { WasmGradientPool } from "../../src/train/_wasm_workers.ts";
import { applyGradientArrays, shardGradients } from "../../src/train/_wasm_shard.ts";
import type { Batch } from "../../src/data/mod.ts";
import { fit, type FitOptions } from "../../src/train/mod.ts";
import { countMessages, recordWorkers } from "../_fixtures/workers.ts";
import { colourDataset, TINY_FIT_OPTIONS, tinySource } from "./_tiny.ts";

// The notebook CNN on 8×8 images without dropout: small, and deterministic.
const OPTIONS: ModelOptions = resolveModelOptions({
  inputShape: [8, 8, 3],
  numClasses: 4,
  dropout: 0,
});

function batchOf(size: number): Batch {
  const x = new Float32Array(size * 8 * 8 * 3).map((_, i) => ((i * 7919) % 101) / 101);
  const y = Uint8Array.from({ length: size }, (_, i) => i % 4);
  return { x, y, size };
}

interface Trained {
  loss: number;
  correct: number;
  weights: Float32Array[];
}

/** One Adam step on `batch`, by `step`, from the seeded initial weights. */
async function trainOnce(
  step: (
    m: tf.LayersModel,
    o: tf.Optimizer,
    v: tf.Variable[],
  ) => Promise<{ loss: number; correct: number }>,
): Promise<Trained> {
  const model = buildModel("notebook_cnn", OPTIONS);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(1e-3);
  const result = await step(model, optimizer, variables);
  const weights = variables.map((v) => v.dataSync() as Float32Array);
  optimizer.dispose();
  model.dispose();
  return { ...result, weights };
}

describe("WasmGradientPool", () => {
  let pool: WasmGradientPool | undefined;
  afterAll(() => pool?.close());

  test("a step sharded across the main thread and a worker equals the single-thread step", async () => {
    await initBackend("wasm", silentReporter);
    pool = await WasmGradientPool.create("notebook_cnn", OPTIONS, 1);
    const batch = batchOf(7);
    const single = await trainOnce((model, optimizer, variables) => {
      const r = shardGradients(model, variables, "categorical_crossentropy", batch, 0);
      applyGradientArrays(optimizer, variables, r.gradients);
      return Promise.resolve(r);
    });
    const sharded = await trainOnce((model, optimizer, variables) =>
      pool!.step(model, optimizer, { variables, loss: "categorical_crossentropy", batch })
    );
    expect(Math.abs(sharded.loss - single.loss) / single.loss).toBeLessThan(1e-5);
    expect(sharded.correct).toBe(single.correct);
    for (const [i, w] of sharded.weights.entries()) {
      expect(maxRelativeDifference(w, single.weights[i]!)).toBeLessThan(1e-4);
    }
  });

  test("a step hands each worker its shard before the main thread computes its own", async () => {
    await initBackend("wasm", silentReporter);
    const { started, restore } = recordWorkers();
    let gradients: WasmGradientPool | undefined;
    try {
      gradients = await WasmGradientPool.create("notebook_cnn", OPTIONS, 1);
      const posted = countMessages(started[0]!);
      await trainOnce((model, optimizer, variables) => {
        const step = gradients!.step(model, optimizer, {
          variables,
          loss: "categorical_crossentropy",
          batch: batchOf(8),
        });
        // step() runs synchronously up to its wait for the workers: the local shard is done by
        // now, and the worker's shard must have left before it started.
        expect(posted()).toBe(1);
        return step;
      });
      expect(posted()).toBe(1);
    } finally {
      restore();
      gradients?.close();
    }
  });

  test("fit() with the pool gives the history of fit() on one thread, layer records included", async () => {
    await initBackend("wasm", silentReporter);
    pool ??= await WasmGradientPool.create("notebook_cnn", OPTIONS, 1);
    const source = tinySource;
    const options: FitOptions = { ...TINY_FIT_OPTIONS, epochs: 2, layerStatsEvery: 1 };
    const train = colourDataset(20), validation = colourDataset(8, 8, 2);
    const history = async (gradientPool?: WasmGradientPool) => {
      const model = buildModel("notebook_cnn", OPTIONS);
      const result = await fit(model, source(train, true), source(validation, false), {
        ...options,
        ...(gradientPool ? { gradientPool } : {}),
      });
      model.dispose();
      return result.history;
    };
    const single = await history();
    const pooled = await history(pool);
    expect(pooled).toHaveLength(2);
    for (const [i, epoch] of pooled.entries()) {
      for (const key of ["loss", "val_loss"] as const) {
        expect(Math.abs(epoch[key] - single[i]![key]) / single[i]![key]).toBeLessThan(1e-4);
      }
      expect(epoch.accuracy).toBe(single[i]!.accuracy);
      for (const [name, stats] of Object.entries(epoch.layers!)) {
        const one = single[i]!.layers![name]!;
        expect(stats.grad_norm, name).toBeGreaterThan(0);
        expect(Math.abs(stats.grad_norm - one.grad_norm) / one.grad_norm, name).toBeLessThan(1e-3);
        expect(Math.abs(stats.update_ratio! - one.update_ratio!) / one.update_ratio!, name)
          .toBeLessThan(1e-3);
        expect(stats.silent_units, name).toBe(one.silent_units);
      }
      expect(Object.keys(epoch.layers!)).toEqual(
        ["conv2d_1", "conv2d_2", "conv2d_3", "dense_1", "dense_2"],
      );
    }
    expect(pooled[1]!.loss).toBeLessThan(pooled[0]!.loss); // it did train
  });

  test("a worker that cannot build the architecture fails creation with a training error", async () => {
    await expect(WasmGradientPool.create("no_such_architecture", OPTIONS, 1)).rejects.toThrow(
      /Cannot compute gradients in a worker: .*no_such_architecture/,
    );
  });
});
