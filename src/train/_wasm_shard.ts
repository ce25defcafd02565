/**
 * The gradient of one shard's mean loss: what the main thread and each worker of
 * {@linkcode WasmGradientPool} compute every step.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { Batch } from "../data/mod.ts";
import { applyGradients, type LayerProbe } from "./_layer_probe.ts";
import { batchLoss, correctCount, type LossName } from "./losses.ts";

/** A shard's gradients (in `variables` order), mean loss and number of correct predictions. */
export interface ShardResult {
  gradients: Float32Array[];
  loss: number;
  correct: number;
}

/** Gradients of the mean `loss` of `model` on `shard` with respect to `variables`. */
export function shardGradients(
  model: tf.LayersModel,
  variables: tf.Variable[],
  loss: LossName,
  shard: Batch,
  labelSmoothing: number,
): ShardResult {
  const [h, w, c] = model.inputs[0]!.shape.slice(1) as [number, number, number];
  const xs = tf.tensor4d(shard.x, [shard.size, h, w, c]);
  const ys = tf.tensor1d(Int32Array.from(shard.y), "int32");
  let correct: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const probs = model.apply(xs, { training: true }) as tf.Tensor2D;
    correct = tf.keep(correctCount(ys, probs));
    return batchLoss(loss, ys, probs, labelSmoothing);
  }, variables);
  const result = {
    gradients: variables.map((v) => grads[v.name]!.dataSync() as Float32Array),
    loss: value.dataSync()[0]!,
    correct: correct!.dataSync()[0]!,
  };
  tf.dispose([xs, ys, value, correct!, ...Object.values(grads)]);
  return result;
}

/**
 * One optimiser step with `gradients` (plain arrays, in `variables` order), measured by `probe`
 * when one is given.
 */
export function applyGradientArrays(
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  gradients: Float32Array[],
  probe?: LayerProbe,
): void {
  const named: tf.NamedTensorMap = {};
  variables.forEach((v, i) => named[v.name] = tf.tensor(gradients[i]!, v.shape));
  applyGradients(optimizer, variables, named, probe);
  tf.dispose(Object.values(named));
}
