import * as tf from "@tensorflow/tfjs";
import { FerryError } from "../errors.ts";
import type { FitCallback } from "./callback.ts";
import type { Checkpoint } from "./checkpoint.ts";
import { EarlyStopping, type EarlyStoppingOptions } from "./early_stopping.ts";
import { ReduceLrOnPlateau, type ReduceLrOptions } from "./reduce_lr.ts";
import { type LrSchedule, scheduleFactor } from "./schedule.ts";

/**
 * Puts a checkpoint back before the first epoch (the restoring half of Keras' `BackupAndRestore`):
 * model and optimiser weights, and the best-weights snapshot. Consumes the checkpoint's tensors.
 */
export function resumeCallback(checkpoint: Checkpoint): FitCallback {
  return {
    async onTrainBegin(ctx) {
      ctx.model.setWeights(checkpoint.modelWeights);
      await ctx.optimizer.setWeights(checkpoint.optimizerWeights);
      ctx.bestWeights = checkpoint.bestWeights;
      tf.dispose([...checkpoint.modelWeights, ...checkpoint.optimizerWeights.map((w) => w.tensor)]);
    },
  };
}

/**
 * Keras' `TerminateOnNaN`, as an error: a loss that is not finite ends training with a `training`
 * error that says where, and which checkpoint is left.
 */
export function nanCheckCallback(): FitCallback {
  return {
    onBatchEnd(ctx, { epoch, step, loss }) {
      if (Number.isFinite(loss)) return;
      ctx.task.done(`stopped: loss ${loss} at batch ${step + 1}`);
      throw new FerryError(
        "training",
        `Cannot go on training: the loss became ${loss} at epoch ${epoch + 1}, ` +
          `batch ${step + 1} (try a lower learning rate); ` +
          (epoch > 0 ? `the checkpoint of epoch ${epoch} is kept` : "no epoch was completed"),
      );
    },
  };
}

/**
 * A learning-rate curve over the run: before each step, the (ReduceLROnPlateau-lowered) base rate
 * times the schedule's factor at that global step.
 */
export function scheduleCallback(schedule: LrSchedule): FitCallback {
  return {
    onBatchBegin(ctx, epoch, step) {
      const total = ctx.epochs * ctx.stepsPerEpoch;
      const at = scheduleFactor(schedule, epoch * ctx.stepsPerEpoch + step, total);
      ctx.setLearningRate(Math.fround(ctx.state.learningRate * at));
    },
  };
}

/**
 * Keras' `EarlyStopping` on val_loss ({@linkcode EarlyStopping} decides): keeps the best epoch's
 * weights in `ctx.bestWeights`, stops the loop and, with `restoreBestWeights`, puts the best
 * weights back when training ends.
 */
export function earlyStoppingCallback(options: EarlyStoppingOptions): FitCallback {
  let rule: EarlyStopping;
  return {
    onTrainBegin(ctx) {
      rule = new EarlyStopping(options, ctx.state.earlyStopping);
    },
    onEpochEnd(ctx, log) {
      const decision = rule.onEpochEnd(log.epoch - 1, log.val_loss);
      if (decision.snapshot) {
        tf.dispose(ctx.bestWeights ?? []);
        ctx.bestWeights = ctx.model.getWeights().map((w) => tf.clone(w));
      }
      ctx.state.stopped = decision.stop;
      ctx.state.earlyStopping = rule.state;
      if (decision.stop) ctx.reporter.info(`Epoch ${log.epoch}: early stopping`);
    },
    onTrainEnd(ctx) {
      if (!rule.shouldRestore() || !ctx.bestWeights) return;
      ctx.weightsEpoch = rule.state.bestEpoch + 1;
      ctx.reporter.info(
        `Restoring model weights from the end of the best epoch: ${ctx.weightsEpoch}.`,
      );
      ctx.model.setWeights(ctx.bestWeights);
    },
  };
}

/** Keras' `ReduceLROnPlateau` on val_loss ({@linkcode ReduceLrOnPlateau} decides). */
export function reduceLrCallback(options: ReduceLrOptions): FitCallback {
  let rule: ReduceLrOnPlateau;
  return {
    onTrainBegin(ctx) {
      rule = new ReduceLrOnPlateau(options, ctx.state.reduceLr);
    },
    onEpochEnd(ctx, log) {
      const next = rule.onEpochEnd(log.val_loss, ctx.state.learningRate);
      if (next !== ctx.state.learningRate) {
        ctx.reporter.info(
          `Epoch ${log.epoch}: ReduceLROnPlateau reducing learning rate to ${next}.`,
        );
        ctx.state.learningRate = next;
        ctx.setLearningRate(next);
      }
      ctx.state.reduceLr = rule.state;
    },
  };
}

/**
 * Hands `save` what a checkpoint needs after every epoch (the saving half of Keras'
 * `BackupAndRestore`); the tensors are only lent.
 */
export function checkpointCallback(save: (checkpoint: Checkpoint) => Promise<void>): FitCallback {
  return {
    async onEpochEnd(ctx) {
      const optimizerWeights = await ctx.optimizer.getWeights();
      await save({
        state: ctx.state,
        modelWeights: ctx.model.getWeights(),
        optimizerWeights,
        ...(ctx.bestWeights ? { bestWeights: ctx.bestWeights } : {}),
      });
      // getWeights() makes a fresh iteration-count scalar; the rest are the live variables.
      tf.dispose(
        optimizerWeights.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor),
      );
    },
  };
}
