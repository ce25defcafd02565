/**
 * A tiny but real ONNX image classifier for tests, built node by node (no TensorFlow.js, so it
 * is ready in milliseconds): it averages each colour channel over the image and scores the
 * classes "red", "green" and "blue" from those means, so a solid red image is "red" with a
 * probability near 1. Runs in onnxruntime like any exported model.
 *
 * @module
 */
import { join } from "node:path";
import { FERRY_INPUT_SPEC, type InputSpec } from "../../src/image/mod.ts";
import {
  encodeMetadata,
  encodeOnnxModel,
  OnnxAttributeType,
  OnnxDataType,
  type OnnxModel,
} from "../../src/onnx/mod.ts";

/** The tiny model's classes, in output order. */
export const TINY_CLASSES = ["red", "green", "blue"] as const;

/** Options of {@linkcode writeTinyModel}. */
export interface TinyModelOptions {
  /** Write ferry's metadata; without it the model looks like a foreign one. @default true */
  metadata?: boolean;
  /** Input layout. @default "nhwc" */
  layout?: InputSpec["layout"];
  /** End with a Softmax ("probabilities") or leave scores raw ("logits"). @default "probabilities" */
  output?: "probabilities" | "logits";
  /** Input size in pixels (square). @default 32 */
  size?: number;
  /** File name inside the folder. @default "tiny.onnx" */
  fileName?: string;
}

const floats = (name: string, dims: number[], values: number[]) => ({
  name,
  dims,
  dataType: OnnxDataType.FLOAT,
  rawData: new Uint8Array(new Float32Array(values).buffer),
});

/** Builds the tiny classifier as an ONNX model object. */
export function tinyModel(options: TinyModelOptions = {}): OnnxModel {
  const layout = options.layout ?? "nhwc";
  const size = options.size ?? 32;
  const output = options.output ?? "probabilities";
  const dims = layout === "nhwc" ? ["N", size, size, 3] : ["N", 3, size, size];
  const spatialAxes = layout === "nhwc" ? [1, 2] : [2, 3];
  // Channel means in [0,1] → scores: 4 × mean(c) − 2 × mean(others), so the dominant channel wins.
  const weights = [4, -2, -2, -2, 4, -2, -2, -2, 4];
  const nodes = [
    {
      opType: "ReduceMean",
      input: ["image"],
      output: ["means"],
      attribute: [
        { name: "axes", type: OnnxAttributeType.INTS, ints: spatialAxes },
        { name: "keepdims", type: OnnxAttributeType.INT, i: 0 },
      ],
    },
    { opType: "MatMul", input: ["means", "weights"], output: ["scores"] },
  ];
  if (output === "probabilities") {
    nodes.push(
      {
        opType: "Softmax",
        input: ["scores"],
        output: ["probabilities"],
        attribute: [{ name: "axis", type: OnnxAttributeType.INT, i: -1 }],
      } as (typeof nodes)[number],
    );
  }
  const tensor = (name: string, shape: (number | string)[]) => ({
    name,
    type: {
      tensorType: {
        elemType: OnnxDataType.FLOAT,
        shape: {
          dim: shape.map((d) => typeof d === "number" ? { dimValue: d } : { dimParam: d }),
        },
      },
    },
  });
  const outName = output === "probabilities" ? "probabilities" : "scores";
  const spec: InputSpec = { ...FERRY_INPUT_SPEC, width: size, height: size, layout };
  return {
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    producerName: "ferry-test",
    graph: {
      name: "tiny",
      node: nodes,
      initializer: [floats("weights", [3, 3], weights)],
      input: [tensor("image", dims)],
      output: [tensor(outName, ["N", 3])],
    },
    metadataProps: options.metadata === false
      ? []
      : encodeMetadata({ classNames: [...TINY_CLASSES], inputSpec: spec, output }),
  };
}

/** Writes the tiny classifier into `dir` and returns its path. */
export async function writeTinyModel(dir: string, options: TinyModelOptions = {}): Promise<string> {
  const path = join(dir, options.fileName ?? "tiny.onnx");
  await Deno.writeFile(path, encodeOnnxModel(tinyModel(options)));
  return path;
}
