/**
 * Each layer mapping, exported from a tiny tfjs model and run in onnxruntime-node: the outputs
 * must match tfjs within 1e-5 on 256 images, with the same top-1 class.
 */
import * as tf from "@tensorflow/tfjs";
import { describe, expect, test } from "vitest";
import { exportAndCompare, intsAttr, nodesOf, randomizeWeights, sequential } from "./_check.ts";

const head = (
  units = 5,
) => [tf.layers.flatten(), tf.layers.dense({ units, activation: "softmax" })];

describe("toOnnx() Conv2D", () => {
  test("valid padding with strides and a bias matches tfjs", async () => {
    const model = sequential([
      tf.layers.conv2d({ filters: 4, kernelSize: [3, 2], strides: [2, 1], padding: "valid" }),
      ...head(),
    ]);
    const { onnx } = await exportAndCompare(model);
    expect(intsAttr(nodesOf(onnx, "Conv")[0]!, "pads")).toEqual([0, 0, 0, 0]);
  });

  test("'same' padding with stride 2 on an even size pads asymmetrically, as TensorFlow does", async () => {
    const model = sequential([
      tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: "same", useBias: false }),
      ...head(),
    ]);
    const { onnx } = await exportAndCompare(model);
    // in 8, k 3, s 2 → out 4, total padding 1: nothing before, 1 after.
    expect(intsAttr(nodesOf(onnx, "Conv")[0]!, "pads")).toEqual([0, 0, 1, 1]);
  });

  test("'same' padding with dilation 2 matches tfjs", async () => {
    const model = sequential([
      tf.layers.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, padding: "same" }),
      ...head(),
    ]);
    const { onnx } = await exportAndCompare(model);
    expect(intsAttr(nodesOf(onnx, "Conv")[0]!, "dilations")).toEqual([2, 2]);
    expect(intsAttr(nodesOf(onnx, "Conv")[0]!, "pads")).toEqual([2, 2, 2, 2]);
  });

  test("DepthwiseConv2D with a depth multiplier becomes a grouped Conv", async () => {
    const model = sequential([
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: "same" }),
      ...head(),
    ]);
    const { onnx } = await exportAndCompare(model);
    expect(intsAttr(nodesOf(onnx, "Conv")[0]!, "group")).toBe(3);
  });

  test("SeparableConv2D with stride 2 and 'same' padding is a depthwise then a 1×1 Conv", async () => {
    const model = sequential([
      tf.layers.separableConv2d({
        filters: 5,
        kernelSize: 3,
        strides: 2,
        depthMultiplier: 2,
        padding: "same",
        activation: "relu",
      }),
      ...head(),
    ]);
    const { onnx } = await exportAndCompare(model);
    const convs = nodesOf(onnx, "Conv");
    expect(convs.map((n) => intsAttr(n, "group"))).toEqual([3, 1]);
    expect(intsAttr(convs[0]!, "pads")).toEqual([0, 0, 1, 1]);
  });

  test("ZeroPadding2D pads height and width only", async () => {
    const model = sequential([
      tf.layers.zeroPadding2d({ padding: [[1, 2], [0, 1]] }),
      tf.layers.conv2d({ filters: 2, kernelSize: 2 }),
      ...head(),
    ]);
    await exportAndCompare(model);
  });
});

describe("toOnnx() pooling", () => {
  for (const padding of ["valid", "same"] as const) {
    test(`MaxPooling2D '${padding}' with stride ≠ pool size matches tfjs`, async () => {
      const model = sequential([
        tf.layers.conv2d({ filters: 3, kernelSize: 1 }),
        tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding }),
        ...head(),
      ], 7);
      await exportAndCompare(model);
    });

    test(`AveragePooling2D '${padding}' leaves padding out of the mean`, async () => {
      const model = sequential([
        tf.layers.averagePooling2d({ poolSize: [3, 2], strides: [2, 2], padding }),
        ...head(),
      ], 7);
      const { onnx } = await exportAndCompare(model);
      expect(intsAttr(nodesOf(onnx, "AveragePool")[0]!, "count_include_pad")).toBe(0);
    });
  }

  test("GlobalAveragePooling2D and GlobalMaxPooling2D give [N, C]", async () => {
    for (const pool of [tf.layers.globalAveragePooling2d({}), tf.layers.globalMaxPooling2d({})]) {
      const model = sequential([
        tf.layers.conv2d({ filters: 6, kernelSize: 3 }),
        pool,
        tf.layers.dense({ units: 4, activation: "softmax" }),
      ]);
      await exportAndCompare(model);
    }
  });
});

