import { describe, expect, test } from "vitest";
import { buildModel, listArchitectures } from "../../src/model/mod.ts";
import { exportAndCompare, nodesOf, randomizeWeights } from "../export/_check.ts";

describe("vgg_bn", () => {
  test("is registered and has the parameters its layers imply", () => {
    expect(listArchitectures().map((a) => a.name)).toContain("vgg_bn");
    const model = buildModel("vgg_bn", { seed: 1 });
    const convs = [[3, 32], [32, 32], [32, 64], [64, 64], [64, 128], [128, 128]];
    const kernels = convs.reduce((sum, [cin, cout]) => sum + 9 * cin! * cout!, 0); // no biases
    const norms = 4 * (convs.reduce((sum, [, cout]) => sum + cout!, 0) + 128);
    const dense = 4 * 4 * 128 * 128 + (128 * 10 + 10);
    expect(model.countParams()).toBe(kernels + norms + dense);
    model.dispose();
  });

  test("exports to ONNX with parity, its BatchNormalizations in inference form", async () => {
    // 24×24 inputs: the same graph at about half the cost on tfjs' JavaScript backend.
    const model = buildModel("vgg_bn", { seed: 2, inputShape: [24, 24, 3] });
    randomizeWeights(model, 3);
    const { onnx } = await exportAndCompare(model);
    expect(nodesOf(onnx, "BatchNormalization")).toHaveLength(7);
  });
});
