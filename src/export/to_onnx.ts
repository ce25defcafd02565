/**
 * tfjs Layers model → ONNX model. The graph takes Keras' NHWC images and turns them channels-first
 * once at the door; every layer is mapped by its class's mapper; the last value comes back to
 * Keras' layout and is named "probabilities" (the model ends in a softmax) or "logits".
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { FerryError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { FERRY_INPUT_SPEC } from "../image/mod.ts";
import {
  encodeOnnxModel,
  type FerryMetadata,
  OnnxDataType,
  type OnnxModel,
  type OnnxValueInfo,
  withMetadata,
} from "../onnx/mod.ts";
import { GraphBuilder, type GraphValue } from "./_graph.ts";
import type { LayerContext } from "./_layers/context.ts";
import { LAYER_MAPPERS } from "./_layers/registry.ts";

/** ONNX opset the graph is written for. */
export const OPSET_VERSION = 17;
/** ONNX IR version (8 goes with opset 17; onnxruntime ≥ 1.13 and onnx ≥ 1.12 read it). */
export const IR_VERSION = 8;
/** Name of the graph input. */
export const INPUT_NAME = "input";

/** Options of {@linkcode toOnnx}. */
export interface ToOnnxOptions {
  /**
   * What the model says about itself. Defaults: class names "0".."K-1", the model's input size,
   * ferry's input format (NHWC, RGB, pixels / 255), output kind from the graph's last node.
   */
  metadata?: Partial<FerryMetadata>;
  /** `producer_version` written into the file. @default ferry's version (deno.json) */
  producerVersion?: string;
}

/** An exported model: the file's bytes, its object form and the metadata written. */
export interface OnnxExport {
  bytes: Uint8Array;
  model: OnnxModel;
  metadata: FerryMetadata;
}

/**
 * Converts a tfjs Layers model with one NHWC image input and one output to ONNX. Throws a
 * `model` FerryError naming the first layer or option it cannot map.
 *
 * @example
 * ```ts
 * import type * as tf from "@tensorflow/tfjs";
 * import { toOnnx } from "./mod.ts";
 * import { CIFAR10_CLASSES } from "../data/mod.ts";
 * declare const model: tf.LayersModel;
 * const { bytes } = toOnnx(model, { metadata: { classNames: [...CIFAR10_CLASSES], runId: "r1" } });
 * await Deno.writeFile("model.onnx", bytes);
 * ```
 */
export function toOnnx(model: tf.LayersModel, options: ToOnnxOptions = {}): OnnxExport {
  const fail = (why: string) =>
    new FerryError("model", `Cannot export model '${model.name}': ${why}`);
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw fail(
      `it has ${model.inputs.length} inputs and ${model.outputs.length} outputs; ferry exports one of each`,
    );
  }
  const input = model.inputs[0]!;
  const [, height, width, channels] = input.shape;
  if (input.shape.length !== 4 || typeof height !== "number" || typeof width !== "number") {
    throw fail(`its input shape [${input.shape.map(String)}] is not a fixed-size NHWC image`);
  }
  const graph = new GraphBuilder();
  graph.reserve(INPUT_NAME);
  const values = new Map<number, GraphValue>();
  values.set(input.id, {
    name: graph.node("Transpose", [INPUT_NAME], { perm: [0, 3, 1, 2] }, graph.unique("input_nchw")),
    layout: "nchw",
    shape: input.shape,
  });
  mapAll(model, values, graph);

  const output = model.outputs[0]!;
  let last = values.get(output.id)!;
  if (last.layout === "nchw") {
    last = {
      ...last,
      name: graph.node("Transpose", [last.name], { perm: [0, 2, 3, 1] }),
      layout: "flat",
    };
  }
  const lastNode = graph.nodes.find((n) => n.output[0] === last.name);
  const outputKind = options.metadata?.output ??
    (lastNode?.opType === "Softmax" ? "probabilities" : "logits");
  const outputName = outputKind === "probabilities" ? "probabilities" : "logits";
  const consumed = graph.nodes.some((n) => n.input.includes(last.name));
  if (lastNode && !consumed) lastNode.output[0] = outputName;
  else graph.node("Identity", [last.name], {}, outputName);

  const classCount = output.shape.at(-1);
  const metadata: FerryMetadata = {
    classNames: Array.from(
      { length: typeof classCount === "number" ? classCount : 0 },
      (_, i) => String(i),
    ),
    output: outputKind,
    ...options.metadata,
    inputSpec: {
      ...FERRY_INPUT_SPEC,
      width,
      height,
      ...options.metadata?.inputSpec,
      layout: "nhwc",
    },
  };
  if (typeof classCount === "number" && metadata.classNames.length !== classCount) {
    throw fail(
      `it has ${classCount} outputs but ${metadata.classNames.length} class names were given`,
    );
  }
  const onnx: OnnxModel = withMetadata({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: "", version: OPSET_VERSION }],
    producerName: "ferry",
    producerVersion: options.producerVersion ?? VERSION,
    docString: `Exported by ferry from the TensorFlow.js model '${model.name}'.`,
    graph: {
      name: model.name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: [valueInfo(INPUT_NAME, ["N", height, width, channels ?? null])],
      output: [valueInfo(outputName, ["N", ...output.shape.slice(1)])],
    },
  }, metadata);
  return { bytes: encodeOnnxModel(onnx), model: onnx, metadata };
}

