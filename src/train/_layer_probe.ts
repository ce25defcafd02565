/**
 * What each layer's weights go through while training (the notebook's question 3): at measured
 * steps, the L2 norm of each trainable layer's gradient, of its weights before the step, the
 * step's update-to-weight ratio ‖Δw‖/‖w‖, which units got no gradient at all (dead ReLUs, or
 * units stuck at a symmetric zero start) and how alike the units' weight norms are; averaged
 * per epoch into the history's `layers`.
 *
 * A layer's norms cover all its trainable weights together (a kernel and its bias, BatchNorm's γ
 * and β): one line per layer keeps the plots readable for deep models, and the kernel dominates
 * every norm but a zero-initialised one's. A unit is a channel of the layer's output (a Dense
 * unit, a Conv2D filter, a BatchNorm channel): the slice along the last axis of each weight that
 * has one per channel.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { LayerStats } from "./history.ts";

/**
 * Measure every this-many-th step by default. A measured step costs some 60 small ops more: on
 * the native backend about 4 ms of CPU for the notebook CNN (8–10% of its step) and 1 ms for the
 * tiny test model (19%), on tfjs' cpu backend 1 ms (8%), on wasm 2%; one step in ten keeps the
 * cost at 2% or less.
 */
export const LAYER_STATS_EVERY = 10;

/** A trainable layer, the positions of its weights in `model.trainableWeights`, and its units. */
interface LayerSlots {
  name: string;
  positions: number[];
  units: number;
}

/** Running sums of one layer over the epoch's measured steps. */
interface Sums {
  grad: number;
  weight: number;
  ratio: number;
  /** Measured steps whose weights were not all zero (the ratio's denominator). */
  ratioSteps: number;
  /** Per unit: whether it got a non-zero gradient at some measured step. */
  active: Uint8Array;
  /** Per unit: its weights' L2 norm before the last measured step. */
  unitNorms: Float64Array;
}

