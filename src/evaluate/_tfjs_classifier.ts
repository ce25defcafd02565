// The tfjs branch of `evaluate`: loaded only when the model is a tfjs `model.json`, so evaluating
// an ONNX model never imports TensorFlow.js (the house rule for runtime, serve and classify).
import { basename, dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { FerryError } from "../errors.ts";
import { FERRY_INPUT_SPEC, type InputSpec, valuesPerImage } from "../image/mod.ts";
import { loadModel } from "../model/mod.ts";
import type { Reporter } from "../progress/mod.ts";
import type { ClassifierSession, ModelOverrides } from "../runtime/mod.ts";
import { initBackend } from "../train/backend/mod.ts";

/**
 * Opens a tfjs Layers model (`model.json` or its folder) as a {@linkcode ClassifierSession}.
 * Class names: `overrides.labels`, else `classes.json` beside the model (a training run's),
 * else "0".."K-1". Input: ferry's spec unless overridden.
 */
export async function openTfjsClassifier(
  path: string,
  overrides: ModelOverrides,
  reporter: Reporter,
): Promise<ClassifierSession> {
  const dir = path.endsWith(".json") ? dirname(path) : path;
  await initBackend("auto", reporter);
  const model = await loadModel(dir);
  const outputs = model.outputs[0]?.shape.at(-1);
  if (typeof outputs !== "number") {
    throw new FerryError("model", `Cannot use model '${path}': its output has no class dimension`);
  }
  const classNames = overrides.labels ?? await readClasses(join(dir, "classes.json")) ??
    Array.from({ length: outputs }, (_, i) => String(i));
  if (classNames.length !== outputs) {
    throw new FerryError(
      "model",
      `Cannot use model '${path}': it has ${outputs} outputs but ${classNames.length} class names`,
    );
  }
  if (overrides.layout === "nchw") {
    throw new FerryError(
      "usage",
      `Cannot use layout nchw with model '${path}': a tfjs model takes NHWC input`,
    );
  }
  const inputSpec: InputSpec = {
    width: overrides.width ?? FERRY_INPUT_SPEC.width,
    height: overrides.height ?? FERRY_INPUT_SPEC.height,
    layout: "nhwc",
    channelOrder: overrides.channelOrder ?? FERRY_INPUT_SPEC.channelOrder,
    divisor: overrides.divisor ?? FERRY_INPUT_SPEC.divisor,
    mean: overrides.mean ?? FERRY_INPUT_SPEC.mean,
    std: overrides.std ?? FERRY_INPUT_SPEC.std,
  };
  const perImage = valuesPerImage(inputSpec);
  return {
    info: {
      name: basename(dir),
      path,
      inputSpec,
      classNames,
      inputName: model.inputs[0]?.name ?? "input",
      outputName: model.outputs[0]?.name ?? "output",
      outputIsProbabilities: overrides.output !== "logits",
      provider: "cpu",
      metadata: {},
    },
    // deno-lint-ignore require-await -- async: any failure rejects rather than throws
    async run(input: Float32Array, count: number): Promise<Float32Array> {
      if (input.length !== count * perImage) {
        throw new FerryError(
          "usage",
          `Cannot run model '${path}': ${input.length} input values for ${count} images of ` +
            `${perImage}`,
        );
      }
      const probabilities = tf.tidy(() => {
        const x = tf.tensor4d(input, [count, inputSpec.height, inputSpec.width, 3]);
        const y = model.predict(x) as tf.Tensor;
        return overrides.output === "logits" ? tf.softmax(y) : y;
      });
      const data = probabilities.dataSync() as Float32Array;
      probabilities.dispose();
      return data;
    },
    release(): Promise<void> {
      model.dispose();
      return Promise.resolve();
    },
  };
}

async function readClasses(path: string): Promise<string[] | undefined> {
  try {
    const value = JSON.parse(await Deno.readTextFile(path));
    return Array.isArray(value) && value.every((c) => typeof c === "string") ? value : undefined;
  } catch {
    return undefined;
  }
}
