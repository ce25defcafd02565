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
import { modelSummary } from "./_describe.ts";
import { type InferRequest, modelInfer } from "./_grpc_infer.ts";
import { OIP_GRPC_DEFINITION } from "./_grpc_schema.ts";
import type { ServeState } from "./_state.ts";
import { SERVER_METADATA } from "./routes_v2.ts";
import type { LogEntry } from "./options.ts";

/** What the methods need besides the service's state. */
export interface GrpcContext {
  state: ServeState;
  token: string | undefined;
  log: ((entry: LogEntry) => void) | undefined;
}

/** `ModelReadyRequest` and `ModelMetadataRequest`: empty name or version for the default. */
interface ModelRequest {
  name: string;
  version: string;
}

type Method = (request: never, call: grpc.ServerUnaryCall<unknown, unknown>) => unknown;

// Health stays open to orchestrators, as `/v2/health/*` does over HTTP.
const OPEN = new Set(["ServerLive", "ServerReady"]);

function methods(context: GrpcContext): Record<string, Method> {
  const { models } = context.state;
  return {
    ServerLive: () => ({ live: true }),
    ServerReady: () => ({ ready: models.ready }),
    ModelReady: (r: ModelRequest) => ({
      ready: models.get(r.name || undefined, r.version || undefined).ready && !models.draining,
    }),
    ServerMetadata: () => SERVER_METADATA,
    ModelMetadata: (r: ModelRequest) => {
      const summary = modelSummary(
        models,
        r.name || models.defaultName || "",
        r.version || undefined,
      );
      const { name, versions, platform, inputs, outputs } = summary;
      return { name, versions, platform, inputs, outputs };
    },
    ModelInfer: (r: InferRequest, call) => modelInfer(context.state, r, call.getDeadline()),
  };
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
