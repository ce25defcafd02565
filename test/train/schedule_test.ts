import { describe, expect, it } from "vitest";
import { scheduleFactor } from "../../src/train/mod.ts";

describe("scheduleFactor()", () => {
  it("keeps the rate for 'constant'", () => {
    expect([0, 50, 99].map((s) => scheduleFactor("constant", s, 100))).toEqual([1, 1, 1]);
  });

  it("follows a half cosine from 1 to 0 for 'cosine'", () => {
    expect(scheduleFactor("cosine", 0, 100)).toBe(1);
    expect(scheduleFactor("cosine", 50, 100)).toBeCloseTo(0.5, 12);
    expect(scheduleFactor("cosine", 25, 100)).toBeCloseTo((1 + Math.SQRT1_2) / 2, 12);
    expect(scheduleFactor("cosine", 100, 100)).toBeCloseTo(0, 12);
  });

  it("warms up from 1/25 to 1 over 30% of the steps, then anneals to 1/250,000 for 'one_cycle'", () => {
    expect(scheduleFactor("one_cycle", 0, 100)).toBeCloseTo(1 / 25, 12);
    expect(scheduleFactor("one_cycle", 15, 100)).toBeCloseTo((1 / 25 + 1) / 2, 12);
    expect(scheduleFactor("one_cycle", 30, 100)).toBeCloseTo(1, 12);
    expect(scheduleFactor("one_cycle", 65, 100)).toBeCloseTo((1 + 1 / 250_000) / 2, 12);
    expect(scheduleFactor("one_cycle", 100, 100)).toBeCloseTo(1 / 250_000, 12);
    const rising = [0, 10, 20, 30].map((s) => scheduleFactor("one_cycle", s, 100));
    expect([...rising].sort((a, b) => a - b)).toEqual(rising);
  });
});
