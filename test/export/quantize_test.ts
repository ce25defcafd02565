/** quantizeInt8(): a float export in, an int8 QDQ model out that follows it closely. */
import * as tf from "@tensorflow/tfjs";
import { describe, expect, test } from "vitest";
import {
  compareOutputs,
  parityImages,
  predictOnnx,
  quantizeInt8,
  toOnnx,
} from "../../src/export/mod.ts";
import { FERRY_INPUT_SPEC } from "../../src/image/mod.ts";
import { encodeOnnxModel, OnnxDataType } from "../../src/onnx/mod.ts";
import { nodesOf, sequential } from "./_check.ts";

const spec = { ...FERRY_INPUT_SPEC, width: 8, height: 8 };

/** conv → relu → pool → conv (bias, no relu) → global pool → dense softmax. */
function smallCnn(): tf.Sequential {
  return sequential([
    tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: "same", activation: "relu" }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: "same" }),
    tf.layers.globalMaxPooling2d({}),
    tf.layers.dense({ units: 5, activation: "softmax" }),
  ]);
}

describe("quantizeInt8()", () => {
  test("stores every weight as int8 and folds each Relu into its convolution", async () => {
    const model = smallCnn();
    const { model: float } = toOnnx(model);
    model.dispose();
    const before = JSON.stringify(float);
    const calibration = await parityImages(spec, { count: 64, seed: 3 });
    const { model: int8, weighted } = await quantizeInt8(float, calibration);

    expect(JSON.stringify(float)).toBe(before); // the float model is left as it was
    expect(weighted).toBe(3);
    const initializers = int8.graph!.initializer!;
    const kernels = initializers.filter((t) => /kernel/.test(t.name) && !/scale|zero/.test(t.name));
    expect(kernels.map((t) => t.dataType)).toEqual([3, 3, 3].map(() => OnnxDataType.INT8));
    // 7 bits: a uint8 × int8 pair stays below int16's limit on CPUs without VNNI.
    const largest = Math.max(
      ...kernels.flatMap((t) =>
        [...new Int8Array(t.rawData!.buffer, t.rawData!.byteOffset, t.rawData!.length)].map(
          Math.abs,
        )
      ),
    );
    expect(largest).toBe(63);
    const biases = initializers.filter((t) => /bias_quantized$/.test(t.name));
    expect(biases.map((t) => t.dataType)).toEqual([1, 2, 3].map(() => OnnxDataType.INT32));
    expect(nodesOf(int8, "Relu")).toHaveLength(0);
    expect(nodesOf(int8, "Conv")).toHaveLength(2);
    // The relu's output keeps zero point 0, so that its quantization clamps as the Relu did.
    const reluOutput = nodesOf(float, "Relu")[0]!.output[0]!;
    const zeroPoint = initializers.find((t) => t.name === `${reluOutput}_zero_point`)!;
    expect(zeroPoint.dataType).toBe(OnnxDataType.UINT8);
    expect([...zeroPoint.rawData!]).toEqual([0]);
    // The probabilities stay float: what the Softmax reads comes straight from the last Gemm.
    const last = nodesOf(int8, "Softmax")[0]!;
    const producer = int8.graph!.node.find((n) => n.output.includes(last.input[0]!))!;
    expect(producer.opType).toBe("Gemm");
    // Every Conv and Gemm reads its activation and its weights through a DequantizeLinear.
    const dequantized = new Set(nodesOf(int8, "DequantizeLinear").map((n) => n.output[0]!));
    for (const node of [...nodesOf(int8, "Conv"), ...nodesOf(int8, "Gemm")]) {
      expect(node.input.every((name) => dequantized.has(name))).toBe(true);
    }
  });

  test("follows the float model on images it was not calibrated on", async () => {
    const model = smallCnn();
    const { model: float, bytes } = toOnnx(model);
    model.dispose();
    const calibration = await parityImages(spec, { count: 128, seed: 3 });
    const check = await parityImages(spec, { count: 256, seed: 4 });
    const { model: int8 } = await quantizeInt8(float, calibration);
    const expected = await predictOnnx(bytes, check);
    const actual = await predictOnnx(encodeOnnxModel(int8), check);
    const { maxAbsDiff, top1Mismatches } = compareOutputs(expected, actual, check.count);
    expect(maxAbsDiff).toBeGreaterThan(0); // it did change the arithmetic
    expect(maxAbsDiff).toBeLessThan(0.05);
    expect(top1Mismatches).toBeLessThanOrEqual(256 * 0.03);
  });

  test("refuses a model without weighted layers", async () => {
    const model = sequential([tf.layers.flatten(), tf.layers.softmax()]);
    const { model: float } = toOnnx(model);
    model.dispose();
    const calibration = await parityImages(spec, { count: 4 });
    await expect(quantizeInt8(float, calibration)).rejects.toMatchObject({
      kind: "model",
      message: expect.stringMatching(/no Conv or Gemm with weights/),
    });
  });
});
