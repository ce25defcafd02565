/**
 * Dense, Flatten, the dropout family, ZeroPadding2D and BatchNormalization.
 *
 * @module
 */
import { float } from "../_graph.ts";
import { applyActivation } from "./activation.ts";
import {
  graphAxis,
  image,
  type LayerMapper,
  requiredWeight,
  single,
  unsupported,
  weight,
} from "./context.ts";

/** Dense on a 2-D value: Gemm(x, kernel [in, out], bias) then the fused activation. */
export const dense: LayerMapper = (ctx) => {
  const x = single(ctx);
  if (x.layout !== "flat" || x.shape.length !== 2) {
    unsupported(ctx, `Dense on a rank-${x.shape.length} input (flatten it first)`);
  }
  const kernel = requiredWeight(ctx, "kernel");
  const inputs = [x.name, ctx.graph.floats(`${ctx.layer.name}/kernel`, kernel.dims, kernel.data)];
  const bias = ctx.config.useBias === false ? undefined : weight(ctx, "bias");
  if (bias) inputs.push(ctx.graph.floats(`${ctx.layer.name}/bias`, bias.dims, bias.data));
  const y = ctx.graph.node("Gemm", inputs, { alpha: float(1), beta: float(1) });
  return applyActivation(
    ctx,
    { name: y, layout: "flat", shape: ctx.outputShape },
    ctx.config.activation,
  );
};

/**
 * Flatten keeps Keras' element order: an image value is transposed back to NHWC before it is
 * flattened, so the following Dense kernel applies unchanged.
 */
export const flatten: LayerMapper = (ctx) => {
  const x = single(ctx);
  if (ctx.config.dataFormat !== undefined && ctx.config.dataFormat !== "channelsLast") {
    unsupported(ctx, `dataFormat '${ctx.config.dataFormat}'`);
  }
  if (x.layout === "flat" && x.shape.length === 2) return { ...x, shape: ctx.outputShape };
  const nhwc = x.layout === "nchw"
    ? ctx.graph.node("Transpose", [x.name], { perm: [0, 2, 3, 1] })
    : x.name;
  return {
    name: ctx.graph.node("Flatten", [nhwc], { axis: 1 }),
    layout: "flat",
    shape: ctx.outputShape,
  };
};

/** Dropout and its kin do nothing at inference: the output is the input. */
export const identity: LayerMapper = (ctx) => ({ ...single(ctx), shape: ctx.outputShape });

/** ZeroPadding2D: Pad with zeros on H and W. */
export const zeroPadding2d: LayerMapper = (ctx) => {
  const x = image(ctx);
  const raw = ctx.config.padding;
  // tfjs config: [[top, bottom], [left, right]].
  const [[top, bottom], [left, right]] = Array.isArray(raw) && Array.isArray(raw[0])
    ? raw as [[number, number], [number, number]]
    : unsupported(ctx, `padding ${JSON.stringify(raw)}`);
  const pads = ctx.graph.int64s(`${ctx.layer.name}/pads`, [0, 0, top, left, 0, 0, bottom, right]);
  return {
    name: ctx.graph.node("Pad", [x.name, pads], { mode: "constant" }),
    layout: "nchw",
    shape: ctx.outputShape,
  };
};

/** BatchNormalization in inference form, over the channel axis (Keras' last axis). */
export const batchNormalization: LayerMapper = (ctx) => {
  const x = single(ctx);
  const axis = ctx.config.axis ?? -1;
  if (typeof axis !== "number" || graphAxis(ctx, x, axis) !== 1) {
    unsupported(ctx, `normalising over axis ${JSON.stringify(axis)} (only the channel axis)`);
  }
  const mean = requiredWeight(ctx, "moving_mean");
  const variance = requiredWeight(ctx, "moving_variance");
  const channels = mean.data.length;
  const gamma = weight(ctx, "gamma")?.data ?? new Float32Array(channels).fill(1);
  const beta = weight(ctx, "beta")?.data ?? new Float32Array(channels);
  const name = ctx.layer.name;
  const y = ctx.graph.node("BatchNormalization", [
    x.name,
    ctx.graph.floats(`${name}/gamma`, [channels], gamma),
    ctx.graph.floats(`${name}/beta`, [channels], beta),
    ctx.graph.floats(`${name}/moving_mean`, [channels], mean.data),
    ctx.graph.floats(`${name}/moving_variance`, [channels], variance.data),
  ], { epsilon: float((ctx.config.epsilon as number | undefined) ?? 1e-3) });
  return { ...x, name: y, shape: ctx.outputShape };
};
