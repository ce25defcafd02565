/**
 * The Open Inference Protocol's gRPC service (`inference.GRPCInferenceService`) as a protobufjs
 * reflection schema. Message, field and method names and field numbers are those of KServe's
 * `docs/predict-api/v2/grpc_predict_v2.proto` (Apache-2.0), so that stubs generated from that
 * file talk to ferry; every field is listed, including those ferry ignores, so that the
 * descriptor the interop test writes out is the whole protocol.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";

type Field = [id: number, type: string, rule?: "repeated" | { map: string }];

const fields = (spec: Record<string, Field>) =>
  Object.fromEntries(
    Object.entries(spec).map(([name, [id, type, rule]]) => [
      name,
      rule === "repeated"
        ? { id, type, rule }
        : rule
        ? { id, type, keyType: rule.map }
        : { id, type },
    ]),
  );

const PARAMETERS = { map: "string" } as const;
const empty = { fields: {} };
// An input tensor of a request and an output tensor of an answer have the same fields.
const tensor = {
  fields: fields({
    name: [1, "string"],
    datatype: [2, "string"],
    shape: [3, "int64", "repeated"],
    parameters: [4, "InferParameter", PARAMETERS],
    contents: [5, "InferTensorContents"],
  }),
};
const tensorMetadata = {
  fields: fields({ name: [1, "string"], datatype: [2, "string"], shape: [3, "int64", "repeated"] }),
};

/** The package `inference` as protobufjs JSON: the service and its messages. */
export const OIP_GRPC_SCHEMA = {
  nested: {
    inference: {
      nested: {
        GRPCInferenceService: {
          methods: Object.fromEntries(
            [
              "ServerLive",
              "ServerReady",
              "ModelReady",
              "ServerMetadata",
              "ModelMetadata",
              "ModelInfer",
            ].map((name) => [name, {
              requestType: `${name}Request`,
              responseType: `${name}Response`,
            }]),
          ),
        },
        ServerLiveRequest: empty,
        ServerLiveResponse: { fields: fields({ live: [1, "bool"] }) },
        ServerReadyRequest: empty,
        ServerReadyResponse: { fields: fields({ ready: [1, "bool"] }) },
        ModelReadyRequest: { fields: fields({ name: [1, "string"], version: [2, "string"] }) },
        ModelReadyResponse: { fields: fields({ ready: [1, "bool"] }) },
        ServerMetadataRequest: empty,
        ServerMetadataResponse: {
          fields: fields({
            name: [1, "string"],
            version: [2, "string"],
            extensions: [3, "string", "repeated"],
          }),
        },
        ModelMetadataRequest: { fields: fields({ name: [1, "string"], version: [2, "string"] }) },
        ModelMetadataResponse: {
          fields: fields({
            name: [1, "string"],
            versions: [2, "string", "repeated"],
            platform: [3, "string"],
            inputs: [4, "TensorMetadata", "repeated"],
            outputs: [5, "TensorMetadata", "repeated"],
          }),
          nested: { TensorMetadata: tensorMetadata },
        },
        ModelInferRequest: {
          fields: fields({
            model_name: [1, "string"],
            model_version: [2, "string"],
            id: [3, "string"],
            parameters: [4, "InferParameter", PARAMETERS],
            inputs: [5, "InferInputTensor", "repeated"],
            outputs: [6, "InferRequestedOutputTensor", "repeated"],
            raw_input_contents: [7, "bytes", "repeated"],
          }),
          nested: {
            InferInputTensor: tensor,
            InferRequestedOutputTensor: {
              fields: fields({
                name: [1, "string"],
                parameters: [2, "InferParameter", PARAMETERS],
              }),
            },
          },
        },
        ModelInferResponse: {
          fields: fields({
            model_name: [1, "string"],
            model_version: [2, "string"],
            id: [3, "string"],
            parameters: [4, "InferParameter", PARAMETERS],
            outputs: [5, "InferOutputTensor", "repeated"],
            raw_output_contents: [6, "bytes", "repeated"],
          }),
          nested: {
            InferOutputTensor: tensor,
          },
        },
        InferParameter: {
          oneofs: { parameter_choice: { oneof: ["bool_param", "int64_param", "string_param"] } },
          fields: fields({
            bool_param: [1, "bool"],
            int64_param: [2, "int64"],
            string_param: [3, "string"],
          }),
        },
        InferTensorContents: {
          fields: fields({
            bool_contents: [1, "bool", "repeated"],
            int_contents: [2, "int32", "repeated"],
            int64_contents: [3, "int64", "repeated"],
            uint_contents: [4, "uint32", "repeated"],
            uint64_contents: [5, "uint64", "repeated"],
            fp32_contents: [6, "float", "repeated"],
            fp64_contents: [7, "double", "repeated"],
            bytes_contents: [8, "bytes", "repeated"],
          }),
        },
      },
    },
  },
};

/** The schema, resolved: `root.lookupService("inference.GRPCInferenceService")` and its types. */
export const OIP_GRPC_ROOT: protobuf.Root = protobuf.Root.fromJSON(OIP_GRPC_SCHEMA);

/** The service's full name, as gRPC paths (`/inference.GRPCInferenceService/ModelInfer`) carry it. */
export const OIP_GRPC_SERVICE = "inference.GRPCInferenceService";

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);

function definition(): grpc.ServiceDefinition {
  const methods: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const method of OIP_GRPC_ROOT.lookupService(OIP_GRPC_SERVICE).methodsArray) {
    method.resolve();
    const requestType = method.resolvedRequestType!, responseType = method.resolvedResponseType!;
    methods[method.name] = {
      path: `/${OIP_GRPC_SERVICE}/${method.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: object) => asBuffer(requestType.encode(value).finish()),
      // The server reads fields off the message; copying large typed contents would cost.
      requestDeserialize: (bytes: Buffer) => requestType.decode(bytes),
      responseSerialize: (value: object) => asBuffer(responseType.encode(value).finish()),
      // Clients get plain objects: int64 as numbers, empty lists present.
      responseDeserialize: (bytes: Buffer) =>
        responseType.toObject(responseType.decode(bytes), { longs: Number, arrays: true }),
    };
  }
  return methods as grpc.ServiceDefinition;
}

/**
 * The service for `@grpc/grpc-js` (`Server.addService`, `makeGenericClientConstructor`), its
 * messages coded by protobufjs from {@linkcode OIP_GRPC_ROOT}.
 */
export const OIP_GRPC_DEFINITION: grpc.ServiceDefinition = definition();
