import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { buildModel, formatSummary, modelSummary } from "../../src/model/mod.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("modelSummary()", () => {
  it("lists the notebook CNN's layers, output shapes and 356,810 parameters", () => {
    const model = buildModel("notebook_cnn");
    const summary = modelSummary(model);
    expect(summary.rows.map((r) => [r.type, r.outputShape, r.params])).toEqual([
      ["Conv2D", [null, 32, 32, 32], 896],
      ["MaxPooling2D", [null, 16, 16, 32], 0],
      ["Conv2D", [null, 16, 16, 64], 18_496],
      ["MaxPooling2D", [null, 8, 8, 64], 0],
      ["Conv2D", [null, 8, 8, 128], 73_856],
      ["MaxPooling2D", [null, 4, 4, 128], 0],
      ["Flatten", [null, 2048], 0],
      ["Dense", [null, 128], 262_272],
      ["Dropout", [null, 128], 0],
      ["Dense", [null, 10], 1_290],
    ]);
    expect(summary.totalParams).toBe(356_810);
    expect(summary.trainableParams).toBe(356_810);
    expect(summary.nonTrainableParams).toBe(0);
    model.dispose();
  });

  it("follows the input size and class count it is given", () => {
    const model = buildModel("notebook_cnn", { inputShape: [64, 48, 3], numClasses: 4 });
    const rows = modelSummary(model).rows;
    expect(rows[0]!.outputShape).toEqual([null, 64, 48, 32]);
    expect(rows[6]!.outputShape).toEqual([null, 8 * 6 * 128]);
    expect(rows.at(-1)!.outputShape).toEqual([null, 4]);
    model.dispose();
  });
});

describe("formatSummary()", () => {
  it("prints a Keras-style table with the totals and their float32 size", () => {
    const model = buildModel("notebook_cnn");
    const text = formatSummary(modelSummary(model));
    const lines = text.split("\n");
    expect(lines[0]).toBe('Model: "notebook_cnn"');
    expect(lines[2]).toMatch(/^┃ Layer \(type\) +┃ Output Shape +┃ Param # ┃$/);
    expect(text).toContain("│ conv2d_1 (Conv2D)");
    expect(text).toMatch(/│ \(None, 32, 32, 32\) +│ +896 │/);
    expect(text).toMatch(/│ dense_1 \(Dense\) +│ \(None, 128\) +│ 262,272 │/);
    expect(lines.slice(-3)).toEqual([
      " Total params: 356,810 (1.36 MB)",
      " Trainable params: 356,810 (1.36 MB)",
      " Non-trainable params: 0 (0.00 B)",
    ]);
    // Every table line has the same width.
    const widths = new Set(lines.slice(1, -3).map((l) => [...l].length));
    expect(widths.size).toBe(1);
    model.dispose();
  });

  it("adds a 'Connected to' column for functional models", () => {
    const input = tf.input({ shape: [4, 4, 3], name: "image" });
    const a = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: "a" }).apply(input);
    const b = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: "b" }).apply(input);
    const sum = tf.layers.add({ name: "sum" }).apply([a, b] as tf.SymbolicTensor[]);
    const model = tf.model({ inputs: input, outputs: sum as tf.SymbolicTensor, name: "fork" });
    const text = formatSummary(modelSummary(model));
    expect(text).toMatch(/┃ Connected to +┃/);
    expect(text).toMatch(/│ sum \(Add\) +│ \(None, 4, 4, 2\) +│ +0 │ a, b +│/);
    expect(text).toMatch(/│ image \(InputLayer\) +│ \(None, 4, 4, 3\) +│ +0 │ - +│/);
    model.dispose();
  });
});
