/**
 * A small builder for an ONNX graph: unique value names, nodes with typed attributes, and
 * initializers stored as little-endian `raw_data`.
 *
 * @module
 */
import {
  type OnnxAttribute,
  OnnxAttributeType,
  OnnxDataType,
  type OnnxNode,
  type OnnxTensor,
} from "../onnx/mod.ts";

/** A value of the graph as the exporter tracks it for one Keras tensor. */
export interface GraphValue {
  /** Name of the ONNX value. */
  name: string;
  /**
   * "nchw": a 4-D image tensor, held channels-first inside the graph; "flat": any tensor whose
   * axes are the same as in Keras (2-D after Flatten, Dense, global pooling).
   */
  layout: "nchw" | "flat";
  /** The Keras shape (channels last, null batch). */
  shape: (number | null)[];
}

/** An attribute value: numbers are ints unless wrapped by {@linkcode float}. */
export type AttributeValue = number | number[] | { float: number } | string;

/** Marks an attribute value as a float (ONNX tells ints and floats apart). */
export const float = (value: number): { float: number } => ({ float: value });

/** Collects nodes and initializers, and hands out unique value names. */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly #used = new Set<string>();

  /** A name not used yet, derived from `base`. */
  unique(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, "_");
    let name = clean;
    for (let i = 1; this.#used.has(name); i++) name = `${clean}_${i}`;
    this.#used.add(name);
    return name;
  }

  /** Reserves `name` exactly (graph inputs and outputs). */
  reserve(name: string): string {
    if (this.#used.has(name)) throw new Error(`ONNX value name '${name}' is already used`);
    this.#used.add(name);
    return name;
  }

  /** Adds a node; returns the name of its (single) output, `output` or a unique one. */
  node(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttributeValue> = {},
    output?: string,
  ): string {
    const out = output ?? this.unique(`${inputs[0] ?? "const"}/${opType}`);
    this.nodes.push({
      name: this.unique(`node/${out}`),
      opType,
      input: inputs,
      output: [out],
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return out;
  }

  /** Adds a float32 initializer with `dims` and row-major `data`; returns its name. */
  floats(base: string, dims: number[], data: Float32Array | number[]): string {
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    return this.#tensor(base, dims, OnnxDataType.FLOAT, values);
  }

  /** Adds an int8, uint8 or int32 initializer (quantized values, zero points); returns its name. */
  integers(base: string, dims: number[], values: Int8Array | Uint8Array | Int32Array): string {
    const type = values instanceof Int8Array
      ? OnnxDataType.INT8
      : values instanceof Uint8Array
      ? OnnxDataType.UINT8
      : OnnxDataType.INT32;
    return this.#tensor(base, dims, type, values);
  }

  #tensor(base: string, dims: number[], dataType: number, values: TypedArray): string {
    if (values.length !== dims.reduce((a, b) => a * b, 1)) {
      throw new Error(`Initializer '${base}' has ${values.length} values for dims [${dims}]`);
    }
    const name = this.unique(base);
    this.initializers.push({ name, dims, dataType, rawData: littleEndian(values) });
    return name;
  }

  /** Adds an int64 initializer (shapes, axes); returns its name. */
  int64s(base: string, values: number[]): string {
    const data = BigInt64Array.from(values.map(BigInt));
    return this.#tensor(base, [values.length], OnnxDataType.INT64, data);
  }
}

function attribute(name: string, value: AttributeValue): OnnxAttribute {
  if (typeof value === "number") return { name, type: OnnxAttributeType.INT, i: value };
  if (typeof value === "string") {
    return { name, type: OnnxAttributeType.STRING, s: new TextEncoder().encode(value) };
  }
  if (Array.isArray(value)) return { name, type: OnnxAttributeType.INTS, ints: value };
  return { name, type: OnnxAttributeType.FLOAT, f: value.float };
}

type TypedArray = Float32Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

/** The values of a float32 initializer as `GraphBuilder.floats` stores them (`raw_data` or `float_data`). */
export function readFloats(tensor: OnnxTensor): Float32Array {
  if (tensor.dataType !== OnnxDataType.FLOAT) {
    throw new Error(`Initializer '${tensor.name}' is not float32`);
  }
  if (!tensor.rawData) return Float32Array.from(tensor.floatData ?? []);
  // littleEndian() is its own inverse: it swaps each value's bytes on big-endian platforms only.
  return new Float32Array(littleEndian(new Float32Array(tensor.rawData.slice().buffer)).buffer);
}

// ONNX raw_data is little-endian; typed arrays use the platform's order, so swap on big-endian.
const BIG_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

function littleEndian(values: TypedArray): Uint8Array {
  const bytes = new Uint8Array(
    values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength),
  );
  if (BIG_ENDIAN) {
    const width = values.BYTES_PER_ELEMENT;
    for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
  }
  return bytes;
}
