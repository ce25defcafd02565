/**
 * `ferry serve`: the prediction service over HTTP. Access-log lines (JSON) go to stdout, status
 * messages to stderr. With `--workers N` it starts N server processes sharing the port.
 *
 * @module
 */
import { formatConfig } from "../config/mod.ts";
import { jsonLines, superviseWorkers } from "./_serve_processes.ts";
import { FerryError } from "../errors.ts";
import { createDecodePool } from "../image/mod.ts";
import { terminalReporter } from "../progress/mod.ts";
import {
  type ClassifierSession,
  findModels,
  openSplitClassifier,
  type Provider,
  SESSION_DEFAULTS,
} from "../runtime/mod.ts";
import {
  APP_DEFAULTS,
  type AppOptions,
  checkAppOptions,
  checkServerOptions,
  createApp,
  type HubMember,
  joinMetricsHub,
  LIMIT_DEFAULTS,
  METRICS_HUB_ENV,
  MODEL_CONTROL_MODES,
  type ModelControlMode,
  REPOSITORY_DEFAULTS,
  SERVER_DEFAULTS,
  type ServerOptions,
  startGrpcServer,
  startServer,
} from "../serve/mod.ts";
import {
  type Command,
  CONFIG_FLAG,
  type FlagSpec,
  type ParsedFlags,
  resolveCommandConfig,
  stringFlag,
} from "./_command.ts";
import {
  defaultModelPath,
  MODEL_OPTIONS,
  modelOverridesFlags,
  OVERRIDE_FLAGS,
} from "./_model_flags.ts";
import { optionFlags, type OptionTable, optionValues } from "./_options.ts";

/** The resolved configuration, as printed at start. */
interface ServeConfig {
  models: string[];
  modelRepository: string | null;
  modelControlMode: ModelControlMode;
  repositoryPollSecs: number;
  modelName: string | null;
  defaultModel: string | null;
  host: string;
  port: number;
  grpcPort: number;
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
  accessLog: boolean;
  standby: boolean;
}

const DEFAULTS: ServeConfig = {
  models: [],
  modelRepository: null,
  modelControlMode: REPOSITORY_DEFAULTS.mode,
  repositoryPollSecs: REPOSITORY_DEFAULTS.pollSecs,
  modelName: null,
  defaultModel: null,
  host: SERVER_DEFAULTS.hostname,
  port: SERVER_DEFAULTS.port,
  grpcPort: 0,
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
  accessLog: true,
  standby: false,
};

/** Every option's flag and help line; `--help`, parsing and the environment read this table. */
const OPTIONS: OptionTable<ServeConfig> = {
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
  accessLog: { description: "A JSON line per request on stdout (--no-access-log to stop)" },
  standby: {
    description:
      "Load and warm up, then listen only once a line arrives on stdin (--workers' spare)",
  },
};

const FLAGS: Record<string, FlagSpec> = {
  ...optionFlags(OPTIONS, DEFAULTS),
  // Not part of the printed configuration: a secret.
  token: {
    type: "string",
    value: "TOKEN",
    description: "Bearer token required on all but health and the page",
  },
  ...OVERRIDE_FLAGS,
  config: CONFIG_FLAG,
};

export const command: Command = {
  name: "serve",
  summary: "Serve models over HTTP (v1 API, Open Inference Protocol v2, web page)",
  usage: "[options] [model.onnx or folder…]",
  flags: FLAGS,
  envPrefix: "FERRY_",
  examples: [
    "ferry serve                                  # the shipped model on 127.0.0.1:8080",
    "ferry serve models/ --port 9000 --token $(cat token.txt)",
    "ferry serve model.onnx --provider cuda,cpu --host 0.0.0.0 --workers 2",
    "ferry serve --model-repository repo/ --model-control-mode poll --repository-poll-secs 5",
    "FERRY_MODEL=/mnt/models FERRY_MODEL_NAME=cifar10 FERRY_HOST=0.0.0.0 ferry serve",
    "curl -H 'content-type: image/jpeg' --data-binary @cat.jpg localhost:8080/v1/classify",
  ],
  run,
};