/** The trainable layers of `model`, in model order, with where their weights sit. */
function layerSlots(model: tf.LayersModel): LayerSlots[] {
  const all = model.trainableWeights;
  return model.layers.flatMap((layer) => {
    const positions = layer.trainableWeights.map((w) => all.indexOf(w)).filter((i) => i >= 0);
    // A unit is a channel of the layer's (first) output.
    const shape = layer.outputShape as (number | null)[] | (number | null)[][];
    const output = (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[];
    const units = output.at(-1) ?? 1;
    return positions.length > 0 ? [{ name: layer.name, positions, units }] : [];
  });
}

/** Squares of `t` summed over every axis but the last: one value per unit. */
function unitSquares(t: tf.Tensor): tf.Tensor1D {
  const squares = tf.square(t);
  if (t.rank === 1) return squares as tf.Tensor1D;
  if (t.rank === 0) return squares.reshape([1]);
  return tf.sum(squares, Array.from({ length: t.rank - 1 }, (_, i) => i)) as tf.Tensor1D;
}

/** Measures every `every`-th optimiser step of an epoch, layer by layer. */
export class LayerProbe {
  readonly #layers: LayerSlots[];
  readonly #every: number;
  #sums: Sums[] = [];
  #steps = 0;

  constructor(model: tf.LayersModel, every: number) {
    this.#layers = layerSlots(model);
    this.#every = every;
    this.#reset();
  }

  /** Whether the epoch's step `step` (0-based) is measured. */
  measures(step: number): boolean {
    return step % this.#every === 0;
  }

  /**
   * One optimiser step with `grads` (by variable name, as `variableGrads` gives them), measured.
   * The weights before the step are cloned, which shares their data on the native and cpu
   * backends: optimisers assign new data to a variable rather than writing into it.
   */
  apply(optimizer: tf.Optimizer, variables: tf.Variable[], grads: tf.NamedTensorMap): void {
    const before = variables.map((v) => tf.clone(v));
    optimizer.applyGradients(grads);
    // Per variable: per-unit squares of the gradient and of the weights, then the update's
    // squared norm; one read for the whole step (the loop reads the loss back anyway).
    const packed = tf.tidy(() =>
      tf.concat(variables.flatMap((v, i) => [
        unitSquares(grads[v.name]!),
        unitSquares(before[i]!),
        tf.sum(tf.squaredDifference(v, before[i]!)).reshape([1]),
      ]))
    );
    const values = packed.dataSync();
    tf.dispose([packed, ...before]);
    const offsets: number[] = [];
    let at = 0;
    for (const v of variables) {
      offsets.push(at);
      at += 2 * (v.shape.at(-1) ?? 1) + 1;
    }
    this.#layers.forEach((layer, k) =>
      this.#add(this.#sums[k]!, layer, variables, values, offsets)
    );
    this.#steps++;
  }

  #add(
    sums: Sums,
    layer: LayerSlots,
    variables: tf.Variable[],
    values: Float32Array | Int32Array | Uint8Array,
    offsets: number[],
  ): void {
    const unitGrad = new Float64Array(layer.units);
    const unitWeight = new Float64Array(layer.units);
    // A weight whose last axis is not the layer's units adds to the layer's norms only.
    let [otherGrad, otherWeight, update] = [0, 0, 0];
    for (const i of layer.positions) {
      const n = variables[i]!.shape.at(-1) ?? 1;
      const start = offsets[i]!;
      for (let u = 0; u < n; u++) {
        if (n === layer.units) {
          unitGrad[u]! += values[start + u]!;
          unitWeight[u]! += values[start + n + u]!;
        } else {
          otherGrad += values[start + u]!;
          otherWeight += values[start + n + u]!;
        }
      }
      update += values[start + 2 * n]!;
    }
    const grad = Math.sqrt(unitGrad.reduce((a, b) => a + b, otherGrad));
    const weight = Math.sqrt(unitWeight.reduce((a, b) => a + b, otherWeight));
    sums.grad += grad;
    sums.weight += weight;
    if (weight > 0) {
      sums.ratio += Math.sqrt(update) / weight;
      sums.ratioSteps++;
    }
    unitGrad.forEach((g, u) => g > 0 && (sums.active[u] = 1));
    sums.unitNorms = unitWeight.map(Math.sqrt);
  }

  /**
   * The epoch's means by layer name (model order), or undefined when no step was measured;
   * starts the next epoch's sums.
   */
  takeEpoch(): Record<string, LayerStats> | undefined {
    const steps = this.#steps;
    const sums = this.#sums;
    this.#reset();
    if (steps === 0) return undefined;
    return Object.fromEntries(this.#layers.map(({ name, units }, k) => {
      const s = sums[k]!;
      const stats: LayerStats = {
        grad_norm: s.grad / steps,
        weight_norm: s.weight / steps,
        update_ratio: s.ratioSteps > 0 ? s.ratio / s.ratioSteps : null,
        units,
        silent_units: s.active.reduce((n, a) => n + (a ? 0 : 1), 0) / units,
        unit_norm_cv: variation(s.unitNorms),
      };
      return [name, stats];
    }));
  }

  #reset(): void {
    this.#sums = this.#layers.map(({ units }) => ({
      grad: 0,
      weight: 0,
      ratio: 0,
      ratioSteps: 0,
      active: new Uint8Array(units),
      unitNorms: new Float64Array(units),
    }));
    this.#steps = 0;
  }
}

/** Coefficient of variation (population sd / mean); 0 when every value is equal, zeros too. */
function variation(values: Float64Array): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (!(mean > 0)) return 0;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
  return Math.sqrt(variance) / mean;
}

/** One optimiser step with `grads`, measured by `probe` when one is given. */
export function applyGradients(
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  grads: tf.NamedTensorMap,
  probe?: LayerProbe,
): void {
  if (probe) probe.apply(optimizer, variables, grads);
  else optimizer.applyGradients(grads);
}
