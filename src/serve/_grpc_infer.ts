/**
 * gRPC's ModelInfer as the v2 HTTP infer route runs it: the request becomes the route's body and
 * binary tensor data (raw contents as binary parts, typed contents as `data` or BYTES elements,
 * parameters as plain values), goes through the same readers, batch queue and answer writer, and
 * the answer's binary parts come back as `raw_output_contents`. So gRPC takes FP32, UINT8 and
 * BYTES inputs, the classification extension and the same refusals as HTTP.
 *
 * @module
 */
import type * as grpc from "@grpc/grpc-js";
import { FerryError } from "../errors.ts";
import { writeByteElements } from "./_binary_body.ts";
import { readInputs } from "./_infer_inputs.ts";
import { inferAnswer, readOutputRequests } from "./_infer_outputs.ts";
import type { ServeState } from "./_state.ts";

type Int64 = number | { toString(): string };

/** `InferParameter`: one of three values, named by the oneof `parameter_choice`. */
interface Parameter {
  parameter_choice?: "bool_param" | "int64_param" | "string_param";
  bool_param?: boolean;
  int64_param?: Int64;
  string_param?: string;
}
type Parameters = Record<string, Parameter>;

interface Contents {
  fp32_contents: number[];
  uint_contents: number[];
  bytes_contents: Uint8Array[];
}

/** `ModelInferRequest` as protobufjs decodes it (unset lists and maps empty). */
export interface InferRequest {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Parameters;
  inputs: {
    name: string;
    datatype: string;
    shape: Int64[];
    parameters: Parameters;
    contents: Contents | null;
  }[];
  outputs: { name: string; parameters: Parameters }[];
  raw_input_contents: Uint8Array[];
}

/** Runs a ModelInfer request on the model it names; resolves to `ModelInferResponse`'s fields. */
export async function modelInfer(
  state: ServeState,
  request: InferRequest,
  callDeadline: grpc.Deadline,
): Promise<object> {
  const { body, binary } = asV2Request(request);
  const name = request.model_name || undefined, version = request.model_version || undefined;
  return await state.models.use(name, version, async (model) => {
    const outputs = readOutputRequests(body, model, state.limits.maxTopK);
    const inputs = await readInputs(body, binary, model, state);
    // The client's gRPC deadline, where it gives one sooner than ferry's own.
    const remaining = Math.min(state.limits.deadlineMs, Number(callDeadline) - Date.now());
    const rows = await model.batcher.submitAll(inputs, { deadline: performance.now() + remaining });
    const { header, parts } = inferAnswer(rows, outputs, model, request.id);
    const tensors = header.outputs as { parameters?: unknown }[];
    return {
      ...header,
      outputs: tensors.map(({ parameters: _binarySize, ...tensor }) => tensor),
      raw_output_contents: parts,
    };
  });
}

/** The v2 route's body and binary data for a gRPC request; every output asked for as binary. */
function asV2Request(request: InferRequest): { body: Record<string, unknown>; binary: Uint8Array } {
  const raw = request.raw_input_contents;
  if (raw.length > 0 && raw.length !== request.inputs.length) {
    throw new FerryError(
      "usage",
      `Cannot infer: 'raw_input_contents' must hold one entry per input ` +
        `(${request.inputs.length}), got ${raw.length}`,
    );
  }
  const parts: Uint8Array[] = [];
  const inputs = request.inputs.map((tensor, i) => {
    const header = {
      name: tensor.name,
      datatype: tensor.datatype,
      shape: tensor.shape.map(Number),
    };
    const typed = typedContents(tensor.datatype, tensor.contents);
    if (raw.length > 0 && typed !== undefined) {
      throw new FerryError(
        "usage",
        `Cannot infer: input '${tensor.name}' comes in both 'raw_input_contents' and 'contents'`,
      );
    }
    const bytes = raw[i] ?? (typed instanceof Uint8Array ? typed : undefined);
    const parameters = plain(tensor.parameters);
    if (bytes === undefined) return { ...header, parameters, data: typed ?? [] };
    parts.push(bytes);
    return { ...header, parameters: { ...parameters, binary_data_size: bytes.length } };
  });
  const outputs = request.outputs.map((output) => ({
    name: output.name,
    parameters: { ...plain(output.parameters), binary_data: true },
  }));
  const body = {
    id: request.id,
    inputs,
    ...(outputs.length > 0 ? { outputs } : {}),
    parameters: { ...plain(request.parameters), binary_data_output: true },
  };
  const binary = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((offset, part) => (binary.set(part, offset), offset + part.length), 0);
  return { body, binary };
}

/** A tensor's typed contents for its datatype: numbers, or BYTES elements laid out as binary. */
function typedContents(
  datatype: string,
  contents: Contents | null,
): number[] | Uint8Array | undefined {
  if (!contents) return undefined;
  const values = datatype === "BYTES"
    ? contents.bytes_contents
    : datatype === "UINT8"
    ? contents.uint_contents
    : contents.fp32_contents;
  if (values.length === 0) return undefined;
  return datatype === "BYTES" ? writeByteElements(contents.bytes_contents) : values as number[];
}

/** gRPC parameters as the plain values the v2 route reads (int64 as a number). */
function plain(parameters: Parameters): Record<string, unknown> | undefined {
  const entries = Object.entries(parameters);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map(([key, parameter]) => {
    const choice = parameter.parameter_choice;
    const value = choice ? parameter[choice] : undefined;
    return [key, choice === "int64_param" ? Number(value) : value];
  }));
}
