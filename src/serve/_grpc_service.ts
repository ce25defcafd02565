/**
 * `inference.GRPCInferenceService`'s methods on a service's state: the same models, batch
 * queues, limits and metrics as the HTTP routes, with errors turned into gRPC statuses by
 * errors.ts' table.
 *
 * @module
 */
import type * as grpc from "@grpc/grpc-js";
import { FerryError, grpcStatusOf } from "../errors.ts";
import { checkBearer } from "./auth.ts";
import { OIP_GRPC_DEFINITION } from "./_grpc_schema.ts";
import { modelMetadata, modelReady, withModel } from "./_grpc_models.ts";
import type { ServeState } from "./_state.ts";
import { checkOutputs, imageCount, imageRows } from "./_tensor_input.ts";
import { SERVER_METADATA } from "./routes_v2.ts";
import type { LogEntry } from "./options.ts";

/** What the methods need besides the service's state. */
export interface GrpcContext {
  state: ServeState;
  token: string | undefined;
  log: ((entry: LogEntry) => void) | undefined;
}

type Int64 = number | { toString(): string };

interface InferRequest {
  model_name: string;
  model_version: string;
  id: string;
  inputs: {
    datatype: string;
    shape: Int64[];
    contents: { fp32_contents: number[] } | null;
  }[];
  outputs: { name: string }[];
  raw_input_contents: Uint8Array[];
}

type Method = (request: never, call: grpc.ServerUnaryCall<unknown, unknown>) => unknown;

// Health stays open to orchestrators, as `/v2/health/*` does over HTTP.
const OPEN = new Set(["ServerLive", "ServerReady"]);

function methods(context: GrpcContext): Record<string, Method> {
  const { state } = context;
  return {
    ServerLive: () => ({ live: true }),
    ServerReady: () => ({ ready: state.models.ready }),
    ModelReady: (r: { name: string; version: string }) => ({
      ready: modelReady(state, r.name, r.version),
    }),
    ServerMetadata: () => SERVER_METADATA,
    ModelMetadata: (r: { name: string; version: string }) =>
      modelMetadata(state, r.name, r.version),
    ModelInfer: (r: InferRequest, call) => infer(state, r, call.getDeadline()),
  };
}

async function infer(state: ServeState, request: InferRequest, callDeadline: grpc.Deadline) {
  return await withModel(
    state,
    request.model_name,
    request.model_version,
    async (model, version) => {
      if (request.inputs.length !== 1) {
        throw new FerryError("usage", "Cannot infer: 'inputs' must hold exactly one tensor");
      }
      const tensor = request.inputs[0]!;
      const shape = tensor.shape.map(Number);
      const count = imageCount({ datatype: tensor.datatype, shape }, model, state.limits.maxFiles);
      checkOutputs(request.outputs, model);
      const rows = imageRows(
        inputValues(request.raw_input_contents, tensor.contents),
        count,
        model,
      );
      // The client's gRPC deadline, where it gives one sooner than ferry's own.
      const remaining = Math.min(state.limits.deadlineMs, Number(callDeadline) - Date.now());
      const outputs = await model.batcher.submitAll(rows, {
        deadline: performance.now() + remaining,
      });
      const classes = model.session.info.classNames.length;
      const probabilities = new Float32Array(count * classes);
      outputs.forEach((row, i) => probabilities.set(row, i * classes));
      return {
        model_name: model.name,
        model_version: version,
        id: request.id,
        outputs: [{
          name: model.session.info.outputName,
          datatype: "FP32",
          shape: [count, classes],
        }],
        raw_output_contents: [new Uint8Array(probabilities.buffer)],
      };
    },
  );
}

/** The FP32 values of the one input, from `raw_input_contents` or from its typed `contents`. */
function inputValues(
  raw: Uint8Array[],
  contents: InferRequest["inputs"][number]["contents"],
): Float32Array {
  const typed = contents?.fp32_contents ?? [];
  if (raw.length > 0 && typed.length > 0) {
    throw new FerryError(
      "usage",
      "Cannot infer: give the input in 'raw_input_contents' or in 'contents', not both",
    );
  }
  if (raw.length === 0) return Float32Array.from(typed);
  if (raw.length !== 1) {
    throw new FerryError(
      "usage",
      `Cannot infer: 'raw_input_contents' must hold one entry per input (1), got ${raw.length}`,
    );
  }
  const bytes = raw[0]!;
  if (bytes.length % 4 !== 0) {
    throw new FerryError(
      "usage",
      `Cannot infer: raw FP32 input must be a whole number of 4-byte values, got ${bytes.length} bytes`,
    );
  }
  // Little-endian, as the protocol says raw tensors are; the copy also aligns the values.
  const values = new Float32Array(bytes.length / 4);
  new Uint8Array(values.buffer).set(bytes);
  return values;
}

/**
 * The implementation of {@linkcode OIP_GRPC_DEFINITION} for `@grpc/grpc-js`' `Server.addService`:
 * each call authorised (but health), timed, counted in the metrics, logged, and its error
 * answered with the status of its kind.
 */
export function grpcImplementation(context: GrpcContext): grpc.UntypedServiceImplementation {
  const handlers = methods(context);
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [name, { path }] of Object.entries(OIP_GRPC_DEFINITION)) {
    const handler = handlers[name]!;
    const open = OPEN.has(name);
    implementation[name] = (
      call: grpc.ServerUnaryCall<unknown, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      const started = performance.now();
      const answered = (code: number) => record(context, path, code, started);
      Promise.resolve()
        .then(() => {
          if (!open && context.token !== undefined) {
            checkBearer(call.metadata.get("authorization")[0]?.toString(), context.token);
          }
          return handler(call.request as never, call);
        })
        .then((response) => {
          callback(null, response);
          answered(0);
        }, (error: unknown) => {
          callback(errorStatus(context, error, path));
          answered(grpcStatusOf(error));
        });
    };
  }
  return implementation;
}

function errorStatus(context: GrpcContext, error: unknown, path: string) {
  const known = error instanceof FerryError;
  context.state.metrics.errors.inc({ kind: known ? error.kind : "internal" });
  if (!known) {
    context.log?.({
      time: new Date().toISOString(),
      msg: "error",
      path,
      error: String((error as Error)?.stack ?? error),
    });
  }
  // The unexpected is reported without its details, which may hold paths or internals.
  const details = known ? error.message : "Internal error: the server could not answer";
  return { code: grpcStatusOf(error), details };
}

function record(
  context: GrpcContext,
  path: string,
  code: number,
  started: number,
): void {
  const ms = performance.now() - started;
  const { metrics } = context.state;
  metrics.requests.inc({ route: path, method: "GRPC", status: String(code) });
  metrics.latency.observe(ms / 1000, { route: path });
  context.log?.({
    time: new Date().toISOString(),
    msg: "request",
    method: "GRPC",
    path,
    status: code,
    ms: Math.round(ms * 100) / 100,
  });
}
