/**
 * Temperature scaling baked into the exported graph: the temperature is fitted on the run's
 * held-out validation images (carved from the training folder as `ferry train` carved them), and
 * the graph divides the model's logits by it before the softmax. A model that ends in a softmax
 * hands out probabilities p, not logits; log p differs from the logits by one constant per image,
 * which the softmax cancels, so the graph computes softmax(log p / T).
 *
 * @module
 */
import { join } from "node:path";
import { loadImageFolder, stratifiedSplit } from "../data/mod.ts";
import { FerryError } from "../errors.ts";
import { normalizeInto, valuesPerImage } from "../image/mod.ts";
import {
  applyTemperature,
  calibration,
  categoricalCrossEntropy,
  fitTemperature,
  LOG_FLOOR,
} from "../metrics/mod.ts";
import {
  type CalibrationRecord,
  encodeOnnxModel,
  type FerryMetadata,
  type OnnxModel,
} from "../onnx/mod.ts";
import { runOnnxBatches } from "./parity.ts";
import type { ParityImages } from "./parity_images.ts";
import { wrapOutput } from "./_wrap.ts";

/** The validation split of the training folder: its fraction and the split's seed. */
export interface ValidationSplit {
  fraction: number;
  seed: number;
}

/**
 * `model` with its output divided by temperature `t` before the softmax: probabilities become
 * softmax(log max(p, 1e-30) / t), logits become logits / t.
 *
 * @example
 * ```ts
 * import type { OnnxModel } from "../onnx/mod.ts";
 * import { withTemperature } from "./mod.ts";
 *
 * declare const onnx: OnnxModel; // ends in a softmax
 * const calibrated = withTemperature(onnx, 1.7, "probabilities");
 * ```
 */
export function withTemperature(
  model: OnnxModel,
  t: number,
  kind: FerryMetadata["output"],
): OnnxModel {
  if (!(t > 0) || !Number.isFinite(t)) {
    throw new FerryError("usage", `Cannot scale by temperature ${t}: it must be positive`);
  }
  return wrapOutput(model, (graph, scores, out) => {
    const temperature = graph.floats("calibration/temperature", [], [t]);
    if (kind === "logits") {
      graph.node("Div", [scores, temperature], {}, out);
      return;
    }
    const floored = graph.node("Max", [scores, graph.floats("calibration/floor", [], [LOG_FLOOR])]);
    const scaled = graph.node("Div", [graph.node("Log", [floored]), temperature]);
    graph.node("Softmax", [scaled], { axis: -1 }, out);
  });
}

/** The run folder's validation split, from `options` or the run's config.json. */
export async function runValidationSplit(
  dir: string,
  given?: ValidationSplit,
): Promise<ValidationSplit> {
  if (given) return given;
  const saved: { valSplit?: unknown; seed?: unknown } = await Deno.readTextFile(
    join(dir, "config.json"),
  ).then((text) => JSON.parse(text), () => ({}));
  if (typeof saved.valSplit !== "number" || typeof saved.seed !== "number") {
    throw new FerryError(
      "usage",
      `Cannot calibrate: no validation split (valSplit, seed) in ${join(dir, "config.json")}`,
    );
  }
  return { fraction: saved.valSplit, seed: saved.seed };
}

/**
 * Fits the softmax temperature of `model` (after any TTA) on the validation images of `data`
 * and returns the model with it baked in and the record for its metadata.
 */
export async function calibrateModel(
  model: OnnxModel,
  metadata: FerryMetadata,
  data: string,
  split: ValidationSplit,
): Promise<{ model: OnnxModel; record: CalibrationRecord }> {
  const { images, labels } = await validationImages(metadata, data, split);
  const k = metadata.classNames.length;
  const before = new Float32Array(images.count * k);
  let offset = 0;
  await runOnnxBatches(encodeOnnxModel(model), images, {}, ([rows]) => {
    before.set(rows!, offset);
    offset += rows!.length;
  });
  const temperature = fitTemperature(before, labels, k, metadata.output);
  const after = applyTemperature(before, k, temperature, metadata.output);
  const probabilities = (scores: Float32Array) =>
    metadata.output === "logits" ? applyTemperature(scores, k, 1, "logits") : scores;
  const record: CalibrationRecord = {
    temperature,
    ece_before: calibration(probabilities(before), labels, k).ece,
    ece_after: calibration(after, labels, k).ece,
    nll_before: categoricalCrossEntropy(probabilities(before), labels, k),
    nll_after: categoricalCrossEntropy(after, labels, k),
    images: images.count,
    source: images.source,
  };
  return { model: withTemperature(model, temperature, metadata.output), record };
}

/** The validation split of `data`, normalised for the model, with labels in its class order. */
async function validationImages(
  metadata: FerryMetadata,
  data: string,
  split: ValidationSplit,
): Promise<{ images: ParityImages; labels: Uint8Array }> {
  const spec = { ...metadata.inputSpec, layout: "nhwc" as const };
  const { dataset } = await loadImageFolder(data, { width: spec.width, height: spec.height });
  const part = stratifiedSplit(dataset, split).validation;
  const position = new Map(metadata.classNames.map((name, i) => [name, i]));
  const map = part.classNames.map((name) => {
    const i = position.get(name);
    if (i === undefined) {
      throw new FerryError("dataset", `Cannot calibrate: the model has no class "${name}"`);
    }
    return i;
  });
  const size = valuesPerImage(spec);
  const x = new Float32Array(part.count * size);
  const pixels = part.width * part.height * 3;
  for (let i = 0; i < part.count; i++) {
    const image = part.images.subarray(i * pixels, (i + 1) * pixels);
    normalizeInto({ data: image, width: part.width, height: part.height }, x, i * size, spec);
  }
  return {
    images: {
      x,
      count: part.count,
      shape: [spec.height, spec.width, 3],
      source: `${data}, validation split (fraction ${split.fraction}, seed ${split.seed})`,
    },
    labels: Uint8Array.from(part.labels, (label) => map[label]!),
  };
}

/** The fitted temperature and its effect as one line, as the CLI prints it. */
export function calibrationLine(c: CalibrationRecord): string {
  return `temperature ${c.temperature.toFixed(3)} fitted on ${c.images} images (${c.source}): ` +
    `ECE ${(100 * c.ece_before).toFixed(2)}% → ${(100 * c.ece_after).toFixed(2)}%, ` +
    `NLL ${c.nll_before.toFixed(4)} → ${c.nll_after.toFixed(4)}`;
}
