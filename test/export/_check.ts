/**
 * Shared steps of the exporter tests: a tiny tfjs model on the cpu backend, exported, run in
 * onnxruntime-node on 256 seeded random images and compared with tfjs.
 */
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";
import { checkParity, parityImages, type ParityResult, toOnnx } from "../../src/export/mod.ts";
import { FERRY_INPUT_SPEC } from "../../src/image/mod.ts";
import type { OnnxModel, OnnxNode } from "../../src/onnx/mod.ts";

await tf.setBackend("cpu");

/** Exports `model`, checks parity on 256 images, and returns the ONNX model and the figures. */
export async function exportAndCompare(
  model: tf.LayersModel,
): Promise<{ onnx: OnnxModel; parity: ParityResult }> {
  const { bytes, model: onnx } = toOnnx(model);
  const [, height, width] = model.inputs[0]!.shape as number[];
  const images = await parityImages({ ...FERRY_INPUT_SPEC, width: width!, height: height! });
  const parity = await checkParity(model, bytes, images);
  expect(parity.images).toBe(256);
  expect(parity.maxAbsDiff).toBeLessThanOrEqual(1e-5);
  expect(parity.top1Mismatches).toBe(0);
  model.dispose();
  return { onnx, parity };
}

/** Nodes of `onnx` with op type `op`. */
export function nodesOf(onnx: OnnxModel, op: string): OnnxNode[] {
  return onnx.graph!.node.filter((n) => n.opType === op);
}

/** An int or ints attribute of a node as plain numbers. */
export function intsAttr(node: OnnxNode, name: string): number[] | number | undefined {
  const a = node.attribute?.find((x) => x.name === name);
  if (!a) return undefined;
  return a.ints ? a.ints.map(Number) : a.i !== undefined ? Number(a.i) : undefined;
}

/** Gives every weight of `model` seeded random values (BatchNorm variances positive). */
export function randomizeWeights(model: tf.LayersModel, seed = 7): void {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const fresh = layer.weights.map((w, i) => {
      const shape = weights[i]!.shape;
      const size = shape.reduce((a, b) => a * b, 1);
      const positive = w.originalName.endsWith("moving_variance");
      const values = Float32Array.from(
        { length: size },
        () => positive ? 0.5 + next() : (next() - 0.5) * 1.2,
      );
      return tf.tensor(values, shape);
    });
    layer.setWeights(fresh);
    tf.dispose(fresh);
  }
}

/** A Sequential model over `[size, size, 3]` images, weights randomised. */
export function sequential(layers: tf.layers.Layer[], size = 8): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.inputLayer({ inputShape: [size, size, 3] }));
  for (const layer of layers) model.add(layer);
  randomizeWeights(model);
  return model;
}
