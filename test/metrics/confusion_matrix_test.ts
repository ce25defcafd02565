import { describe, expect, test } from "vitest";
import {
  confusionMatrix,
  formatConfusionMatrix,
  mostConfusedPairs,
} from "../../src/metrics/mod.ts";

const yTrue = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
const yPred = [0, 0, 1, 1, 1, 1, 0, 0, 0, 0];
const classNames = ["cat", "dog", "bird"];

describe("confusionMatrix()", () => {
  test("counts rows by true class and columns by predicted class, over every class", () => {
    expect(confusionMatrix(yTrue, yPred, 3)).toEqual([[2, 2, 0], [1, 2, 0], [3, 0, 0]]);
    expect(confusionMatrix([1], [1], 4)).toEqual([
      [0, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
  });

  test("rejects a prediction that is no class index", () => {
    expect(() => confusionMatrix([0, 1], [0, 1.5], 3)).toThrow(/prediction 1.*got 1.5/);
  });
});

describe("formatConfusionMatrix()", () => {
  test("prints a right-aligned table with class names on both axes", () => {
    expect(formatConfusionMatrix(confusionMatrix(yTrue, yPred, 3), classNames)).toBe(
      "true \\ predicted  cat  dog  bird\n" +
        "             cat    2    2     0\n" +
        "             dog    1    2     0\n" +
        "            bird    3    0     0\n",
    );
  });
});

describe("mostConfusedPairs()", () => {
  test("lists off-diagonal cells by count, then by class index, without empty cells", () => {
    const pairs = mostConfusedPairs(confusionMatrix(yTrue, yPred, 3), classNames);
    expect(pairs.map((p) => [p.trueClass, p.predictedClass, p.count])).toEqual([
      ["bird", "cat", 3],
      ["cat", "dog", 2],
      ["dog", "cat", 1],
    ]);
    expect(pairs[0]!.rate).toBe(1);
    expect(pairs[1]!.rate).toBe(0.5);
    expect(pairs[2]).toMatchObject({ trueIndex: 1, predictedIndex: 0, rate: 1 / 3 });
  });

  test("stops at the limit", () => {
    const pairs = mostConfusedPairs(confusionMatrix(yTrue, yPred, 3), classNames, { limit: 1 });
    expect(pairs).toHaveLength(1);
  });
});