async function run(parsed: ParsedFlags): Promise<number> {
  const { values, positionals } = parsed;
  const reporter = terminalReporter();
  const flags = optionValues(OPTIONS, DEFAULTS, values);
  if (positionals.length > 0) flags.models = [...flags.models ?? [], ...positionals];
  const config = await resolveCommandConfig("serve", DEFAULTS, values, flags);
  if (config.models.length === 0 && !config.modelRepository) {
    config.models = [await defaultModelPath()];
  }
  const token = stringFlag(values, "token");
  checkServeConfig(config);
  checkServerOptions(serverOptions(config));
  checkAppOptions(appOptions(config, token));
  if (config.modelRepository) await checkRepository(config.modelRepository);
  const paths = await modelPaths(config);
  reporter.info(`config: ${formatConfig(config)}`);
  // Explicit loads change one process's models: they need the one process.
  const single = config.port === 0 || config.modelControlMode === "explicit";
  const workers = config.workers || (single ? 1 : navigator.hardwareConcurrency);
  if (workers > 1) return await superviseWorkers(parsed.args, workers, config.threads);

  // Listen for signals from the start: one that arrives while models load stops the server as
  // soon as it is up, instead of killing the process half-started.
  const stop = Promise.withResolvers<string>();
  const handlers = (["SIGTERM", "SIGINT"] as const).map((signal) => {
    const handler = () => stop.resolve(signal);
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  try {
    return await serveUntilStopped(config, paths, values, token, stop.promise);
  } finally {
    for (const [name, handler] of handlers) Deno.removeSignalListener(name, handler);
  }
}

async function serveUntilStopped(
  config: ServeConfig,
  paths: string[],
  values: ParsedFlags["values"],
  token: string | undefined,
  stopped: Promise<string>,
): Promise<number> {
  const reporter = terminalReporter();
  const overrides = await modelOverridesFlags(values);
  // Batches on a thread of their own: onnxruntime-node runs on the calling thread, which would
  // stall HTTP; lone images of a fast model on this one, which saves the hop. The repository's
  // models open the same way.
  const open = (path: string, name?: string | null) =>
    openSplitClassifier(path, {
      providers: config.providers,
      threads: config.threads,
      overrides,
      reporter,
      ...(name ? { name } : {}),
    });
  const sessions: ClassifierSession[] = [];
  for (const path of paths) {
    const session = await open(path, config.modelName);
    sessions.push(session);
    reporter.info(
      `model: ${session.info.name} from ${path} (${session.info.classNames.length} classes, ` +
        `provider ${session.info.provider})`,
    );
  }
  const log = config.accessLog ? jsonLines(Deno.stdout) : undefined;
  const decodePool = config.decodeWorkers > 0
    ? createDecodePool({ workers: config.decodeWorkers })
    : undefined;
  // A worker of `--workers N` answers /metrics for all of them through its supervisor's hub,
  // which it joins once it serves (a spare joins when promoted).
  const hubPath = Deno.env.get(METRICS_HUB_ENV);
  let hub: HubMember | undefined;
  const service = createApp({
    ...appOptions(config, token),
    models: sessions,
    ...(hubPath
      ? { scrape: async () => hub ? await hub.scrape() : service.state.metrics.render() }
      : {}),
    ...(config.modelRepository
      ? {
        repository: {
          dir: config.modelRepository,
          mode: config.modelControlMode,
          pollSecs: config.repositoryPollSecs,
          open,
          onError: (message: string) => reporter.warn(message),
        },
      }
      : {}),
    ...(log ? { log: log.write } : {}),
    ...(decodePool ? { decodePool } : {}),
  });
  // A spare warms up first, so that the supervisor can swap it in for a dead worker at once;
  // the line that promotes it says whether it takes the gRPC port too.
  let grpcPort = config.grpcPort;
  if (config.standby) {
    await service.warmUp();
    const line = await Promise.race([lineOnStdin(), stopped.then(() => undefined)]);
    if (line === undefined) {
      decodePool?.close();
      await Promise.all(sessions.map((s) => s.release()));
      return 0;
    }
    if (!line.includes("grpc")) grpcPort = 0;
  }
  if (hubPath) {
    hub = await joinMetricsHub(hubPath, () => service.state.metrics.snapshot())
      .catch(() => undefined);
  }
  const server = await startServer(service, { ...serverOptions(config), say: reporter.info });
  const grpcServer = grpcPort > 0
    ? await startGrpcServer(service, {
      hostname: config.host,
      port: grpcPort,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      ...(token ? { token } : {}),
      ...(log ? { log: log.write } : {}),
    })
    : undefined;
  await service.warmUp();
  if (grpcServer) reporter.info(`gRPC on ${config.host}:${grpcServer.port}`);
  if (config.modelRepository) {
    const loaded = service.state.models.list().map((m) => `${m.name} v${m.version}`);
    reporter.info(
      `repository ${config.modelRepository} (${config.modelControlMode}): ` +
        (loaded.join(", ") || "no model loaded"),
    );
  }
  reporter.info(`listening on http://${server.addr.hostname}:${server.addr.port} (ready)`);

  const signal = await Promise.race([stopped, server.finished.then(() => "closed")]);
  reporter.info(`${signal}: finishing requests in flight (up to ${config.shutdownTimeoutMs} ms)`);
  const [graceful, grpcGraceful] = await Promise.all([server.shutdown(), grpcServer?.shutdown()]);
  await hub?.leave();
  log?.flush();
  decodePool?.close();
  await Promise.all(sessions.map((s) => s.release()));
  const allGraceful = graceful && grpcGraceful !== false;
  reporter.info(allGraceful ? "stopped" : "stopped: some requests were cut off at the timeout");
  return allGraceful ? 0 : 1;
}

/** The first line that arrives on stdin; undefined when stdin closes first. */
async function lineOnStdin(): Promise<string | undefined> {
  let text = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    const end = text.indexOf("\n");
    if (end >= 0) return text.slice(0, end);
  }
  return undefined;
}

/** The server's options from the configuration; `startServer` checks them. */
function serverOptions(config: ServeConfig): ServerOptions {
  return {
    hostname: config.host,
    port: config.port,
    reusePort: config.reusePort,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    maxConnections: config.maxConnections,
  };
}

/** The service's options from the configuration; `createApp` checks them. */
function appOptions(config: ServeConfig, token: string | undefined): Omit<AppOptions, "models"> {
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
async function modelPaths(config: ServeConfig): Promise<string[]> {
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
async function checkRepository(dir: string): Promise<void> {
  const stat = await Deno.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory) {
    throw new FerryError("not_found", `Cannot use --model-repository: '${dir}' is no folder`);
  }
}

/** What only the command knows of: processes, threads, the port they share. */
function checkServeConfig(config: ServeConfig): void {
  if (!Number.isInteger(config.grpcPort) || config.grpcPort < 0 || config.grpcPort > 65535) {
    throw new FerryError(
      "usage",
      `Cannot use --grpc-port: expected 0 to 65535, got ${config.grpcPort}`,
    );
  }
  if (config.grpcPort !== 0 && config.grpcPort === config.port) {
    throw new FerryError(
      "usage",
      `Cannot use --grpc-port ${config.grpcPort}: it is also the HTTP --port`,
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
