import { describe, expect, test } from "vitest";
import {
  classificationReport,
  classificationReportDict,
  formatClassificationReport,
} from "../../src/metrics/mod.ts";
import { formatFixed } from "../../src/metrics/_python_format.ts";

// cat: 4 true, 6 predicted, 2 right; dog: 3 true, 4 predicted, 2 right; bird: 3 true, never predicted.
const small = {
  yTrue: [0, 0, 0, 0, 1, 1, 1, 2, 2, 2],
  yPred: [0, 0, 1, 1, 1, 1, 0, 0, 0, 0],
  classNames: ["cat", "dog", "bird"],
};

// airplane: 1 true, 32 predicted (precision 1/32 = 0.03125 exactly: a rounding tie at 4 digits).
const long = {
  yTrue: [0, ...new Array<number>(31).fill(1), ...new Array<number>(8).fill(2)],
  yPred: [...new Array<number>(32).fill(0), 1, ...new Array<number>(7).fill(2)],
  classNames: ["airplane", "automobile", "a very long class name"],
};

describe("formatClassificationReport()", () => {
  test("lays out a report with a never-predicted class exactly as scikit-learn does", () => {
    const report = classificationReport(small.yTrue, small.yPred, small);
    expect(formatClassificationReport(report)).toBe(
      "              precision    recall  f1-score   support\n" +
        "\n" +
        "         cat       0.33      0.50      0.40         4\n" +
        "         dog       0.50      0.67      0.57         3\n" +
        "        bird       0.00      0.00      0.00         3\n" +
        "\n" +
        "    accuracy                           0.40        10\n" +
        "   macro avg       0.28      0.39      0.32        10\n" +
        "weighted avg       0.28      0.40      0.33        10\n",
    );
  });

  test("prints 4 digits when asked", () => {
    const report = classificationReport(small.yTrue, small.yPred, small);
    expect(formatClassificationReport(report, 4)).toBe(
      "              precision    recall  f1-score   support\n" +
        "\n" +
        "         cat     0.3333    0.5000    0.4000         4\n" +
        "         dog     0.5000    0.6667    0.5714         3\n" +
        "        bird     0.0000    0.0000    0.0000         3\n" +
        "\n" +
        "    accuracy                         0.4000        10\n" +
        "   macro avg     0.2778    0.3889    0.3238        10\n" +
        "weighted avg     0.2833    0.4000    0.3314        10\n",
    );
  });

  test("widens the name column to the longest class name and rounds ties to even", () => {
    const report = classificationReport(long.yTrue, long.yPred, long);
    expect(formatClassificationReport(report, 4)).toBe(
      "                        precision    recall  f1-score   support\n" +
        "\n" +
        "              airplane     0.0312    1.0000    0.0606         1\n" +
        "            automobile     0.0000    0.0000    0.0000        31\n" +
        "a very long class name     1.0000    0.8750    0.9333         8\n" +
        "\n" +
        "              accuracy                         0.2000        40\n" +
        "             macro avg     0.3438    0.6250    0.3313        40\n" +
        "          weighted avg     0.2008    0.2000    0.1882        40\n",
    );
  });

  test("widens the name column to `digits` when that is wider still", () => {
    const report = classificationReport([0, 1], [0, 1], { classNames: ["a", "b"] });
    const lines = formatClassificationReport(report, 13).split("\n");
    // Numbers wider than the 9-character columns push the row out, one space apart.
    expect(lines[2]).toBe(
      "            a  1.0000000000000 1.0000000000000 1.0000000000000         1",
    );
    expect(lines[5]).toBe("     accuracy                      1.0000000000000         2");
  });
});

describe("formatClassificationReport() with no correct prediction", () => {
  test("prints supports as floats, as scikit-learn does when its counts turn float64", () => {
    const report = classificationReport([0, 0, 1], [1, 1, 0], { classNames: ["cat", "dog"] });
    expect(formatClassificationReport(report)).toBe(
      "              precision    recall  f1-score   support\n" +
        "\n" +
        "         cat       0.00      0.00      0.00       2.0\n" +
        "         dog       0.00      0.00      0.00       1.0\n" +
        "\n" +
        "    accuracy                           0.00       3.0\n" +
        "   macro avg       0.00      0.00      0.00       3.0\n" +
        "weighted avg       0.00      0.00      0.00       3.0\n",
    );
  });
});

describe("classificationReport()", () => {
  test("warns like scikit-learn when a class is never predicted, and scores it 0", () => {
    const report = classificationReport(small.yTrue, small.yPred, small);
    expect(report.warnings).toEqual([
      "Precision is ill-defined and being set to 0.0 in labels with no predicted samples. " +
      "Use `zero_division` parameter to control this behavior.",
    ]);
    expect(report.classes[2]).toEqual({
      name: "bird",
      precision: 0,
      recall: 0,
      f1Score: 0,
      support: 3,
    });
  });

  test("uses zeroDivision 1 or nan without warning, and leaves nan out of the averages", () => {
    const ones = classificationReport(small.yTrue, small.yPred, { ...small, zeroDivision: 1 });
    expect(ones.warnings).toEqual([]);
    expect(ones.classes[2]!.precision).toBe(1);
    const nans = classificationReport(small.yTrue, small.yPred, { ...small, zeroDivision: "nan" });
    expect(nans.classes[2]!.precision).toBeNaN();
    expect(nans.macroAvg.precision).toBe((1 / 3 + 0.5) / 2);
    expect(formatClassificationReport(nans).split("\n")[4]).toBe(
      "        bird        nan      0.00      0.00         3",
    );
  });

  test("rejects labels outside the classes and arrays of different lengths", () => {
    expect(() => classificationReport([0, 3], [0, 1], small)).toThrow(/true label 1.*got 3/);
    expect(() => classificationReport([0], [0, 1], small)).toThrow(/1 true labels but 2/);
  });
});

describe("classificationReportDict()", () => {
  test("has scikit-learn's output_dict keys, order and values", () => {
    const dict = classificationReportDict(classificationReport(small.yTrue, small.yPred, small));
    expect(Object.keys(dict)).toEqual([
      "cat",
      "dog",
      "bird",
      "accuracy",
      "macro avg",
      "weighted avg",
    ]);
    expect(dict["cat"]).toEqual({ precision: 2 / 6, recall: 0.5, "f1-score": 0.4, support: 4 });
    expect(dict["accuracy"]).toBe(0.4);
    expect(dict["weighted avg"]).toEqual({
      precision: (4 * (2 / 6) + 3 * 0.5) / 10,
      recall: 0.4,
      "f1-score": (4 * 0.4 + 3 * (4 / 7)) / 10,
      support: 10,
    });
  });
});

describe("formatFixed()", () => {
  test("rounds from the exact binary value with ties to even, as Python's format does", () => {
    expect(formatFixed(0.125, 2)).toBe("0.12");
    expect(formatFixed(0.375, 2)).toBe("0.38");
    expect(formatFixed(2.5, 0)).toBe("2");
    expect(formatFixed(0.1, 20)).toBe("0.10000000000000000555");
    expect(formatFixed(2 / 3, 2)).toBe("0.67");
    expect(formatFixed(1, 2)).toBe("1.00");
    expect(formatFixed(0, 0)).toBe("0");
  });
});
