/**
 * Conv2D and DepthwiseConv2D as ONNX Conv on NCHW values. Keras kernels are [kh, kw, in, out]
 * (depthwise: [kh, kw, in, multiplier]); ONNX wants [out, in/group, kh, kw].
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

function conv(
  ctx: LayerContext,
  kernelName: string,
  group: (cin: number) => number,
): GraphValue {
  const x = image(ctx);
  const kernelSize = pair(ctx, "kernelSize");
  const strides = pair(ctx, "strides", [1, 1]);
  const dilation = pair(ctx, "dilationRate", [1, 1]);
  if ((ctx.config.groups ?? 1) !== 1) unsupported(ctx, `groups ${ctx.config.groups}`);
  const kernel = requiredWeight(ctx, kernelName);
  const [kh, kw, cin, m] = kernel.dims as [number, number, number, number];
  const groups = group(cin);
  // Depthwise: output channel c·m + k reads input channel c, so [kh,kw,cin,m] is [kh,kw,1,cin·m].
  const dims = groups === 1 ? kernel.dims : [kh, kw, 1, cin * m];
  const w = ctx.graph.floats(
    `${ctx.layer.name}/kernel`,
    [dims[3]!, dims[2]!, kh, kw],
    toOihw(dims, kernel.data),
  );
  const inputs = [x.name, w];
  const bias = ctx.config.useBias === false ? undefined : weight(ctx, "bias");
  if (bias) inputs.push(ctx.graph.floats(`${ctx.layer.name}/bias`, bias.dims, bias.data));
  const y = ctx.graph.node("Conv", inputs, {
    kernel_shape: kernelSize,
    strides,
    dilations: dilation,
    group: groups,
    ...windowPadding(ctx, [x.shape[1], x.shape[2]], kernelSize, strides, dilation),
  });
  return applyActivation(
    ctx,
    { name: y, layout: "nchw", shape: ctx.outputShape },
    ctx.config.activation,
  );
}

/** Conv2D: any padding ('valid', 'same'), strides, dilation, bias, fused activation. */
export const conv2d: LayerMapper = (ctx) => conv(ctx, "kernel", () => 1);

/** DepthwiseConv2D: a grouped Conv with one group per input channel. */
export const depthwiseConv2d: LayerMapper = (ctx) => conv(ctx, "depthwise_kernel", (cin) => cin);
