/**
 * Static int8 quantization of an exported ONNX classifier, in the QDQ form that onnxruntime
 * turns into integer kernels (QLinearConv, QGemm, int8 MaxPool): weights int8 in 7 bits,
 * symmetric, one scale per output channel; activations uint8 with a scale and zero point from
 * their range on calibration images; biases int32 at the product of their input's and weight's
 * scales.
 *
 * Why 7 bits: on x86 CPUs without VNNI (AVX2 only), onnxruntime multiplies uint8 by int8 with
 * `vpmaddubsw`, which adds two products into a saturating int16. With weights up to ±127 a pair
 * can reach 64,770 and clip: a model quantized on a VNNI machine lost 8 points of accuracy on an
 * AVX2 one. With weights up to ±63 a pair stays under 32,767 everywhere, for the file is often
 * exported on one machine and served on another.
 *
 * On CPUs with AVX-512 VNNI (or AVX2) onnxruntime runs these kernels at 2–3× the float speed.
 * The probabilities stay float: the last layer's output is never quantized.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import {
  encodeOnnxModel,
  OnnxDataType,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
} from "../onnx/mod.ts";
import { GraphBuilder, readFloats } from "./_graph.ts";
import { runOnnxBatches } from "./parity.ts";
import type { ParityImages } from "./parity_images.ts";

/** Nodes whose weights (input 1) and bias (input 2) are quantized, with their input and output. */
const WEIGHTED = new Set(["Conv", "Gemm"]);
/** Nodes that only move or pick values: their output keeps their input's scale and zero point. */
const PASS_THROUGH = new Set(["MaxPool", "GlobalMaxPool", "Transpose", "Flatten", "Reshape"]);

/** Options of {@linkcode quantizeInt8}. */
export interface QuantizeOptions {
  /** Images per calibration run. @default 64 */
  batchSize?: number;
}

/** What {@linkcode quantizeInt8} made. */
export interface QuantizedModel {
  model: OnnxModel;
  /** Activation tensors given a scale and zero point. */
  activations: number;
  /** Conv and Gemm nodes whose weights are now int8. */
  weighted: number;
}

interface QuantParams {
  scale: number;
  zeroPoint: number;
}

/**
 * Quantizes `source` (a float model, as `toOnnx` writes it) to int8, calibrating activation
 * ranges on `images`. Throws a `model` FerryError when the graph has nothing to quantize.
 *
 * @example
 * ```ts
 * import { type ParityImages, quantizeInt8 } from "./mod.ts";
 * import { decodeOnnxModel, encodeOnnxModel } from "../onnx/mod.ts";
 * declare const calibration: ParityImages; // real images, never the parity check's
 * const bytes = await Deno.readFile("model.onnx");
 * const { model } = await quantizeInt8(decodeOnnxModel(bytes), calibration);
 * await Deno.writeFile("model.int8.onnx", encodeOnnxModel(model));
 * ```
 */
