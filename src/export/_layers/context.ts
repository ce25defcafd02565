/**
 * What a layer mapper gets: the tfjs layer, its config and weights, the graph values of its
 * inputs, and the graph to add nodes to. Each mapper returns the value of the layer's output.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { FerryError } from "../../errors.ts";
import type { GraphBuilder, GraphValue } from "../_graph.ts";

/** One layer being exported. */
export interface LayerContext {
  layer: tf.layers.Layer;
  className: string;
  config: Record<string, unknown>;
  inputs: GraphValue[];
  /** The Keras shape of the layer's output. */
  outputShape: (number | null)[];
  graph: GraphBuilder;
}

/** Maps one tfjs layer onto ONNX nodes. */
export type LayerMapper = (ctx: LayerContext) => GraphValue;

/** The exporter's one error: names the layer, its class and what cannot be exported. */
export function unsupported(ctx: Pick<LayerContext, "layer" | "className">, why: string): never {
  throw new FerryError(
    "model",
    `Cannot export layer '${ctx.layer.name}' (${ctx.className}): ${why}`,
  );
}

/** The layer's single input; fails for a layer fed by several. */
export function single(ctx: LayerContext): GraphValue {
  if (ctx.inputs.length !== 1) unsupported(ctx, `expected 1 input, got ${ctx.inputs.length}`);
  return ctx.inputs[0]!;
}

/** The single input as a 4-D image (NCHW in the graph); fails for anything else. */
export function image(
  ctx: LayerContext,
): GraphValue & { shape: [null, number | null, number | null, number] } {
  const x = single(ctx);
  if (x.layout !== "nchw" || x.shape.length !== 4) {
    unsupported(ctx, `expected a 4-D image input, got shape [${x.shape.map(String)}]`);
  }
  if (ctx.config.dataFormat !== undefined && ctx.config.dataFormat !== "channelsLast") {
    unsupported(ctx, `dataFormat '${ctx.config.dataFormat}' (only channelsLast)`);
  }
  return x as GraphValue & { shape: [null, number | null, number | null, number] };
}

/** A weight of the layer by its Keras name ("kernel", "bias", "gamma", …) as floats. */
export function weight(
  ctx: LayerContext,
  name: string,
): { dims: number[]; data: Float32Array } | undefined {
  const index = ctx.layer.weights.findIndex((w) => w.originalName.split("/").at(-1) === name);
  if (index < 0) return undefined;
  const tensor = ctx.layer.getWeights()[index]!;
  return { dims: tensor.shape, data: tensor.dataSync() as Float32Array };
}

/** A weight that must exist. */
export function requiredWeight(
  ctx: LayerContext,
  name: string,
): { dims: number[]; data: Float32Array } {
  return weight(ctx, name) ?? unsupported(ctx, `its '${name}' weight is missing`);
}

/** A pair config value such as kernelSize or strides: a number or [a, b]. */
export function pair(
  ctx: LayerContext,
  key: string,
  fallback?: [number, number],
): [number, number] {
  const raw = ctx.config[key] ?? fallback;
  if (typeof raw === "number") return [raw, raw];
  if (Array.isArray(raw) && raw.length === 2 && raw.every((v) => Number.isInteger(v))) {
    return raw as [number, number];
  }
  return unsupported(ctx, `'${key}' must be a number or a pair, got ${JSON.stringify(raw)}`);
}

/** Keras axis of a rank-`rank` tensor → ONNX axis of the same value in the graph. */
export function graphAxis(ctx: LayerContext, value: GraphValue, axis: number): number {
  const rank = value.shape.length;
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) unsupported(ctx, `axis ${axis} is out of range for rank ${rank}`);
  // Inside the graph an image is NCHW: Keras' H, W, C (1, 2, 3) sit at 2, 3, 1.
  return value.layout === "nchw" ? [0, 2, 3, 1][a]! : a;
}
