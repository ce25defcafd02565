/**
 * The app on `Deno.serve`: no header, body or idle timeouts and no connection cap (a proxy in
 * front must give those), but less work per request than node:http under Deno's node layer.
 *
 * @module
 */
import type { ServeApp } from "./app.ts";

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
    stopping ??= (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), settings.shutdownTimeoutMs);
      });
      // Deno.serve answers requests in flight with `Connection: close` once shutdown begins.
      const done = await Promise.race([server.shutdown().then(() => true as const), timeout]);
      clearTimeout(timer);
      // Requests in flight hold their images in the batch queues, so the queues drain with them.
      await service.drain();
      return done;
    })();
    return stopping;
  };
  return {
    addr: server.addr as Deno.NetAddr,
    maxConnections: Infinity,
    shutdown,
    finished: server.finished,
  };
}
