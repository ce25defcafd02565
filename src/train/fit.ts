import * as tf from "@tensorflow/tfjs";
import { type Batch, mixSeed } from "../data/mod.ts";
import { type Reporter, silentReporter, type Task } from "../progress/mod.ts";
import { evaluateBatches, trainStep } from "./_step.ts";
import { LAYER_STATS_EVERY, LayerProbe } from "./_layer_probe.ts";
import type { FitCallback, FitContext } from "./callback.ts";
import {
  checkpointCallback,
  earlyStoppingCallback,
  nanCheckCallback,
  reduceLrCallback,
  resumeCallback,
  scheduleCallback,
} from "./callbacks.ts";
import type { Checkpoint, CheckpointState } from "./checkpoint.ts";
import type { EarlyStoppingOptions } from "./early_stopping.ts";
import { type EpochLog, formatEpochLog } from "./history.ts";
import type { LossName } from "./losses.ts";
import type { WasmGradientPool } from "./_wasm_workers.ts";
import { createOptimizer, type OptimizerOptions, setLearningRate } from "./optimizer.ts";
import type { ReduceLrOptions } from "./reduce_lr.ts";
import type { LrSchedule } from "./schedule.ts";

/** Batches of one split; `batches(epoch)` must give the same batches for the same epoch. */
export interface BatchSource {
  /** Batches per epoch. */
  steps: number;
  batches(epoch: number): Iterable<Batch>;
}

/** Options of {@linkcode fit}. */
export interface FitOptions {
  /** Last epoch to run (1-based count). */
  epochs: number;
  loss: LossName;
  optimizer: OptimizerOptions;
  /** Seeds dropout masks, per epoch and step. */
  seed: number;
  /** Label smoothing of categorical cross-entropy (training and validation loss). @default 0 */
  labelSmoothing?: number;
  /** Learning-rate curve over the run's steps, times the (ReduceLROnPlateau-lowered) base. @default "constant" */
  schedule?: LrSchedule;
  /** EarlyStopping on val_loss, or false for none. */
  earlyStopping: EarlyStoppingOptions | false;
  /** ReduceLROnPlateau on val_loss, or false for none. */
  reduceLr: ReduceLrOptions | false;
  reporter?: Reporter;
  /** Called after every epoch with what a checkpoint needs (tensors are only lent). */
  onEpochEnd?: (checkpoint: Checkpoint) => Promise<void>;
  /** A checkpoint to continue from (its tensors are consumed). */
  resume?: Checkpoint;
  /**
   * Workers that compute the gradient of part of every batch (the wasm backend, which runs one
   * thread per Deno thread); without it this thread computes the whole gradient.
   */
  gradientPool?: WasmGradientPool;
  /** More callbacks, run after the ones the options above make, in this order. @default [] */
  callbacks?: FitCallback[];
  /**
   * Measure each layer's gradient norm and update-to-weight ratio at every this-many-th step of
   * each epoch (its first step included) into the epoch's `layers`; 0 measures nothing.
   * @default LAYER_STATS_EVERY
   */
  layerStatsEvery?: number;
}

/** What {@linkcode fit} returns. */
export interface FitResult {
  history: EpochLog[];
  /** Whether EarlyStopping ended training before `epochs`. */
  stoppedEarly: boolean;
  /** 1-based epoch whose weights the model holds at the end (the best one when restored). */
  weightsEpoch: number;
}

type DropoutLayer = tf.layers.Layer & { seed?: number };
/** The context as the loop holds it: it starts each epoch's progress task and measures layers. */
type LoopContext = FitContext & { task: Task; probe: LayerProbe | undefined };
type Step = (
  batch: Batch,
  epoch: number,
  step: number,
) => Promise<{ loss: number; correct: number }>;

/**
 * Trains `model` with Keras' `fit` semantics (shuffled batches, running mean of loss and
 * accuracy, validation at the end of each epoch, then the callbacks) in a custom loop whose
 * every random choice comes from the seed, the epoch and the step, so that a run resumed from
 * a checkpoint produces the same history as one that was never interrupted.
 */
export async function fit(
  model: tf.LayersModel,
  train: BatchSource,
  validation: BatchSource,
  options: FitOptions,
): Promise<FitResult> {
  const optimizer = createOptimizer(options.optimizer);
  const ctx = fitContext(model, optimizer, train.steps, options);
  const callbacks = fitCallbacks(options);
  const step = trainingStep(ctx, options);
  try {
    for (const callback of callbacks) await callback.onTrainBegin?.(ctx);
    while (!ctx.state.stopped && ctx.state.epoch < options.epochs) {
      const log = await runEpoch(ctx, callbacks, step, train, validation, options);
      ctx.state.history.push(log);
      ctx.state.epoch = log.epoch;
      for (const callback of callbacks) await callback.onEpochEnd?.(ctx, log);
    }
    ctx.weightsEpoch = ctx.state.epoch;
    for (const callback of callbacks) await callback.onTrainEnd?.(ctx);
    return {
      history: ctx.state.history,
      stoppedEarly: ctx.state.stopped && ctx.state.epoch < options.epochs,
      weightsEpoch: ctx.weightsEpoch,
    };
  } finally {
    tf.dispose(ctx.bestWeights ?? []);
    optimizer.dispose();
  }
}

