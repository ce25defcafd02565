/** The parity check can fail: a model that is off by more than 1e-5 is caught and refused. */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  assertParity,
  checkParity,
  parityImages,
  readRunInfo,
  toOnnx,
} from "../../src/export/mod.ts";
import { FERRY_INPUT_SPEC } from "../../src/image/mod.ts";
import { encodeOnnxModel } from "../../src/onnx/mod.ts";
import { sequential } from "./_check.ts";

describe("checkParity()", () => {
  test("a bias nudged by 1e-3 in the ONNX file fails the check with both figures", async () => {
    const model = sequential([tf.layers.flatten(), tf.layers.dense({ units: 4 })], 4);
    const { model: onnx } = toOnnx(model);
    const bias = onnx.graph!.initializer!.find((t) => t.name.endsWith("/bias"))!;
    const values = new Float32Array(bias.rawData!.slice().buffer);
    values[2]! += 1e-3;
    bias.rawData = new Uint8Array(values.buffer);
    const images = await parityImages({ ...FERRY_INPUT_SPEC, width: 4, height: 4 });
    const result = await checkParity(model, encodeOnnxModel(onnx), images);
    model.dispose();
    expect(result.passed).toBe(false);
    expect(result.maxAbsDiff).toBeGreaterThan(9e-4);
    expect(() => assertParity(result)).toThrow(
      /disagrees with the tfjs model on random pixels \(seed 1\): max \|Δ\| = 1\.00e-3 .*top-1 differs on \d+ of 256 images/,
    );
  });
});

describe("readRunInfo()", () => {
  test("falls back to classes.json, config.json and the folder name", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry_run_info_" });
    try {
      await Deno.writeTextFile(join(dir, "classes.json"), JSON.stringify(["x", "y"]));
      await Deno.writeTextFile(join(dir, "config.json"), JSON.stringify({ architecture: "arch" }));
      await Deno.writeTextFile(
        join(dir, "metrics.json"),
        JSON.stringify({ validation: { accuracy: 0.5 }, test: { accuracy: 0.4, loss: 1.5 } }),
      );
      expect(await readRunInfo(dir)).toEqual({
        classNames: ["x", "y"],
        architecture: "arch",
        runId: dir.split("/").at(-1),
        validationMetrics: { accuracy: 0.5 },
        testMetrics: { accuracy: 0.4, loss: 1.5 },
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});
