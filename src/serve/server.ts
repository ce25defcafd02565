import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { checkPositiveIntegers, FerryError } from "../errors.ts";
import type { ServeApp } from "./app.ts";
import { raiseOpenFileLimit } from "./_fd_limit.ts";
import { watchAccepts } from "./_accept_watch.ts";
import { startDenoServer } from "./_deno_server.ts";
import { closeWithin } from "./_drain.ts";
import { listen } from "./_listen.ts";

/** The HTTP servers that can run the app. */
export const HTTP_SERVERS = ["node", "deno"] as const;

// How long a drain lets a connection without a request send one: a client that connected just
// before the drain began is served; one that sends nothing (or half its headers) is closed.
const NEW_CONNECTION_GRACE_MS = 1_000;
/** One of {@linkcode HTTP_SERVERS}. */
export type HttpServer = typeof HTTP_SERVERS[number];

/**
 * Options of {@linkcode startServer}. The connection limits are those that `Deno.serve` lacks
 * (a client holding a connection open without finishing its headers was never cut off, and a
 * connection flood ran the process out of file descriptors), so the server is `node:http`.
 */
export interface ServerOptions {
  /** Interface to bind; `0.0.0.0` exposes the service. @default "127.0.0.1" */
  hostname?: string;
  /** Port; 0 picks a free one. @default 8080 */
  port?: number;
  /** Let several processes bind the same port (Linux load-balances connections). @default false */
  reusePort?: boolean;
  /** Longest a graceful shutdown waits for in-flight requests, in milliseconds. @default 10_000 */
  shutdownTimeoutMs?: number;
  /** Longest a client may take to send its request headers (408). @default 20_000 */
  headersTimeoutMs?: number;
  /** Longest a client may take to send a whole request, body included (408). @default 60_000 */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open. @default 5_000 */
  keepAliveTimeoutMs?: number;
  /**
   * Most open connections; a new one past the cap is closed at once. Lowered to a quarter of the
   * open-file limit where that is smaller, so that a flood never runs the process out of file
   * descriptors (accepting and closing the excess needs some: at half the limit, 600 held
   * connections under `ulimit -n 256` stalled the accept loop for good). @default 4096
   */
  maxConnections?: number;
  /**
   * `node` (node:http) enforces the timeouts and the connection cap above; `deno` (Deno.serve) has
   * none of them but needs 10–16% less CPU per request (1.1–1.4× the requests per core): for use
   * behind a proxy that enforces them (nginx, Envoy, a Kubernetes ingress). @default "node"
   */
  httpServer?: HttpServer;
  /**
   * Receives the server's status lines (the connection cap in force; accept failing for want of
   * file descriptors, and listening again once they are free). @default none
   */
  say?: (line: string) => void;
}

/** Defaults of {@linkcode ServerOptions}: nginx's and uvicorn's range. */
export const SERVER_DEFAULTS = {
  hostname: "127.0.0.1",
  port: 8080,
  reusePort: false,
  shutdownTimeoutMs: 10_000,
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 4096,
  httpServer: "node" as HttpServer,
} as const;

/** A listening service. */
export interface RunningServer {
  /** The bound address (the real port when 0 was asked). */
  addr: Deno.NetAddr;
  /** The connection cap in force (after the open-file limit). */
  maxConnections: number;
  /**
   * Stops accepting connections, lets in-flight requests finish (their responses say
   * `Connection: close`), drains the batch queues; resolves `true` when all finished in time,
   * `false` when the timeout cut them off.
   */
  shutdown(): Promise<boolean>;
  /** Resolves once the server has stopped. */
  finished: Promise<void>;
}

