import * as tf from "@tensorflow/tfjs";
import { NativeAdamOptimizer } from "./backend/mod.ts";

/** Optimisers, by Keras name. */
export const OPTIMIZERS = ["adam", "sgd", "rmsprop"] as const;
/** An optimiser name. */
export type OptimizerName = typeof OPTIMIZERS[number];

/** What an optimiser is built from. */
export interface OptimizerOptions {
  name: OptimizerName;
  learningRate: number;
  /** Momentum of `sgd` (0 for plain SGD). @default 0.9 */
  momentum: number;
  /** Nesterov momentum for `sgd`. @default false */
  nesterov?: boolean;
  /**
   * Decoupled weight decay (Keras 3's `weight_decay`, AdamW's λ): before each update every
   * kernel shrinks by `learningRate · weightDecay` of itself; biases and BatchNorm's scale and
   * offset are left alone. @default 0
   */
  weightDecay?: number;
}

/**
 * Builds the optimiser with Keras' defaults where tfjs' differ: Adam β1 0.9, β2 0.999,
 * ε 1e-7; SGD with momentum, Nesterov's if asked; RMSprop ρ 0.9 without momentum, ε 1e-7.
 * On the native backend Adam is TensorFlow's fused op (Keras' exact update, a quarter of tfjs
 * Adam's time per step); call this after `initBackend`.
 */
export function createOptimizer(options: OptimizerOptions): tf.Optimizer {
  const optimizer = baseOptimizer(options);
  const rate = options.weightDecay ?? 0;
  if (rate > 0) decoupleWeightDecay(optimizer, rate);
  return optimizer;
}

function baseOptimizer(options: OptimizerOptions): tf.Optimizer {
  const lr = Math.fround(options.learningRate);
  switch (options.name) {
    case "adam":
      return tf.getBackend() === "tensorflow"
        ? new NativeAdamOptimizer(lr, 0.9, 0.999, 1e-7)
        : tf.train.adam(lr, 0.9, 0.999, 1e-7);
    case "sgd":
      return options.momentum > 0
        ? tf.train.momentum(lr, options.momentum, options.nesterov ?? false)
        : tf.train.sgd(lr);
    case "rmsprop":
      return tf.train.rmsprop(lr, 0.9, 0, 1e-7);
  }
}

/** Kernels of convolutions and dense layers: what weight decay shrinks. */
const DECAYED = /\/kernel$/;

/**
 * Makes every update of `optimizer` begin with `w ← w − lr·rate·w` on the kernels it updates,
 * at the learning rate of that step (schedules change it): Keras 3's `weight_decay`, which there
 * covers every variable not excluded. Every path that applies gradients (`minimize`, the layer
 * probe, the WebAssembly shards) goes through `applyGradients`, so this wraps it on the instance.
 */
function decoupleWeightDecay(optimizer: tf.Optimizer, rate: number): void {
  const apply = optimizer.applyGradients.bind(optimizer);
  optimizer.applyGradients = (grads) => {
    const names = Array.isArray(grads) ? grads.map((g) => g.name) : Object.keys(grads);
    const lr = (optimizer as unknown as { learningRate: number }).learningRate;
    tf.tidy(() => {
      for (const name of names) {
        const variable = tf.engine().registeredVariables[name];
        if (variable && DECAYED.test(name)) variable.assign(tf.mul(variable, 1 - lr * rate));
      }
    });
    apply(grads);
  };
}

/**
 * Changes the learning rate of a live optimiser. SGD and momentum cache `-lr` as a tensor and
 * need `setLearningRate`; Adam and RMSprop read the field at every step.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const o = optimizer as unknown as {
    learningRate: number;
    setLearningRate?: (lr: number) => void;
  };
  if (typeof o.setLearningRate === "function") o.setLearningRate(learningRate);
  else o.learningRate = learningRate;
}
