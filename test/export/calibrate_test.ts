/** exportModel() with calibrate: a temperature fitted on the run's validation split, baked in. */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.ts";
import { exportModel, parityImages, predictOnnx, withTemperature } from "../../src/export/mod.ts";
import { FERRY_INPUT_SPEC } from "../../src/image/mod.ts";
import { applyTemperature } from "../../src/metrics/mod.ts";
import { saveModel } from "../../src/model/mod.ts";
import { decodeMetadata, encodeOnnxModel } from "../../src/onnx/mod.ts";
import { readOnnxModel } from "../../src/runtime/mod.ts";
import { randomizeWeights } from "./_check.ts";

const CLASSES = ["dark", "light"];
let root: string, runDir: string, data: string;

beforeAll(async () => {
  root = await Deno.makeTempDir({ prefix: "ferry_calibrate_" });
  runDir = join(root, "run");
  data = join(root, "images");
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [4, 4, 3], filters: 2, kernelSize: 2, activation: "relu" }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, activation: "softmax" }),
    ],
  });
  randomizeWeights(model, 11);
  await saveModel(model, runDir, { ferry: { classNames: CLASSES } });
  model.dispose();
  await Deno.writeTextFile(join(runDir, "config.json"), JSON.stringify({ valSplit: 0.5, seed: 4 }));
  for (const [c, name] of CLASSES.entries()) {
    await Deno.mkdir(join(data, name), { recursive: true });
    for (let i = 0; i < 8; i++) {
      const level = c * 128 + i * 15;
      const png = await sharp({
        create: { width: 4, height: 4, channels: 3, background: { r: level, g: level, b: 40 } },
      }).png().toBuffer();
      await Deno.writeFile(join(data, name, `${i}.png`), png);
    }
  }
});
afterAll(() => Deno.remove(root, { recursive: true }));

describe("exportModel() with calibrate", () => {
  test("bakes the fitted temperature in: the graph gives softmax(log p / T) of the plain model", async () => {
    const plain = await exportModel(runDir, { out: join(root, "plain.onnx") });
    const result = await exportModel(runDir, {
      calibrate: true,
      data,
      parityImages: 16,
      out: join(root, "calibrated.onnx"),
    });
    const record = result.metadata.calibration!;
    // Half of each class's 8 images, as config.json's split says.
    expect(record.images).toBe(8);
    expect(record.source).toMatch(/validation split \(fraction 0\.5, seed 4\)/);
    expect(record.temperature).toBeGreaterThan(0);
    expect(record.nll_after).toBeLessThanOrEqual(record.nll_before + 1e-9);
    expect(result.parity.passed).toBe(true);
    const stored = decodeMetadata((await readOnnxModel(result.out)).metadata);
    expect(stored.calibration).toEqual(record);

    const images = await parityImages({ ...FERRY_INPUT_SPEC, width: 4, height: 4 }, { count: 16 });
    const p = await predictOnnx(await Deno.readFile(plain.out), images);
    const expected = applyTemperature(p, 2, record.temperature, "probabilities");
    const actual = await predictOnnx(await Deno.readFile(result.out), images);
    for (let i = 0; i < actual.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 6);
  });

  test("`ferry export --tta flip --calibrate` writes a model that records both", async () => {
    const out = join(root, "cli.onnx");
    const code = await main([
      "export",
      runDir,
      "--data",
      data,
      "--parity-images",
      "16",
      "--tta",
      "flip",
      "--calibrate",
      "--out",
      out,
    ]);
    expect(code).toBe(0);
    const stored = decodeMetadata((await readOnnxModel(out)).metadata);
    expect(stored.tta).toBe("flip");
    expect(stored.calibration?.images).toBe(8);
    expect(stored.parity?.top1_mismatches).toBe(0);
  });

  test("without a data folder it is refused with a usage error", async () => {
    await expect(exportModel(runDir, { calibrate: true })).rejects.toThrow(
      /Cannot calibrate without a data folder/,
    );
  });
});

describe("withTemperature()", () => {
  test("divides a logits model's output by the temperature", async () => {
    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [2, 2, 3] }), tf.layers.dense({ units: 3 })],
    });
    randomizeWeights(model, 5);
    const { toOnnx } = await import("../../src/export/mod.ts");
    const { model: onnx } = toOnnx(model);
    model.dispose();
    const images = await parityImages({ ...FERRY_INPUT_SPEC, width: 2, height: 2 }, { count: 4 });
    const z = await predictOnnx(encodeOnnxModel(onnx), images);
    const scaled = await predictOnnx(encodeOnnxModel(withTemperature(onnx, 2.5, "logits")), images);
    for (let i = 0; i < z.length; i++) expect(scaled[i]).toBeCloseTo(z[i]! / 2.5, 6);
  });
});
