import { FerryError } from "../errors.ts";
import {
  declaredPixels,
  type DecodePool,
  preprocessInto,
  type PreprocessOptions,
  valuesPerImage,
} from "../image/mod.ts";
import type { InputSpec } from "../image/mod.ts";
import { topK } from "../runtime/mod.ts";
import type { ServedModel } from "./registry.ts";
import type { ServeMetrics } from "./metrics.ts";
import type { ServeLimits } from "./options.ts";

/** One class and its probability. */
export interface Scored {
  label: string;
  probability: number;
}

/** One image's answer in `/v1/classify`. */
export interface Prediction extends Scored {
  top_k: Scored[];
}

/** What {@linkcode classifyImages} needs besides the images. */
export interface ClassifyContext {
  model: ServedModel;
  limits: ServeLimits;
  metrics: ServeMetrics;
  topK: number;
  background?: { r: number; g: number; b: number };
  /** Decode on these worker threads instead of the event loop's thread. */
  decodePool?: DecodePool;
}

/** The predictions for a request's images, in upload order, with time spent per stage. */
export async function classifyImages(
  images: Uint8Array[],
  context: ClassifyContext,
): Promise<{ predictions: Prediction[]; decodeMs: number; inferenceMs: number }> {
  const { model, limits } = context;
  const info = model.session.info;
  const deadline = performance.now() + limits.deadlineMs;
  const started = performance.now();
  const inputs = await imagesToTensors(images, info.inputSpec, context);
  const decoded = performance.now();
  const outputs = await model.batcher.submitAll(inputs, { deadline });
  const inferred = performance.now();
  const predictions = outputs.map((probabilities) =>
    predictionOf(probabilities, info.classNames, context.topK)
  );
  return { predictions, decodeMs: decoded - started, inferenceMs: inferred - decoded };
}

/**
 * Refuses a request whose images declare more pixels in all than the budget, before decoding.
 * An image over `maxPixels` on its own is left to the decoder, whose answer (422) names it.
 */
function checkRequestPixels(images: Uint8Array[], limits: ServeLimits): void {
  const each = images.map((bytes) => declaredPixels(bytes) ?? 0);
  if (each.some((pixels) => pixels > limits.maxPixels)) return;
  const pixels = each.reduce((a, b) => a + b, 0);
  if (pixels > limits.maxRequestPixels) {
    throw new FerryError(
      "too_large",
      `Cannot decode ${images.length} images of ${pixels} pixels in all: ` +
        `the limit per request is ${limits.maxRequestPixels}`,
    );
  }
}

/**
 * Encoded images as model inputs through the image room's one path, on the decode pool when
 * there is one; an error names the image when there are several.
 */
export async function imagesToTensors(
  images: Uint8Array[],
  spec: InputSpec,
  context: Pick<ClassifyContext, "limits" | "metrics" | "background" | "decodePool">,
): Promise<Float32Array[]> {
  const { limits } = context;
  checkRequestPixels(images, limits);
  const options = {
    maxPixels: limits.maxPixels,
    allowVector: limits.allowVector,
    ...(context.background ? { background: context.background } : {}),
  };
  const inputs = await Promise.all(images.map(async (bytes, i) => {
    try {
      return await toTensor(bytes, spec, options, context.decodePool);
    } catch (error) {
      throw images.length > 1 ? naming(error, i, images.length) : error;
    }
  }));
  context.metrics.imagesDecoded.inc({}, inputs.length);
  return inputs;
}

/** One image's model input, through {@linkcode preprocessInto}: on the pool when there is one. */
async function toTensor(
  bytes: Uint8Array,
  spec: InputSpec,
  options: PreprocessOptions,
  pool: DecodePool | undefined,
): Promise<Float32Array> {
  const out = new Float32Array(valuesPerImage(spec));
  if (pool) await pool.preprocessInto(bytes, spec, out, 0, options);
  else await preprocessInto(bytes, spec, out, 0, options);
  return out;
}

function naming(error: unknown, index: number, count: number): unknown {
  if (!(error instanceof FerryError)) return error;
  return new FerryError(error.kind, `Image ${index + 1} of ${count}: ${error.message}`, {
    cause: error,
  });
}

function predictionOf(probabilities: Float32Array, classNames: string[], k: number): Prediction {
  const top = topK(probabilities, classNames, Math.max(1, k)).map(({ label, probability }) => ({
    label,
    probability,
  }));
  return { ...top[0]!, top_k: top };
}
