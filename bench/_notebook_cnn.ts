/**
 * A model for benchmarks when `models/` holds none yet: the notebook's CNN (Conv 32 → pool →
 * Conv 64 → pool → Conv 128 → pool → Dense 128 → Dense 10, softmax; 356,810 parameters) built
 * node by node with seeded random weights and ferry's metadata. It costs what the trained model
 * costs to run; its predictions mean nothing.
 *
 * @module
 */
import { join } from "node:path";
import { CIFAR10_CLASSES } from "../src/data/mod.ts";
import { FERRY_INPUT_SPEC } from "../src/image/mod.ts";
import {
  encodeMetadata,
  encodeOnnxModel,
  OnnxAttributeType,
  OnnxDataType,
  type OnnxNode,
  type OnnxTensor,
} from "../src/onnx/mod.ts";

/** Writes the notebook CNN with random weights to `dir/notebook_cnn.onnx`; returns its path. */
export async function writeNotebookCnn(dir: string): Promise<string> {
  let seed = 42;
  const random = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const initializer: OnnxTensor[] = [];
  const weight = (name: string, dims: number[], fanIn: number) => {
    const count = dims.reduce((a, b) => a * b, 1);
    const scale = Math.sqrt(6 / fanIn);
    const values = Float32Array.from({ length: count }, () => (random() * 2 - 1) * scale);
    initializer.push({
      name,
      dims,
      dataType: OnnxDataType.FLOAT,
      rawData: new Uint8Array(values.buffer),
    });
    return name;
  };
  const ints = (name: string, values: number[]) => ({
    name,
    type: OnnxAttributeType.INTS,
    ints: values,
  });
  const node: OnnxNode[] = [
    {
      opType: "Transpose",
      input: ["input"],
      output: ["x0"],
      attribute: [ints("perm", [0, 3, 1, 2])],
    },
  ];
  let x = "x0";
  let channels = 3;
  for (const [i, filters] of [32, 64, 128].entries()) {
    const w = weight(`conv${i}_w`, [filters, channels, 3, 3], channels * 9);
    const b = weight(`conv${i}_b`, [filters], filters * 100);
    node.push(
      {
        opType: "Conv",
        input: [x, w, b],
        output: [`c${i}`],
        attribute: [ints("kernel_shape", [3, 3]), ints("pads", [1, 1, 1, 1])],
      },
      { opType: "Relu", input: [`c${i}`], output: [`r${i}`] },
      {
        opType: "MaxPool",
        input: [`r${i}`],
        output: [`p${i}`],
        attribute: [ints("kernel_shape", [2, 2]), ints("strides", [2, 2])],
      },
    );
    x = `p${i}`;
    channels = filters;
  }
  node.push(
    { opType: "Transpose", input: [x], output: ["nhwc"], attribute: [ints("perm", [0, 2, 3, 1])] },
    {
      opType: "Flatten",
      input: ["nhwc"],
      output: ["flat"],
      attribute: [{ name: "axis", type: OnnxAttributeType.INT, i: 1 }],
    },
    {
      opType: "Gemm",
      input: ["flat", weight("d1_w", [2048, 128], 2048), weight("d1_b", [128], 12800)],
      output: ["d1"],
    },
    { opType: "Relu", input: ["d1"], output: ["d1r"] },
    {
      opType: "Gemm",
      input: ["d1r", weight("d2_w", [128, 10], 128), weight("d2_b", [10], 1000)],
      output: ["logits"],
    },
    {
      opType: "Softmax",
      input: ["logits"],
      output: ["probabilities"],
      attribute: [{ name: "axis", type: OnnxAttributeType.INT, i: -1 }],
    },
  );
  const io = (name: string, dims: (number | string)[]) => ({
    name,
    type: {
      tensorType: {
        elemType: OnnxDataType.FLOAT,
        shape: {
          dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  });
  const bytes = encodeOnnxModel({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    producerName: "ferry-bench",
    graph: {
      name: "notebook_cnn",
      node,
      initializer,
      input: [io("input", ["N", 32, 32, 3])],
      output: [io("probabilities", ["N", 10])],
    },
    metadataProps: encodeMetadata({
      classNames: [...CIFAR10_CLASSES],
      inputSpec: FERRY_INPUT_SPEC,
      output: "probabilities",
      architecture: "notebook_cnn",
    }),
  });
  const path = join(dir, "notebook_cnn.onnx");
  await Deno.writeFile(path, bytes);
  return path;
}
