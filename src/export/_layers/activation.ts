/**
 * Activations: the fused `activation` option of Conv2D/Dense, the Activation layer, and the
 * advanced activation layers (ReLU, LeakyReLU, ELU, Softmax). Constants follow tfjs-layers.
 *
 * @module
 */
import { float, type GraphValue } from "../_graph.ts";
import { graphAxis, type LayerContext, type LayerMapper, single, unsupported } from "./context.ts";

// tf.selu's constants (TensorFlow's selu): alpha = scaleAlpha / scale.
const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_ALPHA = 1.6732632423543772848170429916717;

type Unary = (ctx: LayerContext, x: GraphValue) => string;

const same =
  (op: string, attrs: Record<string, number | { float: number }> = {}): Unary => (ctx, x) =>
    ctx.graph.node(op, [x.name], attrs);

// tfjs serialises activations by class name: "hardSigmoid", "logSoftmax" (Keras says hard_sigmoid).
const ACTIVATIONS: Record<string, Unary> = {
  linear: (_ctx, x) => x.name,
  relu: same("Relu"),
  relu6: (ctx, x) =>
    ctx.graph.node("Clip", [x.name, scalar(ctx, "relu6_min", 0), scalar(ctx, "relu6_max", 6)]),
  tanh: same("Tanh"),
  sigmoid: same("Sigmoid"),
  hardSigmoid: same("HardSigmoid", { alpha: float(0.2), beta: float(0.5) }),
  hard_sigmoid: same("HardSigmoid", { alpha: float(0.2), beta: float(0.5) }),
  softmax: (ctx, x) => ctx.graph.node("Softmax", [x.name], { axis: graphAxis(ctx, x, -1) }),
  logSoftmax: (ctx, x) => ctx.graph.node("LogSoftmax", [x.name], { axis: graphAxis(ctx, x, -1) }),
  elu: same("Elu", { alpha: float(1) }),
  selu: same("Selu", { alpha: float(SELU_ALPHA), gamma: float(SELU_SCALE) }),
  softplus: same("Softplus"),
  softsign: same("Softsign"),
  swish: (ctx, x) => ctx.graph.node("Mul", [x.name, ctx.graph.node("Sigmoid", [x.name])]),
  mish: (ctx, x) =>
    ctx.graph.node("Mul", [
      x.name,
      ctx.graph.node("Tanh", [ctx.graph.node("Softplus", [x.name])]),
    ]),
};

/** Names of the activations the exporter maps. */
export const SUPPORTED_ACTIVATIONS: readonly string[] = Object.keys(ACTIVATIONS);

function scalar(ctx: LayerContext, base: string, value: number): string {
  return ctx.graph.floats(`${ctx.layer.name}/${base}`, [], [value]);
}

/** Applies the activation named `name` (tfjs' serialised name) to `x`. */
export function applyActivation(ctx: LayerContext, x: GraphValue, name: unknown): GraphValue {
  const key = name === undefined || name === null ? "linear" : String(name);
  const fn = ACTIVATIONS[key];
  if (!fn) unsupported(ctx, `activation '${key}' (supported: ${SUPPORTED_ACTIVATIONS.join(", ")})`);
  return { ...x, name: fn(ctx, x) };
}

/** The Activation layer. */
export const activationLayer: LayerMapper = (ctx) =>
  applyActivation(ctx, single(ctx), ctx.config.activation);

/** ReLU(maxValue?) as Relu or Clip(0, maxValue). */
export const reluLayer: LayerMapper = (ctx) => {
  const x = single(ctx);
  const max = ctx.config.maxValue;
  if (max === undefined || max === null) return { ...x, name: ctx.graph.node("Relu", [x.name]) };
  if (typeof max !== "number") unsupported(ctx, `maxValue ${JSON.stringify(max)}`);
  const name = ctx.graph.node("Clip", [x.name, scalar(ctx, "min", 0), scalar(ctx, "max", max)]);
  return { ...x, name };
};

/** LeakyReLU(alpha): tfjs' default alpha is 0.3. */
export const leakyReluLayer: LayerMapper = (ctx) => {
  const x = single(ctx);
  const alpha = (ctx.config.alpha as number | undefined) ?? 0.3;
  return { ...x, name: ctx.graph.node("LeakyRelu", [x.name], { alpha: float(alpha) }) };
};

/** ELU(alpha): tfjs' default alpha is 1. */
export const eluLayer: LayerMapper = (ctx) => {
  const x = single(ctx);
  const alpha = (ctx.config.alpha as number | undefined) ?? 1;
  return { ...x, name: ctx.graph.node("Elu", [x.name], { alpha: float(alpha) }) };
};

/** Softmax(axis): tfjs' default axis is -1. */
export const softmaxLayer: LayerMapper = (ctx) => {
  const x = single(ctx);
  const axis = ctx.config.axis;
  if (Array.isArray(axis) || (axis !== undefined && typeof axis !== "number")) {
    unsupported(ctx, `softmax over axis ${JSON.stringify(axis)} (only one axis)`);
  }
  const onnxAxis = graphAxis(ctx, x, (axis as number | undefined) ?? -1);
  return { ...x, name: ctx.graph.node("Softmax", [x.name], { axis: onnxAxis }) };
};
