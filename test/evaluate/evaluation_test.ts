import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ImageDataset } from "../../src/data/mod.ts";
import { alignLabels, evaluateClassifier, evaluatePredictions } from "../../src/evaluate/mod.ts";
import { type ClassifierSession, openClassifier } from "../../src/runtime/mod.ts";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";

describe("evaluatePredictions()", () => {
  test("derives loss, accuracy, report, matrix and pairs from probabilities", () => {
    const probabilities = new Float32Array([
      ...[0.7, 0.2, 0.1], // cat → cat
      ...[0.1, 0.6, 0.3], // cat → dog
      ...[0.2, 0.5, 0.3], // dog → dog
      ...[0.5, 0.25, 0.25], // bird → cat
    ]);
    const evaluation = evaluatePredictions(probabilities, [0, 0, 1, 2], ["cat", "dog", "bird"], {
      digits: 3,
    });
    expect(evaluation.images).toBe(4);
    expect(evaluation.accuracy).toBe(0.5);
    const expectedLoss = -(Math.log(0.7) + Math.log(0.1) + Math.log(0.5) + Math.log(0.25)) / 4;
    expect(evaluation.loss).toBeCloseTo(expectedLoss, 6);
    expect(evaluation.confusionMatrix).toEqual([[1, 1, 0], [0, 1, 0], [1, 0, 0]]);
    expect(evaluation.mostConfused.map((p) => `${p.trueClass}>${p.predictedClass}`)).toEqual([
      "cat>dog",
      "bird>cat",
    ]);
    expect(evaluation.reportText.split("\n")[4]).toBe(
      "        bird      0.000     0.000     0.000         1",
    );
    expect(evaluation.warnings).toHaveLength(1);
    expect(evaluation.report["dog"]).toEqual({
      precision: 0.5,
      recall: 1,
      "f1-score": 2 / 3,
      support: 1,
    });
  });
});

describe("evaluateClassifier()", () => {
  let dir: string;
  let model: ClassifierSession;
  // Three 32×32 solid images; the dataset lists its classes in another order than the model.
  const dataset: ImageDataset = {
    classNames: ["blue", "red"],
    labels: new Uint8Array([1, 0, 0]),
    images: new Uint8Array([
      ...solid(230, 20, 20),
      ...solid(20, 20, 230),
      ...solid(230, 20, 20),
    ]),
    width: 32,
    height: 32,
    count: 3,
  };

  beforeAll(async () => {
    dir = await Deno.makeTempDir();
    model = await openClassifier(await writeTinyModel(dir));
  });
  afterAll(async () => {
    await model.release();
    await Deno.remove(dir, { recursive: true });
  });

  test("runs a real ONNX model and matches dataset classes to the model's by name", async () => {
    const evaluation = await evaluateClassifier(model, dataset);
    expect(evaluation.classNames).toEqual(["red", "green", "blue"]);
    // red → red, blue → blue, a red image labelled blue → red.
    expect(evaluation.confusionMatrix).toEqual([[1, 0, 0], [0, 0, 0], [1, 0, 1]]);
    expect(evaluation.accuracy).toBeCloseTo(2 / 3, 15);
    expect(evaluation.loss).toBeGreaterThan(0);
  });

  test("gives the same predictions whatever the batch size", async () => {
    const whole = await evaluateClassifier(model, dataset, { batchSize: 256 });
    const ones = await evaluateClassifier(model, dataset, { batchSize: 1 });
    expect(ones.confusionMatrix).toEqual(whole.confusionMatrix);
    expect(ones.reportText).toBe(whole.reportText);
    // onnxruntime's kernels round a batch of 1 and a batch of 3 slightly differently.
    expect(Math.abs(ones.loss - whole.loss)).toBeLessThan(1e-5);
  });

  test("rejects a dataset at another size than the model's input", async () => {
    await expect(evaluateClassifier(model, { ...dataset, width: 16, height: 16 })).rejects
      .toThrow(/takes 32×32 images, the dataset holds 16×16/);
  });
});

describe("alignLabels()", () => {
  test("names the dataset classes the model does not have", () => {
    const dataset: ImageDataset = {
      classNames: ["cat", "red"],
      labels: new Uint8Array([0, 1]),
      images: new Uint8Array(0),
      width: 1,
      height: 1,
      count: 2,
    };
    expect(() => alignLabels(dataset, ["red", "green", "blue"])).toThrow(
      /the model has no class "cat" \(its classes: red, green, blue\)/,
    );
  });
});

function solid(r: number, g: number, b: number): number[] {
  return Array.from({ length: 32 * 32 }, () => [r, g, b]).flat();
}
