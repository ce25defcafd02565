/**
 * Conv2D, DepthwiseConv2D and SeparableConv2D as ONNX Conv on NCHW values. Keras kernels are
 * [kh, kw, in, out] (depthwise: [kh, kw, in, multiplier]); ONNX wants [out, in/group, kh, kw].
 *
 * @module
 */
import type { GraphValue } from "../_graph.ts";
import { applyActivation } from "./activation.ts";
import {
  image,
  type LayerContext,
  type LayerMapper,
  pair,
  requiredWeight,
  unsupported,
  weight,
} from "./context.ts";
import { windowPadding } from "./padding.ts";

/** [kh, kw, in, out] → [out, in, kh, kw]. */
function toOihw(dims: number[], data: Float32Array): Float32Array {
  const [kh, kw, cin, cout] = dims as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let c = 0; c < cin; c++) {
        for (let o = 0; o < cout; o++) {
          out[((o * cin + c) * kh + i) * kw + j] = data[((i * kw + j) * cin + c) * cout + o]!;
        }
      }
    }
  }
  return out;
}

interface Window {
  kernelSize: [number, number];
  strides: [number, number];
  dilation: [number, number];
}

function windowOf(ctx: LayerContext): Window {
  if ((ctx.config.groups ?? 1) !== 1) unsupported(ctx, `groups ${ctx.config.groups}`);
  return {
    kernelSize: pair(ctx, "kernelSize"),
    strides: pair(ctx, "strides", [1, 1]),
    dilation: pair(ctx, "dilationRate", [1, 1]),
  };
}

/**
 * One ONNX Conv over `x` with a Keras kernel; `depthwise` treats [kh,kw,cin,m] as one group per
 * input channel. Returns the output name.
 */
function convNode(
  ctx: LayerContext,
  x: GraphValue,
  kernel: { dims: number[]; data: Float32Array },
  window: Window,
  options: { depthwise: boolean; bias: boolean; padding: boolean; suffix: string },
): string {
  const [kh, kw, cin, m] = kernel.dims as [number, number, number, number];
  // Depthwise: output channel c·m + k reads input channel c, so [kh,kw,cin,m] is [kh,kw,1,cin·m].
  const dims = options.depthwise ? [kh, kw, 1, cin * m] : kernel.dims;
  const base = `${ctx.layer.name}/${options.suffix}`;
  const w = ctx.graph.floats(base, [dims[3]!, dims[2]!, kh, kw], toOihw(dims, kernel.data));
  const inputs = [x.name, w];
  const bias = options.bias && ctx.config.useBias !== false ? weight(ctx, "bias") : undefined;
  if (bias) inputs.push(ctx.graph.floats(`${ctx.layer.name}/bias`, bias.dims, bias.data));
  const spatial: [number | null, number | null] = [x.shape[1] ?? null, x.shape[2] ?? null];
  return ctx.graph.node("Conv", inputs, {
    kernel_shape: [kh, kw],
    strides: window.strides,
    dilations: window.dilation,
    group: options.depthwise ? cin : 1,
    ...(options.padding
      ? windowPadding(ctx, spatial, window.kernelSize, window.strides, window.dilation)
      : { pads: [0, 0, 0, 0] }),
  });
}

const activated = (ctx: LayerContext, name: string): GraphValue =>
  applyActivation(ctx, { name, layout: "nchw", shape: ctx.outputShape }, ctx.config.activation);

/** Conv2D: any padding ('valid', 'same'), strides, dilation, bias, fused activation. */
export const conv2d: LayerMapper = (ctx) => {
  const x = image(ctx);
  const kernel = requiredWeight(ctx, "kernel");
  const options = { depthwise: false, bias: true, padding: true, suffix: "kernel" };
  return activated(ctx, convNode(ctx, x, kernel, windowOf(ctx), options));
};

/** DepthwiseConv2D: a grouped Conv with one group per input channel. */
export const depthwiseConv2d: LayerMapper = (ctx) => {
  const x = image(ctx);
  const kernel = requiredWeight(ctx, "depthwise_kernel");
  const options = { depthwise: true, bias: true, padding: true, suffix: "depthwise_kernel" };
  return activated(ctx, convNode(ctx, x, kernel, windowOf(ctx), options));
};

/** SeparableConv2D: the depthwise Conv (strides, dilation, padding), then a 1×1 Conv with the bias. */
export const separableConv2d: LayerMapper = (ctx) => {
  const x = image(ctx);
  const window = windowOf(ctx);
  const depthwise = requiredWeight(ctx, "depthwise_kernel");
  const pointwise = requiredWeight(ctx, "pointwise_kernel");
  const mid = convNode(ctx, x, depthwise, window, {
    depthwise: true,
    bias: false,
    padding: true,
    suffix: "depthwise_kernel",
  });
  const one: Window = { kernelSize: [1, 1], strides: [1, 1], dilation: [1, 1] };
  const midValue: GraphValue = { name: mid, layout: "nchw", shape: [] };
  const out = convNode(ctx, midValue, pointwise, one, {
    depthwise: false,
    bias: true,
    padding: false,
    suffix: "pointwise_kernel",
  });
  return activated(ctx, out);
};