describe("toOnnx() Dense, Flatten, Dropout", () => {
  test("Flatten keeps Keras' NHWC element order before a Dense", async () => {
    const model = sequential([
      tf.layers.conv2d({ filters: 5, kernelSize: 3, activation: "relu" }),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 16, activation: "relu" }),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ]);
    const { onnx } = await exportAndCompare(model);
    // The element order is restored by a transpose back to NHWC, not by permuting weights.
    expect(intsAttr(nodesOf(onnx, "Transpose").at(-1)!, "perm")).toEqual([0, 2, 3, 1]);
    expect(nodesOf(onnx, "Dropout")).toHaveLength(0);
  });

  test("Dense without a bias matches tfjs", async () => {
    const model = sequential([
      tf.layers.flatten(),
      tf.layers.dense({ units: 7, useBias: false, activation: "tanh" }),
      tf.layers.dense({ units: 3, activation: "softmax" }),
    ], 4);
    await exportAndCompare(model);
  });
});

describe("toOnnx() activations", () => {
  const fused = [
    "relu",
    "tanh",
    "sigmoid",
    "elu",
    "selu",
    "linear",
    "relu6",
    "hardSigmoid",
    "softplus",
    "softsign",
    "swish",
    "mish",
  ] as const;
  test.each(fused)(
    "fused '%s' in Conv2D and Dense and as an Activation layer matches tfjs",
    async (name) => {
      const model = sequential([
        tf.layers.conv2d({ filters: 3, kernelSize: 3, activation: name }),
        tf.layers.activation({ activation: name }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 6, activation: name }),
        tf.layers.dense({ units: 4, activation: "softmax" }),
      ], 5);
      await exportAndCompare(model);
    },
  );

  test("ReLU(maxValue), LeakyReLU, ELU and Softmax layers match tfjs", async () => {
    const model = sequential([
      tf.layers.conv2d({ filters: 4, kernelSize: 3 }),
      tf.layers.reLU({ maxValue: 0.4 }),
      tf.layers.conv2d({ filters: 4, kernelSize: 1 }),
      tf.layers.leakyReLU({ alpha: 0.1 }),
      tf.layers.conv2d({ filters: 4, kernelSize: 1 }),
      tf.layers.elu(),
      tf.layers.flatten(),
      tf.layers.dense({ units: 5 }),
      tf.layers.softmax(),
    ], 6);
    const { onnx } = await exportAndCompare(model);
    expect(nodesOf(onnx, "LeakyRelu")).toHaveLength(1);
    expect(onnx.graph!.output[0]!.name).toBe("probabilities");
  });

  test("softmax over the channels of an image value uses the NCHW channel axis", async () => {
    const model = sequential([
      tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: "softmax" }),
      ...head(),
    ], 5);
    const { onnx } = await exportAndCompare(model);
    expect(intsAttr(nodesOf(onnx, "Softmax")[0]!, "axis")).toBe(1);
  });

  test("a model without a final softmax is exported with a 'logits' output", async () => {
    const model = sequential([tf.layers.flatten(), tf.layers.dense({ units: 3 })], 4);
    const { onnx } = await exportAndCompare(model);
    expect(onnx.graph!.output[0]!.name).toBe("logits");
  });
});

describe("toOnnx() BatchNormalization", () => {
  test("inference-form BatchNormalization after Conv2D and after Dense matches tfjs", async () => {
    const model = sequential([
      tf.layers.conv2d({ filters: 4, kernelSize: 3 }),
      tf.layers.batchNormalization({ epsilon: 0.01 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 8 }),
      tf.layers.batchNormalization({ center: false, scale: false }),
      tf.layers.dense({ units: 4, activation: "softmax" }),
    ], 6);
    const { onnx } = await exportAndCompare(model);
    expect(nodesOf(onnx, "BatchNormalization")).toHaveLength(2);
  });
});

describe("toOnnx() functional models", () => {
  test("a residual block with Add and a Concatenate branch matches tfjs", async () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", activation: "relu" })
      .apply(input) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: "same" })
      .apply(a) as tf.SymbolicTensor;
    const residual = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
    const relu = tf.layers.activation({ activation: "relu" }).apply(residual) as tf.SymbolicTensor;
    const side = tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(input) as tf.SymbolicTensor;
    const joined = tf.layers.concatenate().apply([relu, side]) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({}).apply(joined) as tf.SymbolicTensor;
    const d1 = tf.layers.dense({ units: 6 }).apply(pooled) as tf.SymbolicTensor;
    const d2 = tf.layers.dense({ units: 6 }).apply(pooled) as tf.SymbolicTensor;
    const merged = [
      tf.layers.multiply().apply([d1, d2]),
      tf.layers.average().apply([d1, d2]),
      tf.layers.maximum().apply([d1, d2]),
      tf.layers.minimum().apply([d1, d2]),
    ] as tf.SymbolicTensor[];
    const all = tf.layers.concatenate({ axis: -1 }).apply(merged) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 5, activation: "softmax" }).apply(
      all,
    ) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    randomizeWeights(model);
    const { onnx } = await exportAndCompare(model);
    expect(nodesOf(onnx, "Sum")).toHaveLength(1);
    expect(intsAttr(nodesOf(onnx, "Concat")[0]!, "axis")).toBe(1);
  });
});
