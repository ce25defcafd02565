import { describe, expect, test } from "vitest";
import { softmaxRows, topK } from "../../src/runtime/mod.ts";

describe("topK()", () => {
  test("ranks classes best first and clamps k to the class count", () => {
    const ranked = topK(new Float32Array([0.1, 0.6, 0.3]), ["a", "b", "c"], 5);
    expect(ranked.map((r) => r.label)).toEqual(["b", "c", "a"]);
    expect(ranked[0]!.index).toBe(1);
    expect(ranked[0]!.probability).toBeCloseTo(0.6, 6);
  });

  test("ties go to the lower index", () => {
    expect(topK([0.25, 0.5, 0.25], ["a", "b", "c"], 3).map((r) => r.label)).toEqual([
      "b",
      "a",
      "c",
    ]);
  });

  test("a length mismatch between probabilities and names is a RangeError", () => {
    expect(() => topK([0.5, 0.5], ["a"], 1)).toThrow(RangeError);
  });
});

describe("softmaxRows()", () => {
  test("turns each row of logits into probabilities, stable for large values", () => {
    const rows = softmaxRows(new Float32Array([1000, 1000, 0, Math.log(3)]), 2);
    [0.5, 0.5, 0.25, 0.75].forEach((p, i) => expect(rows[i]).toBeCloseTo(p, 7));
  });
});
