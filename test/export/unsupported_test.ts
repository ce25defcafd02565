/** The exporter refuses what it cannot map, naming the layer, instead of writing a wrong model. */
import * as tf from "@tensorflow/tfjs";
import { describe, expect, test } from "vitest";
import { FerryError } from "../../src/errors.ts";
import { toOnnx } from "../../src/export/mod.ts";
import { sequential } from "./_check.ts";

function exportError(model: tf.LayersModel): FerryError {
  try {
    toOnnx(model);
  } catch (error) {
    return error as FerryError;
  } finally {
    model.dispose();
  }
  throw new Error("toOnnx() exported a model it should refuse");
}

describe("toOnnx() refusals", () => {
  test("a layer type without a mapping fails with a message naming the layer and its class", () => {
    const model = sequential([
      tf.layers.upSampling2d({ size: [2, 2], name: "grow" }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: "softmax" }),
    ], 4);
    const error = exportError(model);
    expect(error).toBeInstanceOf(FerryError);
    expect(error.kind).toBe("model");
    expect(error.message).toMatch(/^Cannot export layer 'grow' \(UpSampling2D\): no ONNX mapping/);
  });

  test("an unsupported option fails naming the layer and the option", () => {
    const model = sequential([
      tf.layers.batchNormalization({ axis: 1, name: "bn_rows" }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: "softmax" }),
    ], 4);
    expect(exportError(model).message).toMatch(
      /^Cannot export layer 'bn_rows' \(BatchNormalization\): normalising over axis 1/,
    );
  });

  test("an unsupported activation fails naming the layer and the activation", () => {
    const model = sequential([
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: "gelu_new", name: "fancy" }),
    ], 4);
    expect(exportError(model).message).toMatch(
      /^Cannot export layer 'fancy' \(Dense\): activation 'gelu_new'/,
    );
  });

  test("a Dense applied to an image without Flatten is refused", () => {
    const model = sequential([tf.layers.dense({ units: 3, name: "per_pixel" })], 4);
    expect(exportError(model).message).toMatch(/'per_pixel' \(Dense\): Dense on a rank-4 input/);
  });
});

describe("the model registry's promise", () => {
  test("every layer class src/model calls exportable has an ONNX mapping", async () => {
    const { EXPORTABLE_LAYERS } = await import("../../src/model/mod.ts");
    const { EXPORTABLE_LAYER_CLASSES } = await import("../../src/export/mod.ts");
    const unmapped = [...EXPORTABLE_LAYERS].filter(
      (name) => name !== "InputLayer" && !EXPORTABLE_LAYER_CLASSES.includes(name),
    );
    expect(unmapped).toEqual([]);
  });
});
