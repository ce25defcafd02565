/**
 * The app on `Deno.serve`: no header, body or idle timeouts and no connection cap (a proxy in
 * front must give those), but less work per request than node:http under Deno's node layer.
 *
 * @module
 */
import type { ServeApp } from "./app.ts";
import { closeWithin } from "./_drain.ts";

/** What `Deno.serve` takes of the server's options. */
interface DenoServerSettings {
  hostname: string;
  port: number;
  reusePort: boolean;
  shutdownTimeoutMs: number;
  say?: (line: string) => void;
}

/** `startServer`'s `httpServer: "deno"`: listens at once, drains like the node server. */
export function startDenoServer(service: ServeApp, settings: DenoServerSettings) {
  const server = Deno.serve({
    hostname: settings.hostname,
    port: settings.port,
    reusePort: settings.reusePort,
    onListen: () => {},
  }, service.fetch);
  settings.say?.("connections: Deno.serve, no timeouts or cap (give them to the proxy in front)");
  let stopping: Promise<boolean> | undefined;
  const shutdown = () => {
    // Deno.serve answers requests in flight with `Connection: close` once shutdown begins; it has
    // nothing to cut them with past the timeout, so the queues drain then and the rest follows.
    stopping ??= closeWithin(settings.shutdownTimeoutMs, {
      closed: server.shutdown(),
      cut: () => {},
      drain: () => service.drain(),
    });
    return stopping;
  };
  return {
    addr: server.addr as Deno.NetAddr,
    maxConnections: Infinity,
    shutdown,
    finished: server.finished,
  };
}
