import type { AttributeValue } from "../_graph.ts";
import { type LayerContext, unsupported } from "./context.ts";

/**
 * ONNX padding attributes for a Keras 'valid' or 'same' window over an H×W input. 'same' pads as
 * TensorFlow does: output = ceil(in / stride), total = max((out-1)·stride + (k-1)·dilation + 1 - in, 0),
 * the smaller half before and the larger after (asymmetric when the total is odd). With an
 * unknown spatial size it falls back to auto_pad SAME_UPPER, the same rule computed at run time.
 */
export function windowPadding(
  ctx: LayerContext,
  spatial: [number | null, number | null],
  kernel: [number, number],
  strides: [number, number],
  dilation: [number, number] = [1, 1],
): Record<string, AttributeValue> {
  const padding = ctx.config.padding ?? "valid";
  if (padding === "valid") return { pads: [0, 0, 0, 0] };
  if (padding !== "same") unsupported(ctx, `padding '${padding}' (only 'valid' and 'same')`);
  const [h, w] = spatial;
  if (h === null || w === null) return { auto_pad: "SAME_UPPER" };
  const before: number[] = [], after: number[] = [];
  for (const [i, size] of [h, w].entries()) {
    const out = Math.ceil(size / strides[i]!);
    const extent = (kernel[i]! - 1) * dilation[i]! + 1;
    const total = Math.max((out - 1) * strides[i]! + extent - size, 0);
    before.push(Math.floor(total / 2));
    after.push(total - Math.floor(total / 2));
  }
  return { pads: [...before, ...after] };
}