export async function quantizeInt8(
  source: OnnxModel,
  images: ParityImages,
  options: QuantizeOptions = {},
): Promise<QuantizedModel> {
  // Nodes are rewritten in place below: work on copies, leaving `source` as it was.
  const graph: OnnxGraph = {
    ...source.graph!,
    node: source.graph!.node.map((n) => ({ ...n, input: [...n.input], output: [...n.output] })),
  };
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name, t]));
  const weighted = new Set(
    graph.node.filter((n) =>
      WEIGHTED.has(n.opType) && initializers.has(n.input[1]!) &&
      (n.input[2] === undefined || initializers.has(n.input[2]))
    ),
  );
  if (weighted.size === 0) {
    throw new FerryError("model", "Cannot quantize: the model has no Conv or Gemm with weights");
  }
  const nodes = foldRelus(graph, weighted);
  const plan = planActivations(nodes, graph, weighted);
  const ranges = await calibrate(source, [...plan.calibrated], images, options.batchSize ?? 64);
  const params = new Map<string, QuantParams>();
  for (const name of plan.order) {
    const from = plan.sameAs.get(name);
    params.set(name, from !== undefined ? params.get(from)! : uint8Params(ranges.get(name)!));
  }

  const builder = new GraphBuilder();
  const taken = [graph.input, graph.initializer ?? [], nodes.flatMap((n) => n.output)]
    .flat().map((value) => typeof value === "string" ? value : value.name);
  for (const name of new Set(taken)) builder.reserve(name);
  // Weights and biases first: each becomes integers and the DequantizeLinear that reads them.
  const replaced = new Set<string>();
  for (const node of weighted) {
    const w = initializers.get(node.input[1]!)!;
    const dims = w.dims.map(Number);
    // Gemm's B is [K, N] unless transposed: its output channels are then the second axis.
    const axis = node.opType === "Gemm" && intAttr(node, "transB") !== 1 ? 1 : 0;
    const kernel = quantizeWeights(readFloats(w), dims, axis);
    node.input[1] = dequantized(builder, w.name, dims, kernel.values, kernel.scales, axis);
    replaced.add(w.name);
    if (node.input[2] !== undefined) {
      const b = initializers.get(node.input[2])!;
      const inputScale = params.get(node.input[0]!)!.scale;
      const scales = kernel.scales.map((s) => inputScale * s);
      const values = Int32Array.from(readFloats(b), (v, i) => Math.round(v / scales[i]!));
      node.input[2] = dequantized(builder, b.name, [values.length], values, scales, 0);
      replaced.add(b.name);
    }
  }
  // Then the graph in order, each planned activation followed by its Quantize/Dequantize pair.
  const rewired = new Map<string, string>();
  const addPair = (name: string) => {
    const p = params.get(name);
    if (!p) return;
    const scale = builder.floats(`${name}_scale`, [], [p.scale]);
    const zeroPoint = builder.integers(`${name}_zero_point`, [], Uint8Array.of(p.zeroPoint));
    const quantized = builder.node("QuantizeLinear", [name, scale, zeroPoint]);
    rewired.set(name, builder.node("DequantizeLinear", [quantized, scale, zeroPoint]));
  };
  for (const input of graph.input) addPair(input.name);
  for (const node of nodes) {
    builder.nodes.push({ ...node, input: node.input.map((name) => rewired.get(name) ?? name) });
    for (const output of node.output) addPair(output);
  }
  const quantizedGraph: OnnxGraph = {
    ...graph,
    node: builder.nodes,
    initializer: [
      ...(graph.initializer ?? []).filter((t) => !replaced.has(t.name)),
      ...builder.initializers,
    ],
  };
  return {
    model: { ...source, graph: quantizedGraph },
    activations: params.size,
    weighted: weighted.size,
  };
}

/**
 * The node list with each Relu that alone follows a weighted node removed, its output now
 * produced by that node: the uint8 quantization of that output, with zero point 0 (the range
 * starts at 0 after a Relu), clamps negative values to 0 exactly as the Relu did.
 */
function foldRelus(graph: OnnxGraph, weighted: Set<OnnxNode>): OnnxNode[] {
  const consumers = consumersOf(graph.node);
  const outputs = new Set(graph.output.map((o) => o.name));
  const byOutput = new Map(graph.node.map((n) => [n.output[0]!, n]));
  const dropped = new Set<OnnxNode>();
  for (const node of graph.node) {
    if (node.opType !== "Relu") continue;
    const producer = byOutput.get(node.input[0]!);
    if (!producer || !weighted.has(producer)) continue;
    const value = producer.output[0]!;
    if (consumers.get(value)?.length !== 1 || outputs.has(value)) continue;
    producer.output[0] = node.output[0]!;
    dropped.add(node);
  }
  return graph.node.filter((n) => !dropped.has(n));
}

/**
 * Which activation tensors get a QuantizeLinear → DequantizeLinear pair: every weighted node's
 * input; its output when every consumer is weighted or passes values through; and a
 * pass-through node's output when its input has one (with the same scale and zero point).
 */
function planActivations(nodes: OnnxNode[], graph: OnnxGraph, weighted: Set<OnnxNode>) {
  const consumers = consumersOf(nodes);
  const outputs = new Set(graph.output.map((o) => o.name));
  const order: string[] = [];
  const calibrated = new Set<string>();
  const sameAs = new Map<string, string>();
  const quantizable = (name: string) => {
    const users = consumers.get(name) ?? [];
    return !outputs.has(name) && users.length > 0 &&
      users.every((u) => weighted.has(u) || PASS_THROUGH.has(u.opType));
  };
  const add = (name: string) => {
    if (order.includes(name)) return;
    order.push(name);
    if (!sameAs.has(name)) calibrated.add(name);
  };
  for (const node of nodes) {
    if (weighted.has(node)) {
      add(node.input[0]!);
      if (quantizable(node.output[0]!)) add(node.output[0]!);
    } else if (PASS_THROUGH.has(node.opType) && order.includes(node.input[0]!)) {
      if (quantizable(node.output[0]!)) {
        sameAs.set(node.output[0]!, sameAs.get(node.input[0]!) ?? node.input[0]!);
        add(node.output[0]!);
      }
    }
  }
  return { order, calibrated, sameAs };
}

