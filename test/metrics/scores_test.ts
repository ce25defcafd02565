import { describe, expect, test } from "vitest";
import { accuracy, argmaxRows, categoricalCrossEntropy } from "../../src/metrics/mod.ts";

describe("accuracy()", () => {
  test("is the fraction of predictions equal to the label", () => {
    expect(accuracy([0, 1, 2, 2], [0, 1, 1, 2])).toBe(0.75);
  });
});

describe("argmaxRows()", () => {
  test("takes the first of equal maxima, like np.argmax", () => {
    expect([...argmaxRows(new Float32Array([0.1, 0.7, 0.2, 0.4, 0.2, 0.4]), 3)]).toEqual([1, 0]);
  });

  test("rejects scores that do not make whole rows", () => {
    expect(() => argmaxRows([0.1, 0.2, 0.3], 2)).toThrow(/3 values do not make rows of 2/);
  });
});

describe("categoricalCrossEntropy()", () => {
  test("averages -log of the true class's probability", () => {
    const loss = categoricalCrossEntropy([0.9, 0.1, 0.2, 0.8], [0, 1], 2);
    expect(loss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 12);
  });

  test("clips at Keras' epsilon 1e-7, so a zero probability costs -log(1e-7)", () => {
    expect(categoricalCrossEntropy([0, 1], [0], 2)).toBeCloseTo(-Math.log(1e-7), 12);
    expect(categoricalCrossEntropy([1, 0], [0], 2)).toBeCloseTo(-Math.log(1 - 1e-7), 12);
  });

  test("rescales rows to sum to 1 first, as Keras does", () => {
    expect(categoricalCrossEntropy([2, 2], [1], 2)).toBeCloseTo(Math.log(2), 12);
  });
});
