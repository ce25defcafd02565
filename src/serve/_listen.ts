import type { Server } from "node:http";
import { FerryError } from "../errors.ts";

/** Where a node:http server listens. */
export interface ListenAt {
  host: string;
  port: number;
  reusePort?: boolean;
}

/**
 * Starts `server` listening; a port in use or not allowed is a usage error that names the flag,
 * so that a supervisor stops instead of restarting workers that would fail the same way.
 */
export function listen(server: Server, at: ListenAt, flag: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      const why = error.code === "EADDRINUSE"
        ? "the address is in use"
        : error.code === "EACCES"
        ? "permission denied (ports below 1024 need privileges)"
        : error.message;
      reject(new FerryError("usage", `Cannot listen on ${at.host}:${at.port} (${flag}): ${why}`));
    };
    server.once("error", failed);
    server.listen(at, () => {
      server.off("error", failed);
      resolve();
    });
  });
}
