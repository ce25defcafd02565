/**
 * A watch on a node:http server's listening socket, for the one failure that Deno's node:http
 * neither reports nor survives: when accept() fails for want of a file descriptor (EMFILE), the
 * error is dropped (no 'error' event, no crash) and the socket is never accepted from again, even
 * once descriptors are free; new connections wait in the kernel's queue for good (Deno 2.9.6,
 * `ulimit -n 40`: 5 of 30 connections answered, the rest never, and none after the flood).
 *
 * Once a second it asks the kernel (`poll`) whether connections wait on the socket. When they
 * have waited at two checks in a row, with none accepted between them and the connection cap
 * not reached, accept has failed: while no descriptor is free it says so and backs off; once one
 * is, it closes the stalled socket and listens again on the same address (connections still
 * queued on the old socket are reset, so their clients can retry at once). Connections already
 * open are served throughout. Linux only, like the open-file limit.
 *
 * @module
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";

/** Options of {@linkcode watchAccepts}. */
export interface AcceptWatchOptions {
  /** Where to listen again: the address the server listens on. */
  address: { host: string; port: number; reusePort: boolean };
  /** The open-file limit, for the status lines. */
  openFileLimit?: number;
  /** Receives the status lines. */
  say: (line: string) => void;
}

/** A running watch. */
export interface AcceptWatch {
  /** Stops watching (before the server closes). */
  stop(): void;
}

/** How often the socket is checked, in milliseconds. */
const CHECK_MS = 1_000;
/** Checks in a row that must find connections waiting and none accepted. */
const STALLED_CHECKS = 2;

/**
 * Watches `server` (listening) and keeps it accepting connections after it ran out of file
 * descriptors; a no-op where the socket cannot be watched (no FFI, not Linux).
 */
export function watchAccepts(server: Server, options: AcceptWatchOptions): AcceptWatch {
  const libc = openLibc();
  const listening = server as ListeningServer;
  let fd = libc ? duplicateListener(listening) : -1;
  if (!libc || fd < 0) {
    libc?.close();
    return { stop() {} };
  }
  let open = 0;
  let accepted = 0;
  const onConnection = (socket: Socket) => {
    open++;
    accepted++;
    socket.once("close", () => open--);
  };
  server.on("connection", onConnection);
  let stopped = false;
  let lost = false; // Listening again failed: try again at the next check.
  let relistening = false;
  let stalled = 0;
  let seen = 0;
  let lastCheck = performance.now();
  const limit = options.openFileLimit ?? "unknown";

  const closeDuplicate = () => {
    if (fd >= 0) libc.symbols.close(fd);
    fd = -1;
  };
  const listenAgain = async () => {
    relistening = true;
    closeDuplicate();
    try {
      await relisten(listening, options.address, () => stopped);
      if (stopped) return;
      fd = duplicateListener(listening);
      lost = false;
      options.say(
        `accept had stopped (file descriptors ran out); listening again ` +
          `(${open} open connections, limit ${limit})`,
      );
    } catch (error) {
      lost = true;
      options.say(
        `cannot listen again on ${options.address.host}:${options.address.port}: ` +
          `${(error as Error).message}; retrying in ${CHECK_MS} ms`,
      );
    } finally {
      relistening = false;
      stalled = 0;
    }
  };
  const check = () => {
    const now = performance.now();
    // A check that comes late follows a blocked event loop, which accepted nothing either.
    const late = now - lastCheck > 2 * CHECK_MS;
    lastCheck = now;
    if (relistening) return;
    const waiting = fd >= 0 && readable(libc, fd);
    const refusing = open >= server.maxConnections; // At the cap, accepted ones close unseen.
    stalled = waiting && !late && !refusing && accepted === seen ? stalled + 1 : 0;
    seen = accepted;
    if (stalled < STALLED_CHECKS && !lost) return;
    if (fd >= 0 && !descriptorFree(libc, fd)) {
      options.say(
        `accept failed: too many open files (${open} open connections, limit ${limit}); ` +
          `backing off`,
      );
      return;
    }
    listenAgain();
  };
  const timer = setInterval(check, CHECK_MS);
  Deno.unrefTimer(timer);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      server.off("connection", onConnection);
      closeDuplicate();
      libc.close();
    },
  };
}

/** node:net's listening handle, as far as this watch uses it (Deno 2.9). */
interface ListenHandle {
  /** A duplicate of the socket's descriptor (the caller closes it). */
  fdForIpc?(): number;
  close(callback: () => void): void;
}
type ListeningServer = Server & { _handle: ListenHandle | null };

/**
 * Closes the stalled listening socket and listens again on `address`. `server.close()` would
 * also close idle keep-alive connections and stop the header and request timeouts, so the
 * listening handle alone is swapped (node:net's `_handle`, as `close()` itself does).
 */
function relisten(
  server: ListeningServer,
  address: AcceptWatchOptions["address"],
  stopped: () => boolean,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const listen = () => {
      if (stopped()) return resolve();
      const listening = () => {
        server.off("error", failed);
        resolve();
      };
      const failed = (error: Error) => {
        server.off("listening", listening);
        reject(error);
      };
      server.once("listening", listening);
      server.once("error", failed);
      server.listen(address);
    };
    const stalled = server._handle;
    server._handle = null;
    // The port is free once the old socket has closed.
    if (stalled) stalled.close(listen);
    else listen();
  });
}

/** A duplicate of the server's listening descriptor, or -1 when there is none to be had. */
function duplicateListener(server: ListeningServer): number {
  try {
    return server._handle?.fdForIpc?.() ?? -1;
  } catch {
    return -1;
  }
}

/** Whether connections wait to be accepted on the listening descriptor `fd`. */
function readable(libc: Libc, fd: number): boolean {
  // struct pollfd { int fd; short events; short revents; }, asking for POLLIN (1).
  const pollfd = new DataView(new ArrayBuffer(8));
  pollfd.setInt32(0, fd, true);
  pollfd.setInt16(4, 1, true);
  const ready = libc.symbols.poll(new Uint8Array(pollfd.buffer), 1n, 0);
  return ready > 0 && (pollfd.getInt16(6, true) & 1) !== 0;
}

/** Whether the process can open one more descriptor (dup fails only for want of one here). */
function descriptorFree(libc: Libc, fd: number): boolean {
  const probe = libc.symbols.dup(fd);
  if (probe < 0) return false;
  libc.symbols.close(probe);
  return true;
}

const SYMBOLS = {
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32" },
  dup: { parameters: ["i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
} as const;
type Libc = Deno.DynamicLibrary<typeof SYMBOLS>;

function openLibc(): Libc | undefined {
  if (Deno.build.os !== "linux") return undefined;
  try {
    return Deno.dlopen("libc.so.6", SYMBOLS);
  } catch {
    // No FFI permission or no glibc (musl): serve without the watch.
    return undefined;
  }
}
