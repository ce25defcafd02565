/**
 * Wraps an exported graph: new nodes in front of its input or behind its output, the model's own
 * nodes untouched. Test-time augmentation and the calibration temperature are both such wrappers.
 *
 * @module
 */
import type { OnnxGraph, OnnxModel } from "../onnx/mod.ts";
import { GraphBuilder } from "./_graph.ts";

/** Builds nodes from the value `from` whose last node writes the value `to`. */
export type Wrapper = (graph: GraphBuilder, from: string, to: string) => void;

/** `model` with `wrap`'s nodes between its (single) input and the nodes that read it. */
export function wrapInput(model: OnnxModel, wrap: Wrapper): OnnxModel {
  const old = graphOf(model);
  const input = old.input[0]!.name;
  const { graph, rename } = builder(old);
  const inner = graph.unique(`${input}/wrapped`);
  wrap(graph, input, inner);
  const node = old.node.map((n) => ({ ...n, input: n.input.map((v) => rename(v, input, inner)) }));
  return withGraph(model, old, graph, [...graph.nodes, ...node]);
}

/** `model` with `wrap`'s nodes between the node that writes its (single) output and the output. */
export function wrapOutput(model: OnnxModel, wrap: Wrapper): OnnxModel {
  const old = graphOf(model);
  const output = old.output[0]!.name;
  const { graph, rename } = builder(old);
  const inner = graph.unique(`${output}/unwrapped`);
  const node = old.node.map((n) => ({
    ...n,
    input: n.input.map((v) => rename(v, output, inner)),
    output: n.output.map((v) => rename(v, output, inner)),
  }));
  wrap(graph, inner, output);
  return withGraph(model, old, graph, [...node, ...graph.nodes]);
}

function graphOf(model: OnnxModel): OnnxGraph {
  if (!model.graph || model.graph.input.length !== 1 || model.graph.output.length !== 1) {
    throw new Error("Cannot wrap a graph without exactly one input and one output");
  }
  return model.graph;
}

/** A builder that knows every name `old` uses, so the wrapper's names never clash. */
function builder(old: OnnxGraph) {
  const graph = new GraphBuilder();
  const names = [
    ...old.input.map((v) => v.name),
    ...old.output.map((v) => v.name),
    ...(old.initializer ?? []).map((t) => t.name),
    ...old.node.flatMap((n) => [...n.output, n.name ?? ""]),
  ];
  for (const name of new Set(names)) if (name !== "") graph.reserve(name);
  return { graph, rename: (v: string, from: string, to: string) => v === from ? to : v };
}

function withGraph(
  model: OnnxModel,
  old: OnnxGraph,
  graph: GraphBuilder,
  node: OnnxGraph["node"],
): OnnxModel {
  return {
    ...model,
    graph: { ...old, node, initializer: [...(old.initializer ?? []), ...graph.initializers] },
  };
}
