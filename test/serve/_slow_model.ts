/**
 * The tiny red/green/blue classifier with a long chain of real work added that does not change
 * its answers: each run multiplies the image by a 96×96 matrix `steps` times inside onnxruntime
 * and adds zero times the result. Makes inference take a measurable time on onnxruntime's own
 * thread, to show that the event loop keeps answering meanwhile.
 *
 * @module
 */
import { join } from "node:path";
import { encodeOnnxModel, OnnxAttributeType, OnnxDataType } from "../../src/onnx/mod.ts";
import { tinyModel } from "../_fixtures/tiny_model.ts";

/** Writes the slow variant of the tiny model into `dir` and returns its path. */
export async function writeSlowTinyModel(dir: string, steps = 3000): Promise<string> {
  const model = tinyModel();
  const graph = model.graph!;
  const identity = new Float32Array(96 * 96);
  for (let i = 0; i < 96; i++) identity[i * 97] = 1;
  graph.initializer = [
    ...(graph.initializer ?? []),
    {
      name: "rows",
      dims: [2],
      dataType: OnnxDataType.INT64,
      rawData: new Uint8Array(BigInt64Array.of(-1n, 96n).buffer),
    },
    {
      name: "w96",
      dims: [96, 96],
      dataType: OnnxDataType.FLOAT,
      rawData: new Uint8Array(identity.buffer),
    },
    { name: "zero", dims: [], dataType: OnnxDataType.FLOAT, rawData: new Uint8Array(4) },
  ];
  const scoresAt = graph.node.findIndex((n) => n.output.includes("scores"));
  const chain = [{ opType: "Reshape", input: ["image", "rows"], output: ["h0"] }];
  for (let i = 1; i <= steps; i++) {
    chain.push({ opType: "MatMul", input: [`h${i - 1}`, "w96"], output: [`h${i}`] });
  }
  const tail = [
    {
      opType: "ReduceSum",
      input: [`h${steps}`],
      output: ["total"],
      attribute: [{ name: "keepdims", type: OnnxAttributeType.INT, i: 0 }],
    },
    { opType: "Mul", input: ["total", "zero"], output: ["nothing"] },
    { opType: "Add", input: ["scores_raw", "nothing"], output: ["scores"] },
  ];
  graph.node[scoresAt]!.output = ["scores_raw"];
  graph.node.splice(scoresAt + 1, 0, ...chain, ...tail);
  const path = join(dir, "slow.onnx");
  await Deno.writeFile(path, encodeOnnxModel(model));
  return path;
}
