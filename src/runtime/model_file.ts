/**
 * ferry's reader of `.onnx` files: onnxruntime-node does not expose `metadata_props`, so ferry
 * parses the protobuf itself, and checks the file is whole before any session sees it.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import { decodeOnnxModel, int64ToNumber, type OnnxModel, type OnnxValueInfo } from "../onnx/mod.ts";

/** A graph input or output: its name, element type and shape (a string for a symbolic dim). */
export interface TensorDescription {
  name: string;
  /** `TensorProto.DataType` (1 = float32). */
  elemType: number;
  /** Dimensions: a number, a symbolic name such as "N", or null when unknown. */
  shape: (number | string | null)[];
}

/** What ferry reads from an ONNX file before running it. */
export interface OnnxModelFile {
  /** The file's bytes, for onnxruntime. */
  bytes: Uint8Array;
  model: OnnxModel;
  /** Graph inputs that are fed at run time (initializers listed as inputs are left out). */
  inputs: TensorDescription[];
  outputs: TensorDescription[];
  /** `metadata_props` as a map. */
  metadata: Record<string, string>;
  opsetVersion: number;
}

/**
 * Reads and checks an ONNX model from a path or its bytes. A missing file is a `not_found`
 * FerryError; a truncated or corrupt one a `model` FerryError naming the file.
 *
 * @example
 * ```ts
 * const file = await readOnnxModel("models/cifar10/model.onnx");
 * console.log(file.inputs[0]?.shape, file.metadata["ferry.class_names"]);
 * ```
 */
export async function readOnnxModel(source: string | Uint8Array): Promise<OnnxModelFile> {
  const label = typeof source === "string" ? `'${source}'` : "(bytes)";
  let bytes: Uint8Array;
  if (typeof source === "string") {
    try {
      bytes = await Deno.readFile(source);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new FerryError("not_found", `Cannot open model ${label}: no such file`);
      }
      throw new FerryError("model", `Cannot read model ${label}: ${(error as Error).message}`);
    }
  } else {
    bytes = source;
  }
  const corrupt = (why: string) =>
    new FerryError(
      "model",
      `Cannot read ONNX model ${label}: the file is truncated or not an ONNX model (${why})`,
    );
  if (bytes.length === 0) throw corrupt("it is empty");
  let model: OnnxModel;
  try {
    model = decodeOnnxModel(bytes);
  } catch (error) {
    throw corrupt((error as Error).message);
  }
  const graph = model.graph;
  const irVersion = int64ToNumber(model.irVersion) ?? 0;
  if (irVersion <= 0) throw corrupt("no IR version");
  if (!graph || graph.output.length === 0 || graph.node.length === 0) throw corrupt("no graph");
  const opset = model.opsetImport.find((o) => !o.domain || o.domain === "ai.onnx");
  if (!opset) throw corrupt("no ONNX opset import");
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = graph.input.filter((v) => !initializers.has(v.name)).map(describe);
  if (inputs.length === 0) throw corrupt("no graph input");
  return {
    bytes,
    model,
    inputs,
    outputs: graph.output.map(describe),
    metadata: Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key, p.value])),
    opsetVersion: int64ToNumber(opset.version) ?? 0,
  };
}

function describe(value: OnnxValueInfo): TensorDescription {
  const tensor = value.type?.tensorType;
  return {
    name: value.name,
    elemType: tensor?.elemType ?? 0,
    // protobufjs puts defaults on the prototype: only own properties were present in the file.
    shape: (tensor?.shape?.dim ?? []).map((d) =>
      Object.hasOwn(d, "dimParam") && d.dimParam
        ? d.dimParam
        : Object.hasOwn(d, "dimValue")
        ? int64ToNumber(d.dimValue)!
        : null
    ),
  };
}
