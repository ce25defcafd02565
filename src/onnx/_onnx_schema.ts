/**
 * The subset of `onnx.proto` (package `onnx`, proto2) that ferry writes and reads, as a protobufjs
 * reflection schema. Field numbers are those of the official schema; fields ferry never uses
 * (training info, sparse tensors, functions, segments) are left out, and protobufjs skips them
 * when it reads a file that has them. Repeated scalars are packed only where onnx.proto says so
 * (proto2 leaves `dims`, `ints` and `floats` unpacked).
 *
 * @module
 */
import protobuf from "protobufjs";

const fields = (spec: Record<string, [number, string, ("repeated" | "packed")?]>) =>
  Object.fromEntries(
    Object.entries(spec).map(([name, [id, type, rule]]) => [
      name,
      {
        id,
        type,
        ...(rule ? { rule: "repeated" } : {}),
        ...(rule ? { options: { packed: rule === "packed" } } : {}),
      },
    ]),
  );

const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: { fields: fields({ key: [1, "string"], value: [2, "string"] }) },
        OperatorSetIdProto: { fields: fields({ domain: [1, "string"], version: [2, "int64"] }) },
        AttributeProto: {
          fields: fields({
            name: [1, "string"],
            docString: [13, "string"],
            type: [20, "int32"],
            f: [2, "float"],
            i: [3, "int64"],
            s: [4, "bytes"],
            t: [5, "TensorProto"],
            floats: [7, "float", "repeated"],
            ints: [8, "int64", "repeated"],
            strings: [9, "bytes", "repeated"],
          }),
        },
        TensorProto: {
          fields: fields({
            dims: [1, "int64", "repeated"],
            dataType: [2, "int32"],
            floatData: [4, "float", "packed"],
            int32Data: [5, "int32", "packed"],
            int64Data: [7, "int64", "packed"],
            name: [8, "string"],
            rawData: [9, "bytes"],
            docString: [12, "string"],
            dataLocation: [14, "int32"],
          }),
        },
        TensorShapeProto: {
          fields: fields({ dim: [1, "Dimension", "repeated"] }),
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ["dimValue", "dimParam"] } },
              fields: fields({
                dimValue: [1, "int64"],
                dimParam: [2, "string"],
                denotation: [3, "string"],
              }),
            },
          },
        },
        TypeProto: {
          fields: fields({ tensorType: [1, "Tensor"], denotation: [6, "string"] }),
          nested: {
            Tensor: { fields: fields({ elemType: [1, "int32"], shape: [2, "TensorShapeProto"] }) },
          },
        },
        ValueInfoProto: {
          fields: fields({ name: [1, "string"], type: [2, "TypeProto"], docString: [3, "string"] }),
        },
        NodeProto: {
          fields: fields({
            input: [1, "string", "repeated"],
            output: [2, "string", "repeated"],
            name: [3, "string"],
            opType: [4, "string"],
            domain: [7, "string"],
            attribute: [5, "AttributeProto", "repeated"],
            docString: [6, "string"],
          }),
        },
        GraphProto: {
          fields: fields({
            node: [1, "NodeProto", "repeated"],
            name: [2, "string"],
            initializer: [5, "TensorProto", "repeated"],
            docString: [10, "string"],
            input: [11, "ValueInfoProto", "repeated"],
            output: [12, "ValueInfoProto", "repeated"],
            valueInfo: [13, "ValueInfoProto", "repeated"],
          }),
        },
        ModelProto: {
          fields: fields({
            irVersion: [1, "int64"],
            opsetImport: [8, "OperatorSetIdProto", "repeated"],
            producerName: [2, "string"],
            producerVersion: [3, "string"],
            domain: [4, "string"],
            modelVersion: [5, "int64"],
            docString: [6, "string"],
            graph: [7, "GraphProto"],
            metadataProps: [14, "StringStringEntryProto", "repeated"],
          }),
        },
      },
    },
  },
};

/** The `onnx.ModelProto` message type. */
export const ModelProtoType: protobuf.Type = protobuf.Root.fromJSON(SCHEMA).lookupType(
  "onnx.ModelProto",
);
