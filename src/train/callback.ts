import type * as tf from "@tensorflow/tfjs";
import type { Reporter, Task } from "../progress/mod.ts";
import type { CheckpointState } from "./checkpoint.ts";
import type { EpochLog } from "./history.ts";

/**
 * What {@linkcode FitCallback}s see of a running {@linkcode fit}: the model, its optimiser and the
 * loop's state, which callbacks read and keep their own parts of up to date.
 */
export interface FitContext {
  readonly model: tf.LayersModel;
  readonly optimizer: tf.Optimizer;
  readonly reporter: Reporter;
  /** Last epoch to run (1-based count). */
  readonly epochs: number;
  /** Training batches per epoch. */
  readonly stepsPerEpoch: number;
  /** The loop's state, as a checkpoint stores it (a resumed run starts from the checkpoint's). */
  readonly state: CheckpointState;
  /** Progress of the epoch running. */
  readonly task: Task;
  /** The rate the optimiser steps with now. */
  readonly learningRate: number;
  /** Sets the rate the optimiser steps with from the next step on. */
  setLearningRate(rate: number): void;
  /** The best epoch's weights, when a callback keeps them; fit disposes them when it ends. */
  bestWeights?: tf.Tensor[];
  /** 1-based epoch whose weights the model holds; set when training ends. */
  weightsEpoch: number;
}

/** One training step's outcome, as {@linkcode FitCallback.onBatchEnd} gets it. */
export interface BatchLog {
  /** 0-based epoch. */
  epoch: number;
  /** 0-based step within the epoch. */
  step: number;
  /** The batch's mean loss. */
  loss: number;
}

/**
 * A hook into {@linkcode fit}'s loop, as Keras' callbacks are: every method is optional and runs
 * at its moment, callback after callback in list order; epochs and steps are 0-based. Throwing
 * ends training with that error.
 */
export interface FitCallback {
  /** Before the first epoch, after a resumed checkpoint is back in the model and `ctx.state`. */
  onTrainBegin?(ctx: FitContext): void | Promise<void>;
  /** Before each training step. */
  onBatchBegin?(ctx: FitContext, epoch: number, step: number): void;
  /** After each training step, before its progress is shown. */
  onBatchEnd?(ctx: FitContext, log: BatchLog): void;
  /** After each epoch's validation; `log` is already the last entry of `ctx.state.history`. */
  onEpochEnd?(ctx: FitContext, log: EpochLog): void | Promise<void>;
  /** After the last epoch (or an early stop); not when training failed. */
  onTrainEnd?(ctx: FitContext): void | Promise<void>;
}
