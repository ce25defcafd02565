/**
 * `ferry serve`'s configuration: its keys, their defaults and flags in one table, and what the
 * command checks and builds from them before anything loads.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import { findModels, type Provider, SESSION_DEFAULTS } from "../runtime/mod.ts";
import {
  APP_DEFAULTS,
  type AppOptions,
  HTTP_SERVERS,
  type HttpServer,
  LIMIT_DEFAULTS,
  MODEL_CONTROL_MODES,
  type ModelControlMode,
  REPOSITORY_DEFAULTS,
  SERVER_DEFAULTS,
  type ServerOptions,
} from "../serve/mod.ts";
import { MODEL_OPTIONS } from "./_model_flags.ts";
import type { OptionTable } from "./_options.ts";

/** The resolved configuration, as printed at start. */
export interface ServeConfig {
  models: string[];
  modelRepository: string | null;
  modelControlMode: ModelControlMode;
  repositoryPollSecs: number;
  modelName: string | null;
  defaultModel: string | null;
  host: string;
  port: number;
  grpcPort: number;
  healthPort: number;
  providers: Provider[];
  threads: number;
  maxBatch: number;
  maxWaitMs: number;
  maxQueue: number;
  deadlineMs: number;
  maxBodyBytes: number;
  maxFiles: number;
  maxPixels: number;
  maxRequestPixels: number;
  maxBytesInFlight: number;
  allowSvg: boolean;
  cors: string[];
  topK: number;
  workers: number;
  decodeWorkers: number;
  reusePort: boolean;
  shutdownTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  httpServer: HttpServer;
  accessLog: boolean;
  standby: boolean;
}

export const DEFAULTS: ServeConfig = {
  models: [],
  modelRepository: null,
  modelControlMode: REPOSITORY_DEFAULTS.mode,
  repositoryPollSecs: REPOSITORY_DEFAULTS.pollSecs,
  modelName: null,
  defaultModel: null,
  host: SERVER_DEFAULTS.hostname,
  port: SERVER_DEFAULTS.port,
  grpcPort: 0,
  healthPort: 0,
  providers: SESSION_DEFAULTS.providers,
  // One onnxruntime thread per process: the event loop (HTTP, decoding) needs a core of its own,
  // and onnxruntime's spinning thread pool starves it. Measured on 2 cores with 32×32 JPEGs at
  // concurrency 64: 2 threads served about half the requests per second of 1.
  threads: 1,
  maxBatch: APP_DEFAULTS.batching.maxBatchSize,
  maxWaitMs: APP_DEFAULTS.batching.maxWaitMs,
  maxQueue: LIMIT_DEFAULTS.maxQueue,
  deadlineMs: LIMIT_DEFAULTS.deadlineMs,
  maxBodyBytes: LIMIT_DEFAULTS.maxBodyBytes,
  maxFiles: LIMIT_DEFAULTS.maxFiles,
  maxPixels: LIMIT_DEFAULTS.maxPixels,
  maxRequestPixels: LIMIT_DEFAULTS.maxRequestPixels,
  maxBytesInFlight: LIMIT_DEFAULTS.maxBytesInFlight,
  allowSvg: LIMIT_DEFAULTS.allowVector,
  cors: [],
  topK: APP_DEFAULTS.topK,
  // 0: one process per core, or one with --port 0. On 2 idle cores, 32×32 JPEGs at concurrency
  // 64 with batching: two processes served 4,963 requests/s, one 4,236 (docs/benchmarks.md).
  workers: 0,
  decodeWorkers: 0,
  reusePort: SERVER_DEFAULTS.reusePort,
  shutdownTimeoutMs: SERVER_DEFAULTS.shutdownTimeoutMs,
  headersTimeoutMs: SERVER_DEFAULTS.headersTimeoutMs,
  requestTimeoutMs: SERVER_DEFAULTS.requestTimeoutMs,
  keepAliveTimeoutMs: SERVER_DEFAULTS.keepAliveTimeoutMs,
  maxConnections: SERVER_DEFAULTS.maxConnections,
  httpServer: SERVER_DEFAULTS.httpServer,
  accessLog: true,
  standby: false,
};

