/**
 * Health on a port of its own (`ferry serve --health-port`), answered by the process that owns
 * the service's life: the supervisor of `--workers N`, or the one serving process. Probes sent to
 * the service port share the workers' accept queues (SO_REUSEPORT gives each worker its own), so
 * the kernel resets a probe queued at a worker that is killed; a probe sent here never meets a
 * worker, so readiness stays true while one of several workers dies and is replaced.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listen } from "./_listen.ts";

/** What the health port reports. */
export interface HealthStatus {
  /** Whether the service takes requests now. */
  ready: boolean;
  /** Extra fields for the ready answer's body, such as how many workers serve. */
  detail?: Record<string, number>;
}

/** Where the health server listens and what it asks. */
export interface HealthServerOptions {
  /** Interface to bind. */
  hostname: string;
  /** Port (0 picks a free one). */
  port: number;
  /** Called on each readiness probe. */
  status: () => HealthStatus;
}

/** A running health server. */
export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

// A probe is a few hundred bytes: a client slower than this is not an orchestrator.
const PROBE_TIMEOUT_MS = 5_000;
const MAX_CONNECTIONS = 64;

/** Serves `GET /v2/health/live` and `GET /v2/health/ready` (and HEAD) on a port of their own. */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer({
    headersTimeout: PROBE_TIMEOUT_MS,
    requestTimeout: PROBE_TIMEOUT_MS,
    keepAliveTimeout: PROBE_TIMEOUT_MS,
    connectionsCheckingInterval: 1_000,
  }, (request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    const [status, body, headers] = answer(request, options.status);
    const text = JSON.stringify(body);
    response.writeHead(status, {
      "content-type": "application/json",
      "content-length": String(new TextEncoder().encode(text).length),
      ...headers,
    });
    response.end(request.method === "HEAD" ? undefined : text);
  });
  server.maxConnections = MAX_CONNECTIONS;
  await listen(server, { host: options.hostname, port: options.port }, "--health-port");
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type Answer = [number, Record<string, unknown>, Record<string, string>?];

function answer(request: IncomingMessage, status: () => HealthStatus): Answer {
  const path = new URL(request.url ?? "/", "http://health").pathname;
  if (path !== "/v2/health/live" && path !== "/v2/health/ready") {
    return [404, { error: `Not found: ${path} (this port answers /v2/health/live and /ready)` }];
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    return [405, { error: `Method ${request.method} not allowed` }, { allow: "GET, HEAD" }];
  }
  if (path === "/v2/health/live") return [200, { live: true }];
  const { ready, detail } = status();
  return [ready ? 200 : 503, { ready, ...detail }];
}
