import { Hono } from "hono";
import { cors } from "hono/cors";
import { routePath } from "hono/route";
import { FerryError, httpStatusOf } from "../errors.ts";
import { checkBearer } from "./auth.ts";
import { ModelRegistry } from "./registry.ts";
import { ModelRepository } from "./repository.ts";
import { ServeMetrics } from "./metrics.ts";
import {
  APP_DEFAULTS,
  type AppOptions,
  checkAppOptions,
  LIMIT_DEFAULTS,
  type LogEntry,
  type ServeLimits,
} from "./options.ts";
import { openApiDocument } from "./openapi.ts";
import { cardRoutes } from "./cards.ts";
import { PAGE_HTML } from "./page.ts";
import { v1Routes } from "./routes_v1.ts";
import { v2Routes } from "./routes_v2.ts";
import type { ServeEnv, ServeState } from "./_state.ts";

/** A built service: the Hono app and its lifecycle. */
export interface ServeApp {
  app: Hono<ServeEnv>;
  /** `app.fetch`: a fetch handler, which `startServer` runs under node:http. */
  fetch: (request: Request) => Response | Promise<Response>;
  state: ServeState;
  /**
   * Runs every model once, loads the repository's and starts the JSON pool's threads;
   * `/v2/health/ready` answers 200 afterwards.
   */
  warmUp(): Promise<void>;
  /** Marks the service not ready, refuses new inferences and waits for queued ones. */
  drain(): Promise<void>;
}

// Health must stay reachable by orchestrators without credentials, and the page is static HTML
// with no data in it; the API calls it makes carry the token.
const OPEN_PATHS = new Set(["/", "/v2/health/live", "/v2/health/ready"]);
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Builds the prediction service: v1 and v2 (Open Inference Protocol) routes, limits, bearer auth,
 * CORS, request ids, a JSON access log and Prometheus metrics, with one error handler that turns
 * every {@linkcode FerryError} into its status and `{"error": "…"}`.
 *
 * @example
 * ```ts
 * import { createApp, startServer } from "./mod.ts";
 * import { openClassifier } from "../runtime/mod.ts";
 * const session = await openClassifier("models/cifar10/model.onnx");
 * const service = createApp({ models: [session] });
 * await startServer(service, { hostname: "127.0.0.1", port: 8080 });
 * await service.warmUp();
 * ```
 */