/** The nodes that read each value. */
function consumersOf(nodes: OnnxNode[]): Map<string, OnnxNode[]> {
  const consumers = new Map<string, OnnxNode[]>();
  for (const node of nodes) {
    for (const input of node.input) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  }
  return consumers;
}

/** The smallest and largest value of each of `names` over the calibration images. */
async function calibrate(
  source: OnnxModel,
  names: string[],
  images: ParityImages,
  batchSize: number,
): Promise<Map<string, { min: number; max: number }>> {
  if (images.count < 1) throw new FerryError("usage", "Cannot quantize: no calibration images");
  const graph = source.graph!;
  const known = new Set(graph.output.map((o) => o.name));
  // The float model, asked for every tensor to calibrate as an extra output.
  const probe: OnnxModel = {
    ...source,
    graph: {
      ...graph,
      output: [
        ...graph.output,
        ...names.filter((n) => !known.has(n)).map((name) => ({
          name,
          type: { tensorType: { elemType: OnnxDataType.FLOAT } },
        })),
      ],
    },
  };
  const ranges = names.map(() => ({ min: Infinity, max: -Infinity }));
  await runOnnxBatches(encodeOnnxModel(probe), images, { batchSize, fetches: names }, (outputs) => {
    outputs.forEach((data, k) => {
      const range = ranges[k]!;
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!;
        if (v < range.min) range.min = v;
        if (v > range.max) range.max = v;
      }
    });
  });
  return new Map(names.map((name, k) => [name, ranges[k]!]));
}

/** uint8 scale and zero point covering [min, max] and 0 (so that 0 is exact). */
function uint8Params({ min, max }: { min: number; max: number }): QuantParams {
  const lo = Math.min(0, min), hi = Math.max(0, max);
  if (!(hi > lo)) return { scale: 1, zeroPoint: 0 };
  const scale = (hi - lo) / 255;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

/** Largest weight magnitude: 7 bits, so that uint8 × int8 pairs never saturate (see above). */
const WEIGHT_LEVELS = 63;

/** Symmetric int8 values of a weight, with one scale per index of `axis` (its output channels). */
function quantizeWeights(values: Float32Array, dims: number[], axis: number) {
  const channels = dims[axis]!;
  // Elements between two consecutive indices of `axis`; the axis repeats after `channels` of them.
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number) => Math.floor(i / inner) % channels;
  const maxAbs = new Float32Array(channels);
  values.forEach((v, i) => {
    const c = channelOf(i);
    maxAbs[c] = Math.max(maxAbs[c]!, Math.abs(v));
  });
  const scales = Float32Array.from(maxAbs, (m) => (m > 0 ? m / WEIGHT_LEVELS : 1));
  const quantized = Int8Array.from(
    values,
    (v, i) =>
      Math.max(
        -WEIGHT_LEVELS,
        Math.min(WEIGHT_LEVELS, Math.round(v / scales[channelOf(i)]!)),
      ),
  );
  return { values: quantized, scales };
}

/**
 * Adds integer `values` with a scale per index of `axis` (zero points 0) and the
 * DequantizeLinear that turns them back into floats; returns the name of its output.
 */
function dequantized(
  builder: GraphBuilder,
  base: string,
  dims: number[],
  values: Int8Array | Int32Array,
  scales: Float32Array,
  axis: number,
): string {
  const zeros = values instanceof Int8Array
    ? new Int8Array(scales.length)
    : new Int32Array(scales.length);
  return builder.node("DequantizeLinear", [
    builder.integers(`${base}_quantized`, dims, values),
    builder.floats(`${base}_quantized_scale`, [scales.length], scales),
    builder.integers(`${base}_quantized_zero_point`, [scales.length], zeros),
  ], { axis });
}

function intAttr(node: OnnxNode, name: string): number | undefined {
  const attribute = node.attribute?.find((a) => a.name === name);
  return attribute?.i === undefined ? undefined : Number(attribute.i);
}
