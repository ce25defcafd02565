/**
 * Pooling layers. Keras' 'same' average pooling divides by the number of real pixels under the
 * window, never the padding: ONNX AveragePool with count_include_pad = 0. Max pooling ignores
 * padding in both.
 *
 * @module
 */
import type { GraphValue } from "../_graph.ts";
import { image, type LayerContext, type LayerMapper, pair } from "./context.ts";
import { windowPadding } from "./padding.ts";

function pool(ctx: LayerContext, op: "MaxPool" | "AveragePool"): GraphValue {
  const x = image(ctx);
  const size = pair(ctx, "poolSize", [2, 2]);
  // Keras: strides default to the pool size.
  const strides = ctx.config.strides === null || ctx.config.strides === undefined
    ? size
    : pair(ctx, "strides");
  const y = ctx.graph.node(op, [x.name], {
    kernel_shape: size,
    strides,
    ...windowPadding(ctx, [x.shape[1], x.shape[2]], size, strides),
    ...(op === "AveragePool" ? { count_include_pad: 0 } : {}),
  });
  return { name: y, layout: "nchw", shape: ctx.outputShape };
}

/** MaxPooling2D ('valid' or 'same'). */
export const maxPooling2d: LayerMapper = (ctx) => pool(ctx, "MaxPool");

/** AveragePooling2D ('valid' or 'same', padding excluded from the mean). */
export const averagePooling2d: LayerMapper = (ctx) => pool(ctx, "AveragePool");

function globalPool(ctx: LayerContext, op: "GlobalAveragePool" | "GlobalMaxPool"): GraphValue {
  const x = image(ctx);
  const pooled = ctx.graph.node(op, [x.name]);
  // keepDims gives Keras [N,1,1,C], which is [N,C,1,1] channels-first: still an image value.
  if (ctx.config.keepDims === true) return { name: pooled, layout: "nchw", shape: ctx.outputShape };
  return {
    name: ctx.graph.node("Flatten", [pooled], { axis: 1 }),
    layout: "flat",
    shape: ctx.outputShape,
  };
}

/** GlobalAveragePooling2D: [N,H,W,C] → [N,C]. */
export const globalAveragePooling2d: LayerMapper = (ctx) => globalPool(ctx, "GlobalAveragePool");

/** GlobalMaxPooling2D: [N,H,W,C] → [N,C]. */
export const globalMaxPooling2d: LayerMapper = (ctx) => globalPool(ctx, "GlobalMaxPool");