export function createApp(options: AppOptions): ServeApp {
  checkAppOptions(options);
  const limits: ServeLimits = { ...LIMIT_DEFAULTS, ...options.limits };
  const metrics = new ServeMetrics();
  const batching = { ...APP_DEFAULTS.batching, ...options.batching, maxQueue: limits.maxQueue };
  const models = new ModelRegistry({
    batching,
    metrics,
    ...(options.defaultModel ? { defaultName: options.defaultModel } : {}),
  });
  for (const session of options.models) models.add(session);
  const repository = options.repository && new ModelRepository(models, options.repository);
  if (!repository) checkDefaultModel(models);
  const state: ServeState = {
    models,
    repository,
    limits,
    metrics,
    topK: options.topK ?? APP_DEFAULTS.topK,
    background: options.background,
    decodePool: options.decodePool,
    jsonPool: options.jsonPool,
  };
  const log = options.log;
  const app = new Hono<ServeEnv>();

  app.use(async (c, next) => {
    const started = performance.now();
    const given = c.req.header("x-request-id");
    const id = given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    c.set("requestId", id);
    await next();
    c.res.headers.set("x-request-id", id);
    const route = c.res.status === 404 && !c.req.routePath ? "unmatched" : routePath(c, -1);
    const ms = performance.now() - started;
    metrics.requests.inc({ route, method: c.req.method, status: String(c.res.status) });
    metrics.latency.observe(ms / 1000, { route });
    log?.({
      time: new Date().toISOString(),
      msg: "request",
      id,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(ms * 100) / 100,
    });
  });
  // Bodies in flight, held against one budget per process, so that many large requests at once
  // are turned away instead of growing the heap.
  let bytesInFlight = 0;
  app.use(async (c, next) => {
    if (c.req.method !== "POST") return await next();
    const declared = Number(c.req.header("content-length") ?? NaN);
    const size = declared >= 0 ? Math.min(declared, limits.maxBodyBytes) : limits.maxBodyBytes;
    if (bytesInFlight + size > limits.maxBytesInFlight) {
      throw new FerryError(
        "overloaded",
        `Cannot accept the request now: ${bytesInFlight} bytes of requests are in flight`,
      );
    }
    bytesInFlight += size;
    try {
      await next();
    } finally {
      bytesInFlight -= size;
    }
  });
  if (options.corsOrigins?.length) {
    const origins = options.corsOrigins;
    app.use(
      cors({ origin: origins.includes("*") ? "*" : origins, exposeHeaders: ["x-request-id"] }),
    );
  }
  if (options.token !== undefined) {
    const token = options.token;
    app.use(async (c, next) => {
      if (!OPEN_PATHS.has(c.req.path) && c.req.method !== "OPTIONS") {
        checkBearer(c.req.header("authorization"), token);
      }
      await next();
    });
  }

  app.get("/", (c) =>
    c.html(PAGE_HTML, 200, {
      // The page needs nothing from elsewhere; the policy makes sure it gets nothing.
      "content-security-policy": "default-src 'none'; connect-src 'self'; img-src blob:; " +
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'",
    }));
  app.get("/metrics", async (c) =>
    c.text(await (options.scrape?.() ?? metrics.render()), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    }));
  app.get("/openapi.json", (c) => c.json(openApiDocument(state)));
  app.route("/v1", v1Routes(state));
  app.route("/v2", v2Routes(state));
  app.route("/models", cardRoutes(state));

  const allowedMethods = methodsByRoute(app);
  app.notFound((c) => {
    const allow = allowedMethods(c.req.path);
    if (allow.length === 0) {
      return c.json({ error: `Cannot find ${c.req.method} ${c.req.path}` }, 404);
    }
    const error = `Cannot ${c.req.method} ${c.req.path}: it answers ${allow.join(", ")}`;
    return c.json({ error }, 405, { allow: allow.join(", ") });
  });
  app.onError((error, c) => errorResponse(error, c.get("requestId"), metrics, log));

  return {
    app,
    fetch: (request) => app.fetch(request),
    state,
    // The repository's versions load (each warmed) first: ready means all of them are in.
    warmUp: async () => {
      await repository?.start();
      await models.warmUp();
      await options.jsonPool?.warmUp();
    },
    drain: () => {
      repository?.stop();
      return models.drain();
    },
  };
}

/** The methods that the app's routes answer for a path (HEAD wherever GET), for 405's `Allow`. */
function methodsByRoute(app: Hono<ServeEnv>): (path: string) => string[] {
  const routes = app.routes
    .filter((r) => r.method !== "ALL")
    .map((r) => ({
      method: r.method,
      pattern: new RegExp(`^${r.path.replace(/:[^/]+/g, "[^/]+").replace(/\/$/, "")}/?$`),
    }));
  return (path) => {
    const methods = new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods];
  };
}

function errorResponse(
  error: unknown,
  requestId: string | undefined,
  metrics: ServeMetrics,
  log: ((entry: LogEntry) => void) | undefined,
): Response {
  const known = error instanceof FerryError;
  const status = httpStatusOf(error);
  metrics.errors.inc({ kind: known ? error.kind : "internal" });
  if (!known || status >= 500 && error.kind !== "overloaded") {
    log?.({
      time: new Date().toISOString(),
      msg: "error",
      id: requestId,
      error: String((error as Error)?.stack ?? error),
    });
  }
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (known && error.kind === "overloaded") headers["retry-after"] = "1";
  if (known && error.kind === "unauthorized") headers["www-authenticate"] = 'Bearer realm="ferry"';
  // The unexpected is reported without its details, which may hold paths or internals.
  const message = known ? error.message : "Internal error: the server could not answer";
  return new Response(JSON.stringify({ error: message }), { status, headers });
}

function checkDefaultModel(models: ModelRegistry): void {
  const name = models.defaultName;
  if (name === undefined) throw new FerryError("usage", "Cannot serve: no model was given");
  if (!models.names().includes(name)) {
    throw new FerryError(
      "not_found",
      `Cannot use default model '${name}': serving ${models.names().join(", ")}`,
    );
  }
}
