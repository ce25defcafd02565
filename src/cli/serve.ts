/**
 * `ferry serve`: the prediction service over HTTP. Access-log lines (JSON) go to stdout, status
 * messages to stderr. With `--workers N` it starts N server processes sharing the port.
 *
 * @module
 */
import { formatConfig } from "../config/mod.ts";
import { jsonLines, superviseWorkers } from "./_serve_processes.ts";
import { createDecodePool } from "../image/mod.ts";
import { terminalReporter } from "../progress/mod.ts";
import { type ClassifierSession, openSplitClassifier } from "../runtime/mod.ts";
import {
  checkAppOptions,
  checkServerOptions,
  createApp,
  createJsonPool,
  type HubMember,
  joinMetricsHub,
  METRICS_HUB_ENV,
  startGrpcServer,
  startHealthServer,
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
import { defaultModelPath, modelOverridesFlags, OVERRIDE_FLAGS } from "./_model_flags.ts";
import { optionFlags, optionValues } from "./_options.ts";
import {
  appOptions,
  checkRepository,
  checkServeConfig,
  DEFAULTS,
  modelPaths,
  OPTIONS,
  type ServeConfig,
  serverOptions,
} from "./_serve_config.ts";

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
  if (workers > 1) {
    const health = { hostname: config.host, port: config.healthPort };
    return await superviseWorkers(parsed.args, workers, config.threads, {
      ...(config.healthPort ? { health } : {}),
    });
  }

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
  // Large v2 JSON bodies are parsed on a thread of its own (the service's warm-up starts it).
  const jsonPool = createJsonPool();
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
    jsonPool,
  });
  // A spare warms up first, so that the supervisor can swap it in for a dead worker at once;
  // the line that promotes it says whether it takes the gRPC port too.
  let grpcPort = config.grpcPort;
  if (config.standby) {
    await service.warmUp();
    const line = await Promise.race([lineOnStdin(), stopped.then(() => undefined)]);
    if (line === undefined) {
      decodePool?.close();
      jsonPool.close();
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
  // One process alone answers its own health port; workers tell their supervisor instead.
  let draining = false;
  const health = config.healthPort
    ? await startHealthServer({
      hostname: config.host,
      port: config.healthPort,
      status: () => ({ ready: service.state.models.ready && !draining }),
    })
    : undefined;
  if (health) reporter.info(`health on http://${config.host}:${health.port}/v2/health/ready`);
  await hub?.setReady(true);
  reporter.info(`listening on http://${server.addr.hostname}:${server.addr.port} (ready)`);

  const signal = await Promise.race([stopped, server.finished.then(() => "closed")]);
  draining = true;
  await hub?.setReady(false);
  reporter.info(`${signal}: finishing requests in flight (up to ${config.shutdownTimeoutMs} ms)`);
  const [graceful, grpcGraceful] = await Promise.all([server.shutdown(), grpcServer?.shutdown()]);
  await hub?.leave();
  await health?.close();
  log?.flush();
  decodePool?.close();
  jsonPool.close();
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