/** Every option's flag and help line; `--help`, parsing and the environment read this table. */
export const OPTIONS: OptionTable<ServeConfig> = {
  models: { ...MODEL_OPTIONS.model, flag: "model", value: "FILE|DIR" },
  modelName: {
    value: "NAME",
    description:
      "Serve the one model under this name (KServe's /mnt/models/model.onnx: not 'models')",
  },
  modelRepository: {
    value: "DIR",
    description: "Serve the models of DIR/<name>/<version>/model.onnx (Triton's layout)",
  },
  modelControlMode: {
    value: "MODE",
    choices: MODEL_CONTROL_MODES,
    description:
      "Repository models: none (load at start), poll (rescan), explicit (load/unload API)",
  },
  repositoryPollSecs: {
    value: "S",
    description: "Seconds between repository rescans in poll mode",
  },
  providers: MODEL_OPTIONS.providers,
  threads: MODEL_OPTIONS.threads,
  host: { value: "ADDR", description: "Interface to bind (0.0.0.0 exposes the service)" },
  port: { value: "N", description: "Port (0 picks a free one)" },
  grpcPort: {
    value: "N",
    description: "Also serve the Open Inference Protocol over gRPC on this port (0: off)",
  },
  healthPort: {
    value: "N",
    description:
      "Also answer /v2/health/live and /ready on this port, from the supervisor (0: off)",
  },
  cors: { value: "ORIGIN", description: "Allow these origins (* for any); CORS is off without it" },
  defaultModel: {
    value: "NAME",
    description: "Model used when a request names none (default: the first)",
  },
  maxBatch: { value: "N", description: "Most images per inference run (1 turns batching off)" },
  maxWaitMs: { value: "MS", description: "Longest wait for a fuller batch once busy" },
  maxQueue: { value: "N", description: "Most images waiting per model before 503" },
  deadlineMs: { value: "MS", description: "Longest a request waits for inference before 503" },
  maxBodyBytes: { value: "BYTES", description: "Largest request body (413)" },
  maxFiles: { value: "N", description: "Most images per request (413)" },
  maxPixels: { value: "N", description: "Most pixels per source image (422)" },
  maxRequestPixels: {
    value: "N",
    description: "Most pixels one request's images may declare in all (413)",
  },
  maxBytesInFlight: {
    value: "BYTES",
    description: "Most request bytes held at once per process (503 + Retry-After)",
  },
  allowSvg: { description: "Accept SVG (renders untrusted XML)" },
  topK: { value: "K", description: "Classes listed per image when the client does not say" },
  workers: {
    value: "N",
    description:
      "Server processes sharing the port, each with its own model thread (0: one per core)",
  },
  decodeWorkers: {
    value: "N",
    description: "Threads that decode images (0: the server's own thread)",
  },
  reusePort: { description: "Share the port with other processes (set for each of --workers)" },
  shutdownTimeoutMs: {
    value: "MS",
    description: "Longest wait for in-flight requests on SIGTERM/SIGINT",
  },
  headersTimeoutMs: {
    value: "MS",
    description: "Longest a client may take to send its headers (408)",
  },
  requestTimeoutMs: {
    value: "MS",
    description: "Longest a client may take to send a whole request (408)",
  },
  keepAliveTimeoutMs: {
    value: "MS",
    description: "How long an idle keep-alive connection stays open",
  },
  maxConnections: {
    value: "N",
    description: "Most open connections per process (at most a quarter of the open-file limit)",
  },
  httpServer: {
    value: "NAME",
    choices: HTTP_SERVERS,
    description:
      "node: the timeouts and cap above; deno: Deno.serve, none of them, 1.1–1.4× the requests " +
      "(behind a proxy that enforces them)",
  },
  accessLog: { description: "A JSON line per request on stdout (--no-access-log to stop)" },
  standby: {
    description:
      "Load and warm up, then listen only once a line arrives on stdin (--workers' spare)",
  },
};

