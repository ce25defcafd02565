import { FerryError } from "../errors.ts";
import { preprocess } from "../image/mod.ts";
import { topK } from "../runtime/mod.ts";
import type { ServedModel } from "./_models.ts";
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
}

/** The predictions for a request's images, in upload order, with time spent per stage. */
export async function classifyImages(
  images: Uint8Array[],
  context: ClassifyContext,
): Promise<{ predictions: Prediction[]; decodeMs: number; inferenceMs: number }> {
  const { model, limits, metrics } = context;
  const info = model.session.info;
  const deadline = performance.now() + limits.deadlineMs;
  const started = performance.now();
  const options = {
    maxPixels: limits.maxPixels,
    allowVector: limits.allowVector,
    ...(context.background ? { background: context.background } : {}),
  };
  const inputs = await Promise.all(images.map(async (bytes, i) => {
    try {
      return await preprocess(bytes, info.inputSpec, options);
    } catch (error) {
      throw images.length > 1 ? naming(error, i, images.length) : error;
    }
  }));
  metrics.imagesDecoded.inc({}, inputs.length);
  const decoded = performance.now();
  const outputs = await model.batcher.submitAll(inputs, { deadline });
  const inferred = performance.now();
  const predictions = outputs.map((probabilities) =>
    predictionOf(probabilities, info.classNames, context.topK)
  );
  return { predictions, decodeMs: decoded - started, inferenceMs: inferred - decoded };
}

function naming(error: unknown, index: number, count: number): unknown {
  if (!(error instanceof FerryError)) return error;
  return new FerryError(error.kind, `Image ${index + 1} of ${count}: ${error.message}`, {
    httpStatus: error.httpStatus,
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
