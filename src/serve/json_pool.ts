/**
 * v2 infer bodies parsed on worker threads: a 16 MB JSON body took 0.3–0.8 s to scan, parse and
 * read as float32, and on the event loop's thread that stalled every other request as long.
 *
 * @module
 */
import { checkPositiveIntegers } from "../errors.ts";
import { leastBusy, WorkerClient } from "../workers/mod.ts";
import { fromThread, parseInferJson } from "./_infer_json.ts";

/** Options of {@linkcode createJsonPool}. */
export interface JsonPoolOptions {
  /** Worker threads, each started by `warmUp()` or when a large body first needs it. @default 1 */
  workers?: number;
  /**
   * Bodies of this many bytes or more are parsed on a thread; smaller ones on the calling
   * thread, where they take under a few milliseconds and the hop would cost more. @default 262_144
   */
  minBytes?: number;
}

/** Defaults of {@linkcode JsonPoolOptions}. */
export const JSON_POOL_DEFAULTS = { workers: 1, minBytes: 256 * 1024 } as const;

/** Parses v2 infer bodies, the large ones on worker threads. */
export interface JsonPool extends Disposable {
  /**
   * The request body of `json`, as the v2 infer route reads it (each input's `data` already as
   * float32), with the same refusals wherever it was parsed. A large body's buffer moves to the
   * thread when `json` spans all of it (it is left detached), else it is copied.
   */
  parse(json: Uint8Array): Promise<Record<string, unknown>>;
  /**
   * Starts every thread and has it parse a small body, so that the first large body waits for
   * none: a thread's start, beside a 16 MB body, held health probes 40 ms longer.
   */
  warmUp(): Promise<void>;
  /** Stops the threads; pending and later parses of large bodies reject. */
  close(): void;
}

/**
 * Starts a pool that parses v2 infer bodies, large ones on worker threads. Close it when done:
 * a started thread keeps the process running.
 *
 * @example
 * ```ts
 * import { createJsonPool } from "./mod.ts";
 *
 * using pool = createJsonPool({ workers: 1 });
 * const body = await pool.parse(new TextEncoder().encode('{"inputs": []}'));
 * ```
 */
export function createJsonPool(options: JsonPoolOptions = {}): JsonPool {
  const { workers, minBytes } = { ...JSON_POOL_DEFAULTS, ...options };
  checkPositiveIntegers("create a JSON pool", { workers, minBytes });
  const clients: WorkerClient[] = [];
  let closed = false;
  const closedError = () => new Error("Cannot parse the request: the JSON pool is closed");
  const start = (): WorkerClient => {
    const client = new WorkerClient(new URL("./_json_worker.ts", import.meta.url), {
      crashError: (message) => new Error(`Cannot parse the request: a thread failed: ${message}`),
      // Its place goes to the next thread started.
      onCrash: () => void clients.splice(clients.indexOf(client), 1),
    });
    clients.push(client);
    return client;
  };
  // An idle thread if there is one, else a new one while fewer than `workers` run.
  const thread = (): WorkerClient => {
    const best = clients.length > 0 ? leastBusy(clients, (c) => c.pending) : undefined;
    return best && (best.pending === 0 || clients.length === workers) ? best : start();
  };
  const close = () => {
    closed = true;
    for (const client of clients) client.terminate(closedError());
  };
  return {
    async parse(json) {
      if (json.length < minBytes) return parseInferJson(json);
      if (closed) throw closedError();
      const moved = json.byteOffset === 0 && json.byteLength === json.buffer.byteLength &&
          json.buffer instanceof ArrayBuffer
        ? json
        : json.slice();
      return fromThread(await thread().call("parse", moved, [moved.buffer as ArrayBuffer]));
    },
    async warmUp() {
      if (closed) throw closedError();
      while (clients.length < workers) start();
      const small = () => new TextEncoder().encode("{}");
      await Promise.all(clients.map((client) => client.call("parse", small())));
    },
    close,
    [Symbol.dispose]: close,
  };
}
