import { describe, expect, test } from "vitest";
import { buildModel, listArchitectures } from "../../src/model/mod.ts";
import { exportAndCompare, nodesOf, randomizeWeights } from "../export/_check.ts";

describe("resnet9_half", () => {
  test("is registered and has the parameters its layers imply", () => {
    expect(listArchitectures().map((a) => a.name)).toContain("resnet9_half");
    const model = buildModel("resnet9_half", { seed: 1 });
    const convs = [
      [3, 32],
      [32, 64],
      [64, 64],
      [64, 64],
      [64, 128],
      [128, 256],
      [256, 256],
      [256, 256],
    ];
    const kernels = convs.reduce((sum, [cin, cout]) => sum + 9 * cin! * cout!, 0); // no biases
    const norms = 4 * convs.reduce((sum, [, cout]) => sum + cout!, 0);
    const dense = 256 * 10 + 10;
    expect(model.countParams()).toBe(kernels + norms + dense);
    model.dispose();
  });

  test("ends 4×4×256 before its global pool, whatever the residual pairs add", () => {
    const model = buildModel("resnet9_half", { seed: 1 });
    expect(model.getLayer("add_2").outputShape).toEqual([null, 4, 4, 256]);
    expect(model.getLayer("add_1").outputShape).toEqual([null, 16, 16, 64]);
    model.dispose();
  });

  test("exports to ONNX with parity, its residual adds and global pool mapped", async () => {
    // 16×16 inputs: the same graph at a quarter of the cost of tfjs' JavaScript backend.
    const model = buildModel("resnet9_half", { seed: 2, inputShape: [16, 16, 3] });
    randomizeWeights(model, 3);
    const { onnx } = await exportAndCompare(model);
    expect(nodesOf(onnx, "BatchNormalization")).toHaveLength(8);
    expect(nodesOf(onnx, "Sum")).toHaveLength(2);
    expect(nodesOf(onnx, "GlobalMaxPool")).toHaveLength(1);
  });
});
