/**
 * `ferry serve`: the prediction service over HTTP. Access-log lines (JSON) go to stdout, status
 * messages to stderr. With `--workers N` it starts N server processes sharing the port.
 *
 * @module
 */
import { join } from "node:path";
import { formatConfig } from "../config/mod.ts";
import { jsonLines, superviseWorkers } from "./_serve_processes.ts";
import { FerryError } from "../errors.ts";
import { createDecodePool } from "../image/mod.ts";
import { terminalReporter } from "../progress/mod.ts";
import {
  type ClassifierSession,
  compareModelPaths,
  openClassifierInWorker,
  type Provider,
  SESSION_DEFAULTS,
} from "../runtime/mod.ts";
import {
  APP_DEFAULTS,
  createApp,
  LIMIT_DEFAULTS,
  SERVER_DEFAULTS,
  startServer,
} from "../serve/mod.ts";
import {
  booleanFlag,
  type Command,
  CONFIG_FLAG,
  listFlag,
  numberFlag,
  type ParsedFlags,
  resolveCommandConfig,
  stringFlag,
} from "./_command.ts";
import { MODEL_FLAGS, modelOverridesFlags, modelPathFlag, providersFlag } from "./_model_flags.ts";

/** The resolved configuration, as printed at start. */
interface ServeConfig {
  models: string[];
  defaultModel: string | null;
  host: string;
  port: number;
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

const DEFAULTS: Omit<ServeConfig, "models"> = {
  defaultModel: null,
  host: SERVER_DEFAULTS.hostname,
  port: SERVER_DEFAULTS.port,
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

const num = (description: string, value: string, shown: number) => ({
  type: "string" as const,
  value,
  description,
  default: shown,
});

export const command: Command = {
  name: "serve",
  summary: "Serve models over HTTP (v1 API, Open Inference Protocol v2, web page)",
  usage: "[options] [model.onnx or folder…]",
  flags: {
    ...MODEL_FLAGS,
    threads: { ...MODEL_FLAGS.threads!, default: DEFAULTS.threads },
    host: {
      type: "string",
      value: "ADDR",
      description: "Interface to bind (0.0.0.0 exposes the service)",
      default: DEFAULTS.host,
    },
    port: num("Port (0 picks a free one)", "N", DEFAULTS.port),
    token: {
      type: "string",
      value: "TOKEN",
      description: "Bearer token required on all but health and the page (or env FERRY_TOKEN)",
    },
    cors: {
      type: "string",
      value: "ORIGIN",
      multiple: true,
      description: "Allow these origins (* for any); CORS is off without it",
    },
    "default-model": {
      type: "string",
      value: "NAME",
      description: "Model used when a request names none (default: the first)",
    },
    "max-batch": num(
      "Most images per inference run (1 turns batching off)",
      "N",
      DEFAULTS.maxBatch,
    ),
    "max-wait-ms": num("Longest wait for a fuller batch once busy", "MS", DEFAULTS.maxWaitMs),
    "max-queue": num("Most images waiting per model before 503", "N", DEFAULTS.maxQueue),
    "deadline-ms": num(
      "Longest a request waits for inference before 503",
      "MS",
      DEFAULTS.deadlineMs,
    ),
    "max-body-bytes": num("Largest request body (413)", "BYTES", DEFAULTS.maxBodyBytes),
    "max-files": num("Most images per request (413)", "N", DEFAULTS.maxFiles),
    "max-pixels": num("Most pixels per source image (422)", "N", DEFAULTS.maxPixels),
    "max-request-pixels": num(
      "Most pixels one request's images may declare in all (413)",
      "N",
      DEFAULTS.maxRequestPixels,
    ),
    "max-bytes-in-flight": num(
      "Most request bytes held at once per process (503 + Retry-After)",
      "BYTES",
      DEFAULTS.maxBytesInFlight,
    ),
    "allow-svg": {
      type: "boolean",
      description: "Accept SVG (renders untrusted XML)",
      default: DEFAULTS.allowSvg,
    },
    "top-k": num("Classes listed per image when the client does not say", "K", DEFAULTS.topK),
    workers: num(
      "Server processes sharing the port, each with its own model thread (0: one per core)",
      "N",
      DEFAULTS.workers,
    ),
    "decode-workers": num(
      "Threads that decode images (0: the server's own thread)",
      "N",
      DEFAULTS.decodeWorkers,
    ),
    "reuse-port": {
      type: "boolean",
      description: "Share the port with other processes (set for each of --workers)",
      default: DEFAULTS.reusePort,
    },
    "shutdown-timeout-ms": num(
      "Longest wait for in-flight requests on SIGTERM/SIGINT",
      "MS",
      DEFAULTS.shutdownTimeoutMs,
    ),
    "headers-timeout-ms": num(
      "Longest a client may take to send its headers (408)",
      "MS",
      DEFAULTS.headersTimeoutMs,
    ),
    "request-timeout-ms": num(
      "Longest a client may take to send a whole request (408)",
      "MS",
      DEFAULTS.requestTimeoutMs,
    ),
    "keep-alive-timeout-ms": num(
      "How long an idle keep-alive connection stays open",
      "MS",
      DEFAULTS.keepAliveTimeoutMs,
    ),
    "max-connections": num(
      "Most open connections per process (at most a quarter of the open-file limit)",
      "N",
      DEFAULTS.maxConnections,
    ),
    "access-log": {
      type: "boolean",
      description: "A JSON line per request on stdout (--no-access-log to stop)",
      default: DEFAULTS.accessLog,
    },
    standby: {
      type: "boolean",
      description:
        "Load and warm up, then listen only once a line arrives on stdin (--workers' spare)",
      default: DEFAULTS.standby,
    },
    config: CONFIG_FLAG,
  },
  examples: [
    "ferry serve                                  # the shipped model on 127.0.0.1:8080",
    "ferry serve models/ --port 9000 --token $(cat token.txt)",
    "ferry serve model.onnx --provider cuda,cpu --host 0.0.0.0 --workers 2",
    "curl -H 'content-type: image/jpeg' --data-binary @cat.jpg localhost:8080/v1/classify",
  ],
  run,
};

async function run(parsed: ParsedFlags): Promise<number> {
  const { values, positionals } = parsed;
  const reporter = terminalReporter();
  const config = await resolveCommandConfig<ServeConfig>(
    "serve",
    { ...DEFAULTS, models: [] },
    values,
    await flagsToConfig(values, positionals),
  );
  if (config.models.length === 0) config.models = [await modelPathFlag({})];
  validate(config);
  const token = stringFlag(values, "token") ?? Deno.env.get("FERRY_TOKEN");
  reporter.info(`config: ${formatConfig(config)}`);
  const workers = config.workers || (config.port === 0 ? 1 : navigator.hardwareConcurrency);
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
    return await serveUntilStopped(config, values, token, stop.promise);
  } finally {
    for (const [name, handler] of handlers) Deno.removeSignalListener(name, handler);
  }
}

async function serveUntilStopped(
  config: ServeConfig,
  values: ParsedFlags["values"],
  token: string | undefined,
  stopped: Promise<string>,
): Promise<number> {
  const reporter = terminalReporter();
  const overrides = await modelOverridesFlags(values);
  const sessions: ClassifierSession[] = [];
  for (const path of await expandModelPaths(config.models)) {
    // On a thread of its own: onnxruntime-node runs on the calling thread, which would stall HTTP.
    const session = await openClassifierInWorker(path, {
      providers: config.providers,
      threads: config.threads,
      overrides,
      reporter,
    });
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
  const service = createApp({
    models: sessions,
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
    ...(log ? { log: log.write } : {}),
    ...(decodePool ? { decodePool } : {}),
  });
  // A spare warms up first, so that the supervisor can swap it in for a dead worker at once.
  if (config.standby) {
    await service.warmUp();
    if (!await Promise.race([lineOnStdin(), stopped.then(() => false)])) {
      decodePool?.close();
      await Promise.all(sessions.map((s) => s.release()));
      return 0;
    }
  }
  const server = await startServer(service, {
    hostname: config.host,
    port: config.port,
    reusePort: config.reusePort,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    maxConnections: config.maxConnections,
    say: reporter.info,
  });
  await service.warmUp();
  reporter.info(`listening on http://${server.addr.hostname}:${server.addr.port} (ready)`);

  const signal = await Promise.race([stopped, server.finished.then(() => "closed")]);
  reporter.info(`${signal}: finishing requests in flight (up to ${config.shutdownTimeoutMs} ms)`);
  const graceful = await server.shutdown();
  log?.flush();
  decodePool?.close();
  await Promise.all(sessions.map((s) => s.release()));
  reporter.info(graceful ? "stopped" : "stopped: some requests were cut off at the timeout");
  return graceful ? 0 : 1;
}

/** Resolves `true` once a line arrives on stdin, `false` when stdin closes first. */
async function lineOnStdin(): Promise<boolean> {
  for await (const chunk of Deno.stdin.readable) {
    if (chunk.includes(10)) return true;
  }
  return false;
}

/**
 * Files as given; folders become every `.onnx` inside them or one level down (a `models/` folder
 * of run folders, each with the `model.onnx` that `ferry export` writes), sorted.
 */
async function expandModelPaths(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    const stat = await Deno.stat(path).catch(() => undefined);
    if (!stat) throw new FerryError("not_found", `Cannot find model '${path}'`);
    if (!stat.isDirectory) {
      out.push(path);
      continue;
    }
    const found: string[] = [];
    for await (const entry of Deno.readDir(path)) {
      const child = join(path, entry.name);
      if (entry.isFile && isOnnx(entry.name)) found.push(child);
      if (!entry.isDirectory) continue;
      try {
        for await (const inner of Deno.readDir(child)) {
          if (inner.isFile && isOnnx(inner.name)) found.push(join(child, inner.name));
        }
      } catch {
        // An unreadable sub-folder holds no model we could serve; the folder's others still count.
      }
    }
    if (found.length === 0) {
      throw new FerryError("not_found", `Cannot find a .onnx model in folder '${path}'`);
    }
    out.push(...found.sort(compareModelPaths));
  }
  return out;
}

const isOnnx = (name: string) => name.toLowerCase().endsWith(".onnx");

async function flagsToConfig(
  values: ParsedFlags["values"],
  positionals: string[],
): Promise<Partial<ServeConfig>> {
  const model = stringFlag(values, "model");
  const models = [...(model !== undefined ? [await modelPathFlag(values)] : []), ...positionals];
  return {
    models: models.length ? models : undefined,
    defaultModel: stringFlag(values, "default-model"),
    host: stringFlag(values, "host"),
    port: numberFlag(values, "port"),
    providers: providersFlag(values),
    threads: numberFlag(values, "threads"),
    maxBatch: numberFlag(values, "max-batch"),
    maxWaitMs: numberFlag(values, "max-wait-ms"),
    maxQueue: numberFlag(values, "max-queue"),
    deadlineMs: numberFlag(values, "deadline-ms"),
    maxBodyBytes: numberFlag(values, "max-body-bytes"),
    maxFiles: numberFlag(values, "max-files"),
    maxPixels: numberFlag(values, "max-pixels"),
    maxRequestPixels: numberFlag(values, "max-request-pixels"),
    maxBytesInFlight: numberFlag(values, "max-bytes-in-flight"),
    allowSvg: booleanFlag(values, "allow-svg"),
    cors: listFlag(values, "cors"),
    topK: numberFlag(values, "top-k"),
    workers: numberFlag(values, "workers"),
    decodeWorkers: numberFlag(values, "decode-workers"),
    reusePort: booleanFlag(values, "reuse-port"),
    shutdownTimeoutMs: numberFlag(values, "shutdown-timeout-ms"),
    headersTimeoutMs: numberFlag(values, "headers-timeout-ms"),
    requestTimeoutMs: numberFlag(values, "request-timeout-ms"),
    keepAliveTimeoutMs: numberFlag(values, "keep-alive-timeout-ms"),
    maxConnections: numberFlag(values, "max-connections"),
    accessLog: booleanFlag(values, "access-log"),
    standby: booleanFlag(values, "standby"),
  } as Partial<ServeConfig>;
}

function validate(config: ServeConfig): void {
  const positive = [
    ["max-batch", config.maxBatch],
    ["max-queue", config.maxQueue],
    ["deadline-ms", config.deadlineMs],
    ["max-body-bytes", config.maxBodyBytes],
    ["max-files", config.maxFiles],
    ["max-pixels", config.maxPixels],
    ["max-request-pixels", config.maxRequestPixels],
    ["max-bytes-in-flight", config.maxBytesInFlight],
    ["top-k", config.topK],
    ["shutdown-timeout-ms", config.shutdownTimeoutMs],
    ["headers-timeout-ms", config.headersTimeoutMs],
    ["request-timeout-ms", config.requestTimeoutMs],
    ["keep-alive-timeout-ms", config.keepAliveTimeoutMs],
    ["max-connections", config.maxConnections],
  ] as const;
  for (const [flag, value] of positive) {
    if (!Number.isInteger(value) || value < 1) {
      throw new FerryError(
        "usage",
        `Cannot use --${flag}: must be a positive integer, got ${value}`,
      );
    }
  }
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new FerryError("usage", `Cannot use --port: expected 0 to 65535, got ${config.port}`);
  }
  const counts = [["workers", config.workers], ["decode-workers", config.decodeWorkers]] as const;
  for (const [flag, value] of counts) {
    if (!Number.isInteger(value) || value < 0) {
      throw new FerryError("usage", `Cannot use --${flag}: must be 0 or more, got ${value}`);
    }
  }
  if (!(config.maxWaitMs >= 0)) {
    throw new FerryError(
      "usage",
      `Cannot use --max-wait-ms: must be 0 or more, got ${config.maxWaitMs}`,
    );
  }
  if (config.workers > 1 && config.port === 0) {
    throw new FerryError(
      "usage",
      "Cannot use --workers with --port 0: the workers need one known port",
    );
  }
}
