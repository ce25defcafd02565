/**
 * The Open Inference Protocol over gRPC (`inference.GRPCInferenceService`), served by
 * `@grpc/grpc-js` on Deno's `node:http2`, beside the HTTP server and on the same service.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import type { ServeApp } from "./app.ts";
import { OIP_GRPC_DEFINITION } from "./_grpc_schema.ts";
import { grpcImplementation } from "./_grpc_service.ts";
import type { LogEntry } from "./options.ts";
import { SERVER_DEFAULTS } from "./server.ts";

/** Options of {@linkcode startGrpcServer}. */
export interface GrpcServerOptions {
  /** Interface to bind. @default "127.0.0.1" */
  hostname?: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** A bearer token (`authorization` metadata) required on all but ServerLive and ServerReady. */
  token?: string;
  /** Receives one JSON entry per call, and unexpected errors. @default none */
  log?: (entry: LogEntry) => void;
  /** Longest a graceful shutdown waits for calls in flight, in milliseconds. @default 10_000 */
  shutdownTimeoutMs?: number;
}

/** A listening gRPC server. */
export interface RunningGrpcServer {
  /** The bound port (the real one when 0 was asked). */
  port: number;
  /** Stops taking calls and waits for those in flight; `false` when the timeout cut them off. */
  shutdown(): Promise<boolean>;
}

/**
 * Serves `service`'s models over gRPC and resolves once it listens. The service's own drain
 * (the HTTP server's shutdown) still empties the batch queues; this stops the gRPC side only.
 *
 * @example
 * ```ts
 * import { createApp, startGrpcServer } from "./mod.ts";
 * import { openClassifier } from "../runtime/mod.ts";
 * const service = createApp({ models: [await openClassifier("models/cifar10/model.onnx")] });
 * const grpcServer = await startGrpcServer(service, { port: 8081 });
 * await grpcServer.shutdown();
 * ```
 */
export async function startGrpcServer(
  service: ServeApp,
  options: GrpcServerOptions,
): Promise<RunningGrpcServer> {
  const hostname = options.hostname ?? SERVER_DEFAULTS.hostname;
  const timeoutMs = options.shutdownTimeoutMs ?? SERVER_DEFAULTS.shutdownTimeoutMs;
  const implementation = grpcImplementation({
    state: service.state,
    token: options.token,
    log: options.log,
  });
  const server = new grpc.Server({
    // The HTTP body limit holds for gRPC messages too (grpc-js answers RESOURCE_EXHAUSTED).
    "grpc.max_receive_message_length": service.state.limits.maxBodyBytes,
  });
  server.addService(OIP_GRPC_DEFINITION, implementation);
  const address = `${hostname.includes(":") ? `[${hostname}]` : hostname}:${options.port}`;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      address,
      grpc.ServerCredentials.createInsecure(),
      (error, bound) => error ? reject(error) : resolve(bound),
    )
  );
  let stopping: Promise<boolean> | undefined;
  const shutdown = () =>
    stopping ??= new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve(false);
      }, timeoutMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  return { port, shutdown };
}
