import * as tf from "@tensorflow/tfjs";
import type { Batch } from "../data/mod.ts";
import { applyGradients, type LayerProbe } from "./_layer_probe.ts";
import { batchLoss, correctCount, type LossName, sampleLosses } from "./losses.ts";

/** Sums over some batches: what epoch means are made of. */
export interface Totals {
  samples: number;
  lossSum: number;
  correct: number;
}

/** The batch as tensors: NHWC floats and int32 labels. */
function batchTensors(batch: Batch, inputShape: readonly number[]): [tf.Tensor4D, tf.Tensor1D] {
  const [h, w, c] = inputShape as [number, number, number];
  return [
    tf.tensor4d(batch.x, [batch.size, h, w, c]),
    tf.tensor1d(Int32Array.from(batch.y), "int32"),
  ];
}

/** What one training step trains on. */
export interface StepOptions {
  /** The model's trainable variables, in `model.trainableWeights` order. */
  variables: tf.Variable[];
  /** The loss minimised. */
  loss: LossName;
  /** The batch. */
  batch: Batch;
  /** Keras' label smoothing ε. @default 0 */
  labelSmoothing?: number;
  /** Measures the step layer by layer (gradient, weight and update norms). @default none */
  probe?: LayerProbe;
}

/**
 * One optimiser step on `batch`; returns its mean loss and number of correct predictions (read
 * back synchronously: the loop needs the loss for its NaN check and progress anyway).
 */
export function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  options: StepOptions,
): { loss: number; correct: number } {
  const { variables, loss, batch, labelSmoothing = 0, probe } = options;
  const [xs, ys] = batchTensors(batch, model.inputs[0]!.shape.slice(1) as number[]);
  let correct: tf.Scalar | undefined;
  // What optimizer.minimize does, with the gradients in hand for the probe.
  const { value, grads } = optimizer.computeGradients(() => {
    const probs = model.apply(xs, { training: true }) as tf.Tensor2D;
    // Kept past computeGradients' tidy; disposed below.
    correct = tf.keep(correctCount(ys, probs));
    return batchLoss(loss, ys, probs, labelSmoothing);
  }, variables);
  applyGradients(optimizer, variables, grads, probe);
  const result = { loss: value.dataSync()[0]!, correct: correct!.dataSync()[0]! };
  tf.dispose([xs, ys, value, correct!, ...Object.values(grads)]);
  return result;
}

/** Loss and accuracy totals of `model` in inference mode over `batches`. */
export function evaluateBatches(
  model: tf.LayersModel,
  loss: LossName,
  batches: Iterable<Batch>,
  labelSmoothing = 0,
): Totals & { labels: number[]; predictions: number[] } {
  const totals = {
    samples: 0,
    lossSum: 0,
    correct: 0,
    labels: [] as number[],
    predictions: [] as number[],
  };
  const inputShape = model.inputs[0]!.shape.slice(1) as number[];
  for (const batch of batches) {
    const [lossSum, predicted] = tf.tidy(() => {
      const [xs, ys] = batchTensors(batch, inputShape);
      const probs = model.apply(xs, { training: false }) as tf.Tensor2D;
      return [tf.sum(sampleLosses(loss, ys, probs, labelSmoothing)), tf.argMax(probs, -1)];
    });
    totals.lossSum += lossSum!.dataSync()[0]!;
    const classes = predicted!.dataSync();
    for (let i = 0; i < batch.size; i++) {
      totals.labels.push(batch.y[i]!);
      totals.predictions.push(classes[i]!);
      if (classes[i] === batch.y[i]) totals.correct++;
    }
    totals.samples += batch.size;
    tf.dispose([lossSum!, predicted!]);
  }
  return totals;
}
