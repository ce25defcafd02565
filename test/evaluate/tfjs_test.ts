import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FerryError } from "../../src/errors.ts";
import { openTfjsClassifier } from "../../src/evaluate/_tfjs_classifier.ts";
import { runEvaluation } from "../../src/evaluate/mod.ts";
import { exportModel } from "../../src/export/mod.ts";
import { saveModel } from "../../src/model/mod.ts";
import { silentReporter } from "../../src/progress/mod.ts";
import { writeColorFolder } from "./_folder.ts";

const CLASSES = ["red", "green", "blue"];
let dir: string;
let data: string;

beforeAll(async () => {
  dir = await Deno.makeTempDir();
  data = await writeColorFolder(join(dir, "data"));
  // The tiny ONNX fixture's rule as a tfjs model: channel means → 4·own − 2·others → softmax.
  const model = tf.sequential();
  model.add(tf.layers.globalAveragePooling2d({ inputShape: [32, 32, 3] }));
  model.add(tf.layers.dense({ units: 3, activation: "softmax" }));
  model.layers[1]!.setWeights([
    tf.tensor2d([4, -2, -2, -2, 4, -2, -2, -2, 4], [3, 3]),
    tf.zeros([3]),
  ]);
  await saveModel(model, join(dir, "run"));
  model.dispose();
  await Deno.writeTextFile(join(dir, "run", "classes.json"), JSON.stringify(CLASSES));
  await exportModel(join(dir, "run"), {
    out: join(dir, "run", "model.onnx"),
    metadata: { classNames: CLASSES },
  });
});
afterAll(async () => {
  await Deno.remove(dir, { recursive: true });
});

describe("runEvaluation() on a tfjs model", () => {
  test("reports what its ONNX export reports, and the export's evaluation matches it", async () => {
    const tfjs = await runEvaluation({
      model: join(dir, "run", "model.json"),
      data,
      cache: false,
      digits: 4,
      out: join(dir, "tfjs-eval"),
    });
    expect(tfjs.context.model.format).toBe("tfjs");
    expect(tfjs.evaluation.classNames).toEqual(CLASSES);
    expect(tfjs.evaluation.confusionMatrix).toEqual([[2, 1, 0], [0, 2, 0], [1, 0, 2]]);
    const onnx = await runEvaluation({
      model: join(dir, "run", "model.onnx"),
      data,
      cache: false,
      digits: 4,
      recorded: join(dir, "tfjs-eval", "report.json"),
    });
    expect(onnx.evaluation.reportText).toBe(tfjs.evaluation.reportText);
    // Probabilities agree within the export's parity tolerance (1e-5); -log amplifies that a little.
    expect(Math.abs(onnx.evaluation.loss - tfjs.evaluation.loss)).toBeLessThan(1e-4);
    expect(onnx.context.comparison).toMatchObject({ split: "evaluation", matches: true });
  });
});

describe("openTfjsClassifier()", () => {
  test("a wrong input size is a usage error that rejects; layout nchw is refused", async () => {
    const model = join(dir, "run", "model.json");
    const session = await openTfjsClassifier(model, {}, silentReporter);
    try {
      const running = session.run(new Float32Array(10), 1);
      expect(running).toBeInstanceOf(Promise);
      const error = await running.catch((e) => e);
      expect(error).toBeInstanceOf(FerryError);
      expect(error.kind).toBe("usage");
      expect(error.message).toMatch(/10 input values for 1 images of 3072/);
    } finally {
      await session.release();
    }
    const refused = await openTfjsClassifier(model, { layout: "nchw" }, silentReporter)
      .catch((e) => e);
    expect(refused).toBeInstanceOf(FerryError);
    expect(refused.kind).toBe("usage");
  });
});
