import { describe, expect, it } from "vitest";
import { EarlyStopping, type EarlyStoppingOptions } from "../../src/train/mod.ts";

/** Feeds `losses` until it stops; returns each epoch's decision. */
function script(losses: number[], options: Partial<EarlyStoppingOptions>) {
  const callback = new EarlyStopping(options);
  const decisions = [];
  for (const [epoch, loss] of losses.entries()) {
    const decision = callback.onEpochEnd(epoch, loss);
    decisions.push(decision);
    if (decision.stop) break;
  }
  return { callback, decisions, stoppedAt: decisions.findIndex((d) => d.stop) };
}

describe("EarlyStopping", () => {
  it("stops once `patience` epochs in a row fail to improve on the best", () => {
    const { callback, stoppedAt } = script([1.0, 0.9, 0.95, 0.91, 0.89], { patience: 2 });
    expect(stoppedAt).toBe(3);
    expect(callback.state).toMatchObject({ best: 0.9, bestEpoch: 1, stoppedEpoch: 3, wait: 2 });
  });

  it("resets its wait on an improvement that comes within patience", () => {
    const { stoppedAt, callback } = script([1.0, 1.1, 0.8, 0.85, 0.86, 0.87], { patience: 3 });
    expect(stoppedAt).toBe(5);
    expect(callback.state.bestEpoch).toBe(2);
  });

  it("counts a decrease smaller than min_delta as no improvement", () => {
    const { stoppedAt, callback } = script([1.0, 0.96, 0.5], { patience: 1, minDelta: 0.05 });
    expect(stoppedAt).toBe(1);
    expect(callback.state.best).toBe(1.0);
  });

  it("takes a decrease larger than min_delta as an improvement", () => {
    const { stoppedAt } = script([1.0, 0.94, 0.93], { patience: 1, minDelta: 0.05 });
    expect(stoppedAt).toBe(2);
  });

  it("never stops on the first epoch, even with patience 0", () => {
    const { decisions } = script([Number.NaN, 2, 3], { patience: 0 });
    expect(decisions.map((d) => d.stop)).toEqual([false, false, true]);
  });

  it("asks for a snapshot on the first epoch and on every improvement when restoring", () => {
    const { decisions } = script([1.0, 1.2, 0.7, 0.8], { patience: 5 });
    expect(decisions.map((d) => d.snapshot)).toEqual([true, false, true, false]);
  });

  it("asks for no snapshot when restore_best_weights is off", () => {
    const { decisions, callback } = script([1.0, 0.5], { restoreBestWeights: false });
    expect(decisions.map((d) => d.snapshot)).toEqual([false, false]);
    expect(callback.shouldRestore()).toBe(false);
  });

  it("restores the best weights at the end even when it never stopped (Keras 3)", () => {
    const { stoppedAt, callback } = script([1.0, 0.8, 0.9], { patience: 5 });
    expect(stoppedAt).toBe(-1);
    expect(callback.shouldRestore()).toBe(true);
    expect(callback.state.bestEpoch).toBe(1);
  });

  it("continues from a saved state exactly as an uninterrupted instance", () => {
    const losses = [1.0, 0.9, 0.95, 0.97, 0.99, 0.92, 0.93];
    const whole = script(losses, { patience: 3 });
    const first = new EarlyStopping({ patience: 3 });
    losses.slice(0, 3).forEach((loss, epoch) => first.onEpochEnd(epoch, loss));
    const second = new EarlyStopping({ patience: 3 }, JSON.parse(JSON.stringify(first.state)));
    let stoppedAt = -1;
    for (let epoch = 3; epoch < losses.length && stoppedAt < 0; epoch++) {
      if (second.onEpochEnd(epoch, losses[epoch]!).stop) stoppedAt = epoch;
    }
    expect(stoppedAt).toBe(4);
    expect(whole.stoppedAt).toBe(4);
    expect(second.state).toEqual(whole.callback.state);
  });
});
