/** exportModel() and `ferry export`: a saved run folder in, a verified model with metadata out. */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.ts";
import { FerryError } from "../../src/errors.ts";
import { exportModel } from "../../src/export/mod.ts";
import { loadModel, saveModel } from "../../src/model/mod.ts";
import { decodeMetadata } from "../../src/onnx/mod.ts";
import { openClassifier, readOnnxModel } from "../../src/runtime/mod.ts";
import { randomizeWeights } from "./_check.ts";

const CLASSES = ["cat", "dog", "emu"];
let root: string;
let runDir: string;

beforeAll(async () => {
  root = await Deno.makeTempDir({ prefix: "ferry_export_" });
  runDir = join(root, "run-7");
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: "relu" }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: "softmax" }),
    ],
  });
  randomizeWeights(model);
  await saveModel(model, runDir, {
    ferry: { classNames: CLASSES, architecture: "tiny_cnn", run: "run-7" },
  });
  model.dispose();
  await Deno.writeTextFile(
    join(runDir, "metrics.json"),
    JSON.stringify({ validation: { accuracy: 0.75, loss: 0.5, confusionMatrix: [[1]] } }),
  );
});

afterAll(async () => {
  await Deno.remove(root, { recursive: true });
});

describe("exportModel()", () => {
  test("writes an ONNX file that carries the run's metadata and its parity figures", async () => {
    const result = await exportModel(runDir);
    expect(result.out).toBe(join(runDir, "model.onnx"));
    expect(result.parity.images).toBe(256);
    expect(result.parity.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    const file = await readOnnxModel(result.out);
    const meta = decodeMetadata(file.metadata);
    expect(meta.classNames).toEqual(CLASSES);
    expect(meta.architecture).toBe("tiny_cnn");
    expect(meta.runId).toBe("run-7");
    expect(meta.validationMetrics).toEqual({ accuracy: 0.75, loss: 0.5 });
    expect(meta.inputSpec).toMatchObject({ width: 8, height: 8, layout: "nhwc", divisor: 255 });
    expect(meta.parity?.images).toBe(256);
    expect(meta.parity?.max_abs_diff).toBe(result.parity.maxAbsDiff);
    const session = await openClassifier(result.out);
    expect(session.info.classNames).toEqual(CLASSES);
    expect(session.info.outputIsProbabilities).toBe(true);
    await session.release();
  });

  test("checks parity on real images from an image folder when given one", async () => {
    const data = join(root, "images");
    for (const [c, name] of CLASSES.entries()) {
      await Deno.mkdir(join(data, name), { recursive: true });
      for (let i = 0; i < 4; i++) {
        const png = await sharp({
          create: { width: 8, height: 8, channels: 3, background: { r: 80 * c, g: 30 * i, b: 99 } },
        }).png().toBuffer();
        await Deno.writeFile(join(data, name, `${i}.png`), png);
      }
    }
    const out = join(root, "real.onnx");
    const result = await exportModel(join(runDir, "model.json"), { data, out, parityImages: 12 });
    expect(result.parity.source).toBe(data);
    expect(result.parity.images).toBe(12);
    expect(result.parity.passed).toBe(true);
    await expect(exportModel(runDir, { data, out, parityImages: 13 })).rejects.toThrow(
      /has only 12 images/,
    );
  });

  test("exports the tfjs format for browsers, reloadable and identical", async () => {
    const out = join(root, "web");
    const result = await exportModel(runDir, { format: "tfjs", out });
    expect(result.parity.maxAbsDiff).toBe(0);
    const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    expect(names).toEqual(["model.json", "weights.bin"]);
    const copy = await loadModel(out);
    expect(copy.getUserDefinedMetadata()).toMatchObject({ ferry: { classNames: CLASSES } });
    copy.dispose();
  });

  test("a tfjs export that fails its check leaves no files behind", async () => {
    const model = await loadModel(runDir);
    const [kernel, bias] = model.layers.at(-1)!.getWeights();
    model.layers.at(-1)!.setWeights([kernel!, tf.fill(bias!.shape, NaN)]);
    const source = join(root, "nan-run");
    await saveModel(model, source, { ferry: { classNames: CLASSES } });
    model.dispose();
    const out = join(root, "nan-web");
    await expect(exportModel(source, { format: "tfjs", out })).rejects.toThrow(/disagrees/);
    const left = [...Deno.readDirSync(root)].map((e) => e.name).filter((n) =>
      n.startsWith("nan-web")
    );
    expect(left).toEqual([]);
  });

  test("a folder without a model is a not_found error", async () => {
    const error = await exportModel(join(root, "nothing")).catch((e) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect(error.kind).toBe("not_found");
  });
});

describe("ferry export", () => {
  test("exports a run folder to --out and returns 0", async () => {
    const out = join(root, "cli.onnx");
    expect(await main(["export", runDir, "--out", out, "--labels", "a,b,c"])).toBe(0);
    const meta = decodeMetadata((await readOnnxModel(out)).metadata);
    expect(meta.classNames).toEqual(["a", "b", "c"]);
    const record = JSON.parse(await Deno.readTextFile(join(root, "cli.export.json")));
    expect(record.config).toMatchObject({
      format: "onnx",
      parityImages: 256,
      labels: ["a", "b", "c"],
    });
    expect(record.parity).toMatchObject({ images: 256, top1Mismatches: 0, passed: true });
  });

  test("--quantize int8 also writes an int8 copy, calibrated on other images than its check", async () => {
    const data = join(root, "noise");
    let seed = 11;
    for (const name of CLASSES) {
      await Deno.mkdir(join(data, name), { recursive: true });
      for (let i = 0; i < 30; i++) {
        const pixels = Uint8Array.from(
          { length: 8 * 8 * 3 },
          () => (seed = (seed * 75 + 74) % 65537) % 256,
        );
        const png = await sharp(pixels, { raw: { width: 8, height: 8, channels: 3 } }).png()
          .toBuffer();
        await Deno.writeFile(join(data, name, `${i}.png`), png);
      }
    }
    const out = join(root, "q.onnx");
    const args = ["export", runDir, "--out", out, "--data", data, "--parity-images", "30"];
    expect(await main([...args, "--quantize", "int8", "--calibration-images", "60"])).toBe(0);
    const int8 = await readOnnxModel(join(root, "q.int8.onnx"));
    const meta = decodeMetadata(int8.metadata);
    expect(meta.classNames).toEqual(CLASSES);
    expect(meta.quantization).toMatchObject({ scheme: "int8", calibration_images: 60, images: 30 });
    expect(meta.quantization!.top1_agreement).toBeGreaterThanOrEqual(0.97);
    const record = JSON.parse(await Deno.readTextFile(join(root, "q.export.json")));
    expect(record.quantized.out).toBe(join(root, "q.int8.onnx"));
    // 30 checked + 60 calibration images: one more would overlap, and is refused.
    expect(await main([...args, "--quantize", "int8", "--calibration-images", "61"])).not.toBe(0);
  });

  test("--quantize without --data, or other than int8, is a usage error (exit 2)", async () => {
    expect(await main(["export", runDir, "--out", join(root, "x.onnx"), "--quantize", "int8"]))
      .toBe(2);
    expect(await main(["export", runDir, "--quantize", "int4"])).toBe(2);
    await expect(Deno.stat(join(root, "x.onnx"))).rejects.toThrow();
  });

  test("a bad --format is a usage error (exit 2)", async () => {
    expect(await main(["export", runDir, "--format", "tflite"])).toBe(2);
  });
});
