import type { ServeApp } from "./app.ts";

/** Options of {@linkcode startServer}. */
export interface ServerOptions {
  /** Interface to bind; `0.0.0.0` exposes the service. @default "127.0.0.1" */
  hostname?: string;
  /** Port; 0 picks a free one. @default 8080 */
  port?: number;
  /** Let several processes bind the same port (Linux load-balances connections). @default false */
  reusePort?: boolean;
  /** Longest a graceful shutdown waits for in-flight requests, in milliseconds. @default 10_000 */
  shutdownTimeoutMs?: number;
}

/** Defaults of {@linkcode ServerOptions}. */
export const SERVER_DEFAULTS = {
  hostname: "127.0.0.1",
  port: 8080,
  reusePort: false,
  shutdownTimeoutMs: 10_000,
} as const;

/** A listening service. */
export interface RunningServer {
  /** The bound address (the real port when 0 was asked). */
  addr: Deno.NetAddr;
  /**
   * Stops accepting connections, lets in-flight requests finish, drains the batch queues;
   * resolves `true` when all finished in time, `false` when the timeout cut them off.
   */
  shutdown(): Promise<boolean>;
  /** Resolves once the server has stopped. */
  finished: Promise<void>;
}

/** Serves `service` with `Deno.serve` and returns once it listens. */
export function startServer(service: ServeApp, options: ServerOptions = {}): RunningServer {
  const settings = { ...SERVER_DEFAULTS, ...options };
  const server = Deno.serve({
    hostname: settings.hostname,
    port: settings.port,
    reusePort: settings.reusePort,
    onListen: () => {},
  }, service.fetch);
  let stopping: Promise<boolean> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), settings.shutdownTimeoutMs);
      });
      // Requests in flight hold their images in the batch queues, so the queues drain with them.
      const graceful = server.shutdown().then(() => service.drain()).then(() => true as const);
      const done = await Promise.race([graceful, timeout]);
      clearTimeout(timer);
      return done;
    })();
    return stopping;
  };
  return { addr: server.addr as Deno.NetAddr, shutdown, finished: server.finished };
}
