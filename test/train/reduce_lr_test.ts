import { describe, expect, it } from "vitest";
import { ReduceLrOnPlateau, type ReduceLrOptions } from "../../src/train/mod.ts";

/** Feeds `losses` starting at rate `lr`; returns the rate after each epoch. */
function script(losses: number[], options: Partial<ReduceLrOptions>, lr = 0.001): number[] {
  const callback = new ReduceLrOnPlateau(options);
  let rate = Math.fround(lr);
  return losses.map((loss) => (rate = callback.onEpochEnd(loss, rate)));
}

const f32 = Math.fround;

describe("ReduceLrOnPlateau", () => {
  it("multiplies the rate by the factor after `patience` epochs without improvement", () => {
    const rates = script([1.0, 1.0, 1.0, 0.9, 0.95, 0.96, 0.97, 0.98], {
      factor: 0.2,
      patience: 2,
    });
    const [a, b, c] = [f32(0.001), f32(f32(0.001) * 0.2), f32(f32(f32(0.001) * 0.2) * 0.2)];
    expect(rates).toEqual([a, a, b, b, b, c, c, f32(c * 0.2)]);
    expect(b).toBeCloseTo(0.0002, 10);
    expect(c).toBeCloseTo(0.00004, 10);
  });

  it("needs an improvement larger than min_delta (absolute) to reset its wait", () => {
    // 0.99995 and 0.99991 are within 1e-4 of the best 1.0, so they count as plateau epochs.
    const rates = script([1.0, 0.99995, 0.99991], { patience: 2, minDelta: 1e-4 });
    expect(rates[2]).toBe(f32(f32(0.001) * 0.2));
    const improved = script([1.0, 0.9998, 0.9996], { patience: 2, minDelta: 1e-4 });
    expect(improved[2]).toBe(f32(0.001));
  });

  it("resets its wait after a reduction, so the next one needs `patience` more epochs", () => {
    const rates = script([1, 2, 2, 2, 2, 2], { factor: 0.5, patience: 2 }, 1);
    expect(rates).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25]);
  });

  it("skips `cooldown` epochs after a reduction, as Keras counts them", () => {
    const rates = script([1, 2, 2, 2, 2, 2], { factor: 0.5, patience: 1, cooldown: 2 }, 1);
    expect(rates).toEqual([1, 0.5, 0.5, 0.25, 0.25, 0.125]);
  });

  it("never goes below min_lr and stops reducing once there", () => {
    const rates = script([1, 2, 2, 2], { factor: 0.5, patience: 1, minLr: 0.0004 }, 0.001);
    expect(rates).toEqual([f32(0.001), f32(0.0005), f32(0.0004), f32(0.0004)]);
  });

  it("treats a NaN loss as no improvement", () => {
    const rates = script([1, Number.NaN, Number.NaN], { factor: 0.5, patience: 2 }, 1);
    expect(rates).toEqual([1, 1, 0.5]);
  });

  it("continues from a saved state exactly as an uninterrupted instance", () => {
    const losses = [1, 0.9, 0.95, 0.96, 0.97, 0.8, 0.85, 0.86];
    const whole = script(losses, { patience: 2 });
    const first = new ReduceLrOnPlateau({ patience: 2 });
    let rate = f32(0.001);
    for (const loss of losses.slice(0, 4)) rate = first.onEpochEnd(loss, rate);
    const second = new ReduceLrOnPlateau({ patience: 2 }, JSON.parse(JSON.stringify(first.state)));
    const rest = losses.slice(4).map((loss) => (rate = second.onEpochEnd(loss, rate)));
    expect(rest).toEqual(whole.slice(4));
  });

  it("rejects a factor of 1 or more", () => {
    expect(() => new ReduceLrOnPlateau({ factor: 1 })).toThrow(RangeError);
  });
});
