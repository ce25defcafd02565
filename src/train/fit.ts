import * as tf from "@tensorflow/tfjs";
import { type Batch, mixSeed } from "../data/mod.ts";
import { FerryError } from "../errors.ts";
import { type Reporter, silentReporter } from "../progress/mod.ts";
import { evaluateBatches, trainStep } from "./_step.ts";
import type { Checkpoint, CheckpointState } from "./checkpoint.ts";
import { EarlyStopping, type EarlyStoppingOptions } from "./early_stopping.ts";
import { type EpochLog, formatEpochLog } from "./history.ts";
import type { LossName } from "./losses.ts";
import type { WasmGradientPool } from "./_wasm_workers.ts";
import { createOptimizer, type OptimizerOptions, setLearningRate } from "./optimizer.ts";
import { ReduceLrOnPlateau, type ReduceLrOptions } from "./reduce_lr.ts";
import { type LrSchedule, scheduleFactor } from "./schedule.ts";

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
  const reporter = options.reporter ?? silentReporter;
  const optimizer = createOptimizer(options.optimizer);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const dropouts = model.layers.filter((l) => l.getClassName() === "Dropout") as DropoutLayer[];
  const resume = options.resume;
  const state: CheckpointState = resume?.state ?? {
    epoch: 0,
    learningRate: Math.fround(options.optimizer.learningRate),
    history: [],
    stopped: false,
  };
  const early = options.earlyStopping &&
    new EarlyStopping(options.earlyStopping, resume?.state.earlyStopping);
  const reduce = options.reduceLr &&
    new ReduceLrOnPlateau(options.reduceLr, resume?.state.reduceLr);
  const schedule = options.schedule ?? "constant";
  const smoothing = options.labelSmoothing ?? 0;
  const totalSteps = options.epochs * train.steps;
  let best: tf.Tensor[] | undefined;
  try {
    if (resume) {
      model.setWeights(resume.modelWeights);
      await optimizer.setWeights(resume.optimizerWeights);
      best = resume.bestWeights;
      tf.dispose([...resume.modelWeights, ...resume.optimizerWeights.map((w) => w.tensor)]);
    }
    setLearningRate(optimizer, state.learningRate);
    while (!state.stopped && state.epoch < options.epochs) {
      const epoch = state.epoch;
      const started = performance.now();
      const task = reporter.task(`Epoch ${epoch + 1}/${options.epochs}`, train.steps);
      let samples = 0, lossSum = 0, correct = 0, step = 0;
      let epochRate = state.learningRate;
      for (const batch of train.batches(epoch)) {
        // tfjs' Dropout draws its mask from Math.random unless it has a seed, and a fixed
        // seed would draw the same mask every step; a seed per step keeps it random and
        // reproducible.
        dropouts.forEach((layer, i) => layer.seed = mixSeed(options.seed, epoch, step, i));
        if (schedule !== "constant") {
          const at = scheduleFactor(schedule, epoch * train.steps + step, totalSteps);
          epochRate = Math.fround(state.learningRate * at);
          setLearningRate(optimizer, epochRate);
        }
        const result = options.gradientPool
          ? await options.gradientPool.step(model, optimizer, {
            variables,
            loss: options.loss,
            batch,
            labelSmoothing: smoothing,
            dropoutSeed: mixSeed(options.seed, epoch, step, dropouts.length),
          })
          : trainStep(model, optimizer, variables, options.loss, batch, smoothing);
        if (!Number.isFinite(result.loss)) {
          task.done(`stopped: loss ${result.loss} at batch ${step + 1}`);
          throw new FerryError(
            "training",
            `Cannot go on training: the loss became ${result.loss} at epoch ${epoch + 1}, ` +
              `batch ${step + 1} (try a lower learning rate); ` +
              (epoch > 0 ? `the checkpoint of epoch ${epoch} is kept` : "no epoch was completed"),
          );
        }
        samples += batch.size;
        lossSum += result.loss * batch.size;
        correct += result.correct;
        step++;
        task.tick(
          1,
          `loss ${(lossSum / samples).toFixed(4)} - accuracy ${(correct / samples).toFixed(4)}`,
        );
      }
      const val = evaluateBatches(model, options.loss, validation.batches(epoch), smoothing);
      const log: EpochLog = {
        epoch: epoch + 1,
        loss: lossSum / samples,
        accuracy: correct / samples,
        val_loss: val.lossSum / val.samples,
        val_accuracy: val.correct / val.samples,
        learning_rate: epochRate,
        seconds: (performance.now() - started) / 1000,
      };
      task.done(formatEpochLog(log, step));
      state.history.push(log);
      if (early) {
        const decision = early.onEpochEnd(epoch, log.val_loss);
        if (decision.snapshot) {
          tf.dispose(best ?? []);
          best = model.getWeights().map((w) => tf.clone(w));
        }
        state.stopped = decision.stop;
        state.earlyStopping = early.state;
        if (decision.stop) reporter.info(`Epoch ${epoch + 1}: early stopping`);
      }
      if (reduce) {
        const next = reduce.onEpochEnd(log.val_loss, state.learningRate);
        if (next !== state.learningRate) {
          reporter.info(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${next}.`);
          state.learningRate = next;
          setLearningRate(optimizer, next);
        }
        state.reduceLr = reduce.state;
      }
      state.epoch = epoch + 1;
      if (options.onEpochEnd) {
        const optimizerWeights = await optimizer.getWeights();
        await options.onEpochEnd({
          state,
          modelWeights: model.getWeights(),
          optimizerWeights,
          ...(best ? { bestWeights: best } : {}),
        });
        // getWeights() makes a fresh iteration-count scalar; the rest are the live variables.
        tf.dispose(
          optimizerWeights.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor),
        );
      }
    }
    let weightsEpoch = state.epoch;
    if (early && early.shouldRestore() && best) {
      weightsEpoch = early.state.bestEpoch + 1;
      reporter.info(`Restoring model weights from the end of the best epoch: ${weightsEpoch}.`);
      model.setWeights(best);
    }
    return {
      history: state.history,
      stoppedEarly: state.stopped && state.epoch < options.epochs,
      weightsEpoch,
    };
  } finally {
    tf.dispose(best ?? []);
    optimizer.dispose();
  }
}