/** The server's options from the configuration; `startServer` checks them. */
export function serverOptions(config: ServeConfig): ServerOptions {
  return {
    hostname: config.host,
    port: config.port,
    reusePort: config.reusePort,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    maxConnections: config.maxConnections,
    httpServer: config.httpServer,
  };
}

/** The service's options from the configuration; `createApp` checks them. */
export function appOptions(
  config: ServeConfig,
  token: string | undefined,
): Omit<AppOptions, "models"> {
  return {
    ...(config.defaultModel ? { defaultModel: config.defaultModel } : {}),
    ...(token ? { token } : {}),
    corsOrigins: config.cors,
    topK: config.topK,
    batching: { maxBatchSize: config.maxBatch, maxWaitMs: config.maxWaitMs },
    limits: {
      maxQueue: config.maxQueue,
      deadlineMs: config.deadlineMs,
      maxBodyBytes: config.maxBodyBytes,
      maxFiles: config.maxFiles,
      maxPixels: config.maxPixels,
      maxRequestPixels: config.maxRequestPixels,
      maxBytesInFlight: config.maxBytesInFlight,
      allowVector: config.allowSvg,
    },
  };
}

/** The model files to serve: each file as given, each folder's models as `findModels` finds them. */
export async function modelPaths(config: ServeConfig): Promise<string[]> {
  const paths: string[] = [];
  for (const given of config.models) {
    const found = await findModels(given);
    if (found.length === 0) {
      throw new FerryError("not_found", `Cannot find a .onnx model in folder or file '${given}'`);
    }
    paths.push(...found);
  }
  if (config.modelName && paths.length !== 1) {
    throw new FerryError(
      "usage",
      `Cannot use --model-name: it names one model, but ${paths.length} were found ` +
        `(${paths.join(", ")})`,
    );
  }
  return paths;
}

/** A repository folder that cannot be read stops the command before any model loads. */
export async function checkRepository(dir: string): Promise<void> {
  const stat = await Deno.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory) {
    throw new FerryError("not_found", `Cannot use --model-repository: '${dir}' is no folder`);
  }
}

/** What only the command knows of: processes, threads, the port they share. */
export function checkServeConfig(config: ServeConfig): void {
  const ports = [["grpc-port", config.grpcPort], ["health-port", config.healthPort]] as const;
  for (const [flag, value] of ports) {
    if (!Number.isInteger(value) || value < 0 || value > 65535) {
      throw new FerryError("usage", `Cannot use --${flag}: expected 0 to 65535, got ${value}`);
    }
    if (value !== 0 && value === config.port) {
      throw new FerryError("usage", `Cannot use --${flag} ${value}: it is also the HTTP --port`);
    }
  }
  if (config.healthPort !== 0 && config.healthPort === config.grpcPort) {
    throw new FerryError(
      "usage",
      `Cannot use --health-port ${config.healthPort}: it is also the --grpc-port`,
    );
  }
  const counts = [["workers", config.workers], ["decode-workers", config.decodeWorkers]] as const;
  for (const [flag, value] of counts) {
    if (!Number.isInteger(value) || value < 0) {
      throw new FerryError("usage", `Cannot use --${flag}: must be 0 or more, got ${value}`);
    }
  }
  if (!(config.repositoryPollSecs > 0)) {
    throw new FerryError(
      "usage",
      `Cannot use --repository-poll-secs: must be more than 0, got ${config.repositoryPollSecs}`,
    );
  }
  if (config.workers > 1 && config.modelControlMode === "explicit") {
    throw new FerryError(
      "usage",
      "Cannot use --workers with --model-control-mode explicit: a load would reach one worker",
    );
  }
  if (config.workers > 1 && config.port === 0) {
    throw new FerryError(
      "usage",
      "Cannot use --workers with --port 0: the workers need one known port",
    );
  }
}
