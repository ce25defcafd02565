/**
 * Every export proves itself: the tfjs model and onnxruntime run the same images and their
 * outputs must agree to 1e-5, with the same top-1 class for every image.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { FerryError } from "../errors.ts";
import { applyTemperature } from "../metrics/mod.ts";
import type { FerryMetadata } from "../onnx/mod.ts";
import { createOrtSession, type SessionOptions } from "../runtime/mod.ts";
import * as ort from "onnxruntime-node";
import type { ParityImages } from "./parity_images.ts";
import { ttaMean, type TtaMode } from "./tta.ts";

/** Largest absolute difference in an output value that an export accepts. */
export const PARITY_TOLERANCE = 1e-5;

/** Images per run of each model in a parity check. */
const PARITY_BATCH_SIZE = 64;

/** What a parity check measured. */
export interface ParityResult {
  /** Largest |tfjs − onnxruntime| over every output value of every image. */
  maxAbsDiff: number;
  /** Images whose top-1 class differs between the two. */
  top1Mismatches: number;
  images: number;
  source: string;
  /** Whether both figures are within bounds (≤ tolerance, no mismatch). */
  passed: boolean;
}

/** Options of {@linkcode checkParity}. */
export interface ParityOptions extends Pick<SessionOptions, "threads"> {
  /** Largest accepted |Δ|. @default PARITY_TOLERANCE */
  tolerance?: number;
  /** Images per run of each model. @default PARITY_BATCH_SIZE */
  batchSize?: number;
  /** The TTA the ONNX graph bakes in: tfjs's side is its weighted mean over the same views. */
  tta?: TtaMode;
  /** The temperature the ONNX graph bakes in, applied to tfjs's side (after any TTA). */
  temperature?: { t: number; output: FerryMetadata["output"] };
}

/**
 * Runs `model` (tfjs) and the ONNX `bytes` (onnxruntime-node, CPU) on `images` and compares their
 * raw outputs. Does not throw on a failed comparison: see `passed`, or use
 * {@linkcode assertParity}.
 */
export async function checkParity(
  model: tf.LayersModel,
  bytes: Uint8Array,
  images: ParityImages,
  options: ParityOptions = {},
): Promise<ParityResult> {
  const tolerance = options.tolerance ?? PARITY_TOLERANCE;
  const batchSize = options.batchSize ?? PARITY_BATCH_SIZE;
  // tfjs first: a throw there leaves no onnxruntime session behind.
  const run = (x: Float32Array, n: number) => predictTfjs(model, x, n, batchSize);
  let expected = options.tta
    ? ttaMean(run, images.x, images.count, images.shape, options.tta)
    : run(images.x, images.count);
  if (options.temperature) {
    const { t, output } = options.temperature;
    // Logits stay logits (divided); probabilities go through the softmax again, as in the graph.
    expected = output === "logits"
      ? expected.map((v) => v / t)
      : applyTemperature(expected, expected.length / images.count, t, output);
  }
  const actual = await predictOnnx(bytes, images, {
    batchSize,
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
  });
  if (actual.length !== expected.length) {
    throw new FerryError(
      "model",
      `Cannot check parity: onnxruntime gave ${actual.length / images.count} values per image, ` +
        `tfjs ${expected.length / images.count}`,
    );
  }
  const { maxAbsDiff, top1Mismatches } = compareOutputs(expected, actual, images.count);
  return {
    maxAbsDiff,
    top1Mismatches,
    images: images.count,
    source: images.source,
    passed: maxAbsDiff <= tolerance && top1Mismatches === 0,
  };
}

/** Largest |Δ| and the number of differing argmaxes between two `n`-row outputs. */
export function compareOutputs(
  expected: Float32Array,
  actual: Float32Array,
  n: number,
): { maxAbsDiff: number; top1Mismatches: number } {
  const width = expected.length / n;
  let maxAbsDiff = 0, top1Mismatches = 0;
  for (let i = 0; i < n; i++) {
    let bestE = 0, bestA = 0;
    for (let k = 0; k < width; k++) {
      const e = expected[i * width + k]!, a = actual[i * width + k]!;
      // NaN on either side fails the check.
      const diff = Number.isNaN(e - a) ? Infinity : Math.abs(e - a);
      if (diff > maxAbsDiff) maxAbsDiff = diff;
      if (e > expected[i * width + bestE]!) bestE = k;
      if (a > actual[i * width + bestA]!) bestA = k;
    }
    if (bestE !== bestA) top1Mismatches++;
  }
  return { maxAbsDiff, top1Mismatches };
}

/**
 * Runs the ONNX model `bytes` (onnxruntime-node, CPU) on NHWC `images` in batches; returns its
 * outputs, row after row.
 */
export async function predictOnnx(
  bytes: Uint8Array,
  images: ParityImages,
  options: Pick<ParityOptions, "threads" | "batchSize"> = {},
): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  await runOnnxBatches(bytes, images, options, (outputs) => parts.push(outputs[0]!));
  return concat(parts);
}

/**
 * Runs the ONNX model `bytes` (onnxruntime-node, CPU) on NHWC `images`, `batchSize` at a time, and
 * hands each batch's outputs to `onBatch`: the values named in `fetches`, or the first output.
 */
export async function runOnnxBatches(
  bytes: Uint8Array,
  images: ParityImages,
  options: Pick<ParityOptions, "threads" | "batchSize"> & { fetches?: string[] },
  onBatch: (outputs: Float32Array[]) => void,
): Promise<void> {
  const batchSize = options.batchSize ?? PARITY_BATCH_SIZE;
  const { session } = await createOrtSession(bytes, "(exported model)", {
    providers: ["cpu"],
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
  });
  const fetches = options.fetches ?? [session.outputNames[0]!];
  const perImage = images.shape.reduce((a, b) => a * b, 1);
  try {
    for (let start = 0; start < images.count; start += batchSize) {
      const n = Math.min(batchSize, images.count - start);
      const x = images.x.slice(start * perImage, (start + n) * perImage);
      const result = await session.run(
        { [session.inputNames[0]!]: new ort.Tensor("float32", x, [n, ...images.shape]) },
        fetches,
      );
      onBatch(fetches.map((name) => result[name]!.data as Float32Array));
    }
  } finally {
    await session.release();
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Runs a tfjs model on `count` NHWC images in batches; returns its outputs, row after row. */
export function predictTfjs(
  model: tf.LayersModel,
  x: Float32Array,
  count: number,
  batchSize = PARITY_BATCH_SIZE,
): Float32Array {
  const [, h, w, c] = model.inputs[0]!.shape as [null, number, number, number];
  const parts: Float32Array[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const slice = x.subarray(start * h * w * c, (start + n) * h * w * c);
    parts.push(tf.tidy(() => {
      const y = model.predict(tf.tensor4d(slice, [n, h, w, c])) as tf.Tensor;
      return y.dataSync() as Float32Array;
    }));
  }
  return concat(parts);
}

/** Throws a `model` FerryError stating both figures when a parity check failed. */
export function assertParity(result: ParityResult, tolerance = PARITY_TOLERANCE): void {
  if (result.passed) return;
  throw new FerryError(
    "model",
    `Cannot export: the ONNX model disagrees with the tfjs model on ${result.source}: ` +
      `max |Δ| = ${result.maxAbsDiff.toExponential(2)} (limit ${tolerance.toExponential(0)}), ` +
      `top-1 differs on ${result.top1Mismatches} of ${result.images} images`,
  );
}
