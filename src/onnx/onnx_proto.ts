/**
 * ONNX files as plain objects: ferry's writer (export) and reader (runtime) share this one
 * protobuf schema, so what one writes the other reads back by the same field numbers.
 *
 * @module
 */
import { ModelProtoType } from "./_onnx_schema.ts";

/** `TensorProto.DataType` values ferry uses. */
export const OnnxDataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;

/** `AttributeProto.AttributeType` values ferry uses. */
export const OnnxAttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

/** An int64 as protobufjs gives it back: a number, or a Long when long.js is loaded. */
export type Int64 = number | { low: number; high: number; toNumber?: () => number };

/** A tensor value (weights, constants). */
export interface OnnxTensor {
  name: string;
  dims: Int64[];
  dataType: number;
  rawData?: Uint8Array;
  floatData?: number[];
  int64Data?: Int64[];
}

/** One named attribute of a node. */
export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  floats?: number[];
  ints?: Int64[];
}

/** One operator call. */
export interface OnnxNode {
  name?: string;
  opType: string;
  domain?: string;
  input: string[];
  output: string[];
  attribute?: OnnxAttribute[];
}

/** A dimension: a fixed size or a symbolic name such as "N". */
export interface OnnxDimension {
  dimValue?: Int64;
  dimParam?: string;
}

/** A graph input or output with its element type and shape. */
export interface OnnxValueInfo {
  name: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: OnnxDimension[] } } };
  docString?: string;
}

/** A computation graph. */
export interface OnnxGraph {
  name?: string;
  node: OnnxNode[];
  initializer?: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
  docString?: string;
}

/** A whole model file. */
export interface OnnxModel {
  irVersion: Int64;
  opsetImport: { domain?: string; version: Int64 }[];
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  graph?: OnnxGraph;
  metadataProps?: { key: string; value: string }[];
}

/** Serialises a model to the bytes of an `.onnx` file. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const message = ModelProtoType.fromObject(model as unknown as Record<string, unknown>);
  return ModelProtoType.encode(message).finish();
}

/**
 * Parses the bytes of an `.onnx` file. Throws protobufjs' own errors on malformed input; callers
 * turn them into messages that name the file.
 */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  return ModelProtoType.decode(bytes) as unknown as OnnxModel;
}

/** An int64 field as a JavaScript number (ferry's shapes and versions fit in 53 bits). */
export function int64ToNumber(value: Int64 | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return value;
  if (typeof value.toNumber === "function") return value.toNumber();
  return value.high * 2 ** 32 + (value.low >>> 0);
}
