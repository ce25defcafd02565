/**
 * Merge layers of functional models (residual blocks, branches): Add, Multiply, Average,
 * Maximum, Minimum, Concatenate. All inputs must hold the same layout.
 *
 * @module
 */
import type { GraphValue } from "../_graph.ts";
import { graphAxis, type LayerContext, type LayerMapper, unsupported } from "./context.ts";

function sameLayout(ctx: LayerContext): GraphValue[] {
  const { inputs } = ctx;
  if (inputs.length < 2) unsupported(ctx, `expected at least 2 inputs, got ${inputs.length}`);
  const first = inputs[0]!;
  for (const x of inputs) {
    if (x.layout !== first.layout || x.shape.length !== first.shape.length) {
      unsupported(
        ctx,
        `inputs of different ranks: [${first.shape.map(String)}] and [${x.shape.map(String)}]`,
      );
    }
  }
  return inputs;
}

/** An elementwise merge: binary ops chained left to right, variadic ones in one node. */
function elementwise(op: string, variadic: boolean): LayerMapper {
  return (ctx) => {
    const inputs = sameLayout(ctx);
    const names = inputs.map((x) => x.name);
    const name = variadic
      ? ctx.graph.node(op, names)
      : names.slice(1).reduce((acc, n) => ctx.graph.node(op, [acc, n]), names[0]!);
    return { name, layout: inputs[0]!.layout, shape: ctx.outputShape };
  };
}

/** Add (Sum for more than two inputs, one node either way). */
export const add: LayerMapper = elementwise("Sum", true);
export const multiply: LayerMapper = elementwise("Mul", false);
export const average: LayerMapper = elementwise("Mean", true);
export const maximum: LayerMapper = elementwise("Max", true);
export const minimum: LayerMapper = elementwise("Min", true);

/** Concatenate along a Keras axis (default -1, the channels), mapped to the graph's layout. */
export const concatenate: LayerMapper = (ctx) => {
  const inputs = sameLayout(ctx);
  const axis = ctx.config.axis ?? -1;
  if (typeof axis !== "number") unsupported(ctx, `axis ${JSON.stringify(axis)}`);
  const onnxAxis = graphAxis(ctx, inputs[0]!, axis);
  if (onnxAxis === 0) unsupported(ctx, "concatenating along the batch axis");
  const name = ctx.graph.node("Concat", inputs.map((x) => x.name), { axis: onnxAxis });
  return { name, layout: inputs[0]!.layout, shape: ctx.outputShape };
};
