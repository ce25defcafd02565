import { describe, expect, test } from "vitest";
import { buildModel, listArchitectures } from "../../src/model/mod.ts";
import { exportAndCompare, nodesOf } from "../export/_check.ts";

describe("airbench", () => {
  test("is registered and has the parameters its layers imply", () => {
    expect(listArchitectures().map((a) => a.name)).toContain("airbench");
    const model = buildModel("airbench", { seed: 1 });
    const convs = [[3, 24], [24, 64], [64, 64], [64, 256], [256, 256], [256, 256], [256, 256]];
    const kernels = convs.reduce((sum, [cin, cout]) => sum + 9 * cin! * cout!, 0); // no biases
    const norms = 4 * convs.reduce((sum, [, cout]) => sum + cout!, 0);
    const dense = 256 * 10 + 10;
    expect(model.countParams()).toBe(kernels + norms + dense);
    model.dispose();
  });

  test("pools once per group, ending 4×4×256 before its global pool", () => {
    const model = buildModel("airbench", { seed: 1 });
    expect(model.getLayer("activation_3").outputShape).toEqual([null, 16, 16, 64]);
    expect(model.getLayer("activation_7").outputShape).toEqual([null, 4, 4, 256]);
    model.dispose();
  });

  test("exports to ONNX with parity, every normalisation and the global pool mapped", async () => {
    // 8×8 inputs: the same graph at a sixteenth of the cost on tfjs' JavaScript backend. Its
    // own seeded initial weights, not randomizeWeights': uniform ±0.6 through seven 256-wide
    // convolutions saturates the softmax, and parity would compare rounding of huge logits.
    const model = buildModel("airbench", { seed: 2, inputShape: [8, 8, 3] });
    const { onnx } = await exportAndCompare(model);
    expect(nodesOf(onnx, "BatchNormalization")).toHaveLength(7);
    expect(nodesOf(onnx, "MaxPool")).toHaveLength(3);
    expect(nodesOf(onnx, "GlobalMaxPool")).toHaveLength(1);
  });
});