/**
 * Maps every layer once its inputs are mapped (tfjs lists a functional model's layers by depth,
 * but the graph only needs each node after its inputs).
 */
function mapAll(model: tf.LayersModel, values: Map<number, GraphValue>, graph: GraphBuilder) {
  let pending = model.layers.filter((layer) => layer.getClassName() !== "InputLayer");
  while (pending.length > 0) {
    const ready = pending.filter((layer) =>
      layer.inboundNodes.length !== 1 ||
      layer.inboundNodes[0]!.inputTensors.every((t) => values.has(t.id))
    );
    // No layer ready: the first pending one reports which of its inputs is missing.
    for (const layer of ready.length > 0 ? ready : pending.slice(0, 1)) {
      mapLayer(layer, values, graph);
    }
    pending = pending.filter((layer) => !ready.includes(layer));
  }
}

function mapLayer(layer: tf.layers.Layer, values: Map<number, GraphValue>, graph: GraphBuilder) {
  const className = layer.getClassName();
  const where = { layer, className };
  const mapper = LAYER_MAPPERS[className];
  if (!mapper) {
    const known = Object.keys(LAYER_MAPPERS).join(", ");
    throw new FerryError(
      "model",
      `Cannot export layer '${layer.name}' (${className}): no ONNX mapping for this layer type (mapped: ${known})`,
    );
  }
  if (layer.inboundNodes.length !== 1) {
    throw new FerryError(
      "model",
      `Cannot export layer '${layer.name}' (${className}): it is used ${layer.inboundNodes.length} times (shared layers are not supported)`,
    );
  }
  const node = layer.inboundNodes[0]!;
  const inputs = node.inputTensors.map((t) => values.get(t.id));
  if (inputs.some((v) => v === undefined) || node.outputTensors.length !== 1) {
    throw new FerryError(
      "model",
      `Cannot export layer '${where.layer.name}' (${className}): its inputs are not produced by the layers before it`,
    );
  }
  const out = node.outputTensors[0]!;
  const ctx: LayerContext = {
    layer,
    className,
    config: layer.getConfig() as Record<string, unknown>,
    inputs: inputs as GraphValue[],
    outputShape: out.shape,
    graph,
  };
  values.set(out.id, mapper(ctx));
}

function valueInfo(name: string, dims: (number | string | null)[]): OnnxValueInfo {
  return {
    name,
    type: {
      tensorType: {
        elemType: OnnxDataType.FLOAT,
        shape: {
          dim: dims.map((d) =>
            typeof d === "number" ? { dimValue: d } : typeof d === "string" ? { dimParam: d } : {}
          ),
        },
      },
    },
  };
}
