import { describe, expect, it } from "vitest";
import { bestEpoch, type EpochLog, formatEpochLog, historyCsv } from "../../src/train/mod.ts";

const log = (epoch: number, valAccuracy: number, rate = 0.001): EpochLog => ({
  epoch,
  loss: 1.25,
  accuracy: 0.5,
  val_loss: 1.5,
  val_accuracy: valAccuracy,
  learning_rate: Math.fround(rate),
  seconds: 64.4,
});

describe("history", () => {
  it("historyCsv() writes a header and one full-precision row per epoch", () => {
    expect(historyCsv([log(1, 0.25), log(2, 0.5)])).toBe(
      "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds\n" +
        "1,1.25,0.5,1.5,0.25,0.0010000000474974513,64.4\n" +
        "2,1.25,0.5,1.5,0.5,0.0010000000474974513,64.4\n",
    );
  });

  it("formatEpochLog() prints the epoch as Keras does, small rates with a two-digit exponent", () => {
    expect(formatEpochLog(log(1, 0.75), 704)).toBe(
      "704/704 - 64s 91ms/step - accuracy: 0.5000 - loss: 1.2500 - val_accuracy: 0.7500" +
        " - val_loss: 1.5000 - learning_rate: 0.0010",
    );
    expect(formatEpochLog(log(1, 0.75, 8e-6), 704)).toMatch(/learning_rate: 8\.0000e-06$/);
  });

  it("bestEpoch() picks the highest validation accuracy, the earliest on ties", () => {
    expect(bestEpoch([log(1, 0.5), log(2, 0.7), log(3, 0.7)])?.epoch).toBe(2);
    expect(bestEpoch([])).toBeUndefined();
  });
});