/** Throws a `usage` FerryError naming the first option of {@linkcode ServerOptions} out of range. */
export function checkServerOptions(options: ServerOptions): void {
  const settings = { ...SERVER_DEFAULTS, ...options };
  if (!Number.isInteger(settings.port) || settings.port < 0 || settings.port > 65535) {
    throw new FerryError("usage", `Cannot serve: 'port' must be 0 to 65535, got ${settings.port}`);
  }
  if (!HTTP_SERVERS.includes(settings.httpServer)) {
    throw new FerryError(
      "usage",
      `Cannot serve: 'httpServer' must be one of ${
        HTTP_SERVERS.join(", ")
      }, got ${settings.httpServer}`,
    );
  }
  checkPositiveIntegers("serve", {
    shutdownTimeoutMs: settings.shutdownTimeoutMs,
    headersTimeoutMs: settings.headersTimeoutMs,
    requestTimeoutMs: settings.requestTimeoutMs,
    keepAliveTimeoutMs: settings.keepAliveTimeoutMs,
    maxConnections: settings.maxConnections,
  });
}

/** Serves `service` with `node:http` (or `Deno.serve`: `httpServer`) and resolves once it listens. */
export async function startServer(
  service: ServeApp,
  options: ServerOptions = {},
): Promise<RunningServer> {
  checkServerOptions(options);
  const settings = { ...SERVER_DEFAULTS, ...options };
  if (settings.httpServer === "deno") return startDenoServer(service, settings);
  const files = raiseOpenFileLimit();
  const maxConnections = Math.min(settings.maxConnections, files ? files.soft >> 2 : Infinity);
  let stopping: Promise<boolean> | undefined;
  // Hono's adapter would replace the global Request and Response with its own classes, which
  // Deno.serve (and any instanceof check) then refuses: keep the platform's.
  const listener = getRequestListener(service.fetch, { overrideGlobalObjects: false });
  // Responses not yet sent: a drain tells their keep-alive clients that the connection ends.
  const unsent = new Set<ServerResponse>();
  // Connections with no request in flight, and since when: node:http's drain waits for one that
  // sent nothing or half its headers until the drain's limit; this one closes it after a grace.
  const waiting = new Map<Socket, number>();
  const server = createServer({
    headersTimeout: settings.headersTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    // How often the timeouts above are checked (Node's default, 30 s, would let them overrun).
    connectionsCheckingInterval: Math.min(1_000, settings.headersTimeoutMs / 4),
  }, (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    waiting.delete(socket);
    if (stopping) response.shouldKeepAlive = false;
    else unsent.add(response);
    response.once("finish", () => {
      unsent.delete(response);
      if (!socket.destroyed) waiting.set(socket, performance.now());
    });
    listener(request, response);
  });
  server.on("connection", (socket: Socket) => {
    waiting.set(socket, performance.now());
    socket.once("close", () => waiting.delete(socket));
  });
  server.maxConnections = maxConnections;
  const finished = new Promise<void>((resolve) => server.once("close", () => resolve()));
  await listen(
    server,
    { host: settings.hostname, port: settings.port, reusePort: settings.reusePort },
    "--port",
  );
  const address = server.address() as { address: string; port: number };
  const watch = watchAccepts(server, {
    address: { host: settings.hostname, port: address.port, reusePort: settings.reusePort },
    ...(files ? { openFileLimit: files.soft } : {}),
    say: options.say ?? (() => {}),
  });
  options.say?.(
    `connections: at most ${maxConnections}` +
      (files ? ` (open-file limit ${files.soft} of ${files.hard})` : ""),
  );
  const shutdown = () => {
    stopping ??= (async () => {
      watch.stop();
      for (const response of unsent) if (!response.headersSent) response.shouldKeepAlive = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Connections that turn idle later (a response finishing, a client's pooled connection)
      // must close too; Deno's node:http closes only those idle at the call.
      const closeIdle = () => {
        server.closeIdleConnections();
        const before = performance.now() - NEW_CONNECTION_GRACE_MS;
        for (const [socket, since] of waiting) if (since <= before) socket.destroy();
      };
      closeIdle();
      const idle = setInterval(closeIdle, 50);
      const done = await closeWithin(settings.shutdownTimeoutMs, {
        closed,
        cut: () => server.closeAllConnections(),
        drain: () => service.drain(),
      });
      clearInterval(idle);
      return done;
    })();
    return stopping;
  };
  return {
    addr: { transport: "tcp", hostname: address.address, port: address.port },
    maxConnections,
    shutdown,
    finished,
  };
}