/** The callbacks `options` ask for, in the order Keras' fit would run them. */
function fitCallbacks(options: FitOptions): FitCallback[] {
  const schedule = options.schedule ?? "constant";
  return [
    ...(options.resume ? [resumeCallback(options.resume)] : []),
    ...(schedule === "constant" ? [] : [scheduleCallback(schedule)]),
    nanCheckCallback(),
    ...(options.earlyStopping ? [earlyStoppingCallback(options.earlyStopping)] : []),
    ...(options.reduceLr ? [reduceLrCallback(options.reduceLr)] : []),
    ...(options.onEpochEnd ? [checkpointCallback(options.onEpochEnd)] : []),
    ...(options.callbacks ?? []),
  ];
}

/** The context of a fresh run, or of a resumed one from its checkpoint's state. */
function fitContext(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  stepsPerEpoch: number,
  options: FitOptions,
): LoopContext {
  const state: CheckpointState = options.resume?.state ?? {
    epoch: 0,
    learningRate: Math.fround(options.optimizer.learningRate),
    history: [],
    stopped: false,
  };
  let rate = state.learningRate;
  setLearningRate(optimizer, rate);
  const every = options.layerStatsEvery ?? LAYER_STATS_EVERY;
  return {
    probe: every > 0 ? new LayerProbe(model, every) : undefined,
    model,
    optimizer,
    reporter: options.reporter ?? silentReporter,
    epochs: options.epochs,
    stepsPerEpoch,
    state,
    task: silentReporter.task(""),
    get learningRate() {
      return rate;
    },
    setLearningRate(next) {
      rate = next;
      setLearningRate(optimizer, next);
    },
    weightsEpoch: state.epoch,
  };
}

/**
 * One optimiser step. tfjs' Dropout draws its mask from Math.random unless it has a seed, and a
 * fixed seed would draw the same mask every step; a seed per step keeps it random and
 * reproducible.
 */
function trainingStep(ctx: LoopContext, options: FitOptions): Step {
  const { model, optimizer, probe } = ctx;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const dropouts = model.layers.filter((l) => l.getClassName() === "Dropout") as DropoutLayer[];
  const pool = options.gradientPool;
  return async (batch, epoch, step) => {
    dropouts.forEach((layer, i) => layer.seed = mixSeed(options.seed, epoch, step, i));
    const stepOptions = {
      variables,
      loss: options.loss,
      batch,
      labelSmoothing: options.labelSmoothing ?? 0,
      ...(probe?.measures(step) ? { probe } : {}),
    };
    if (!pool) return trainStep(model, optimizer, stepOptions);
    return await pool.step(model, optimizer, {
      ...stepOptions,
      dropoutSeed: mixSeed(options.seed, epoch, step, dropouts.length),
    });
  };
}

/** Trains one epoch, then validates; returns its log (the callbacks' epoch end is the caller's). */
async function runEpoch(
  ctx: LoopContext,
  callbacks: FitCallback[],
  step: Step,
  train: BatchSource,
  validation: BatchSource,
  options: FitOptions,
): Promise<EpochLog> {
  const epoch = ctx.state.epoch;
  const started = performance.now();
  ctx.task = ctx.reporter.task(`Epoch ${epoch + 1}/${ctx.epochs}`, train.steps);
  let samples = 0, lossSum = 0, correct = 0, steps = 0;
  for (const batch of train.batches(epoch)) {
    for (const callback of callbacks) callback.onBatchBegin?.(ctx, epoch, steps);
    const result = await step(batch, epoch, steps);
    for (const callback of callbacks) {
      callback.onBatchEnd?.(ctx, { epoch, step: steps, loss: result.loss });
    }
    samples += batch.size;
    lossSum += result.loss * batch.size;
    correct += result.correct;
    steps++;
    ctx.task.tick(
      1,
      `loss ${(lossSum / samples).toFixed(4)} - accuracy ${(correct / samples).toFixed(4)}`,
    );
  }
  const layers = ctx.probe?.takeEpoch();
  const smoothing = options.labelSmoothing ?? 0;
  const val = evaluateBatches(ctx.model, options.loss, validation.batches(epoch), smoothing);
  const log: EpochLog = {
    epoch: epoch + 1,
    loss: lossSum / samples,
    accuracy: correct / samples,
    val_loss: val.lossSum / val.samples,
    val_accuracy: val.correct / val.samples,
    learning_rate: ctx.learningRate,
    seconds: (performance.now() - started) / 1000,
    ...(layers ? { layers } : {}),
  };
  ctx.task.done(formatEpochLog(log, steps));
  return log;
}
