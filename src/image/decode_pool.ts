import { FerryError } from "../errors.ts";
import { leastBusy, WorkerClient } from "../workers/mod.ts";
import type { DecodedImage, DecodeOptions } from "./decode.ts";
import type { InputSpec } from "./input_spec.ts";
import { normalizeInto } from "./normalize.ts";
import type { PreprocessOptions } from "./preprocess.ts";

/** Options of {@linkcode createDecodePool}. */
export interface DecodePoolOptions {
  /** Worker threads. @default navigator.hardwareConcurrency */
  workers?: number;
}

/**
 * Decodes images on worker threads, each running {@linkcode decodeImage}: the same pixels,
 * decoder choice and errors (FerryErrors keep their kind) as calling it directly, on every core.
 * Jobs go to the worker with the fewest pending, in batched messages; keep many in flight (about
 * 1,000 per worker for 32×32 images) so that a worker never waits for the main thread, which
 * matters most when other processes share the cores. Small JPEGs and PNGs take the fast paths inside
 * the workers; images that need sharp (photos to resize) run sharp inside the workers, which
 * measured as fast as sharp's own thread pool from the main thread.
 */
export interface DecodePool extends Disposable {
  /** Number of worker threads. */
  readonly workers: number;
  /** Decodes bytes on a worker (they are copied to it; the caller's array is left intact). */
  decode(bytes: Uint8Array, options: DecodeOptions): Promise<DecodedImage>;
  /**
   * Reads and decodes a file on a worker: the cheapest way to load many files. A missing file
   * rejects with a FerryError of kind `not_found`.
   */
  decodeFile(path: string, options: DecodeOptions): Promise<DecodedImage>;
  /**
   * `preprocessInto` with the decode on a worker: the same floats in `out` at `offset`. The
   * pixels come back from the worker and are normalised on the calling thread.
   */
  preprocessInto(
    bytes: Uint8Array,
    spec: InputSpec,
    out: Float32Array,
    offset: number,
    options?: PreprocessOptions,
  ): Promise<void>;
  /** Stops the workers; pending and later jobs reject. */
  close(): void;
}

/** Most jobs in one message to a worker. */
const BATCH = 64;

/**
 * Starts a pool of decode workers. Close it when done: live workers keep the process running.
 *
 * @example
 * ```ts
 * import { createDecodePool } from "./mod.ts";
 *
 * declare const paths: string[];
 * using pool = createDecodePool({ workers: 2 });
 * const images = await Promise.all(paths.map((p) => pool.decodeFile(p, { width: 32, height: 32 })));
 * ```
 */
export function createDecodePool(options: DecodePoolOptions = {}): DecodePool {
  const count = options.workers ?? navigator.hardwareConcurrency;
  if (!Number.isInteger(count) || count < 1) {
    throw new FerryError(
      "usage",
      `Cannot create a decode pool: 'workers' must be a positive integer, got ${count}`,
    );
  }
  let closed = false;
  const closedError = () => new Error("Cannot decode: the pool is closed");
  const start = (): WorkerClient => {
    const client = new WorkerClient(new URL("./_decode_worker.ts", import.meta.url), {
      batch: BATCH,
      crashError: (message) => new Error(`Cannot decode: a worker failed: ${message}`),
      onCrash() {
        // Not after close(), which nothing would follow to stop it; and once per worker.
        const at = clients.indexOf(client);
        if (!closed && at >= 0) clients[at] = start();
      },
    });
    return client;
  };
  const clients = Array.from({ length: count }, start);

  const submit = (method: string, arg: unknown): Promise<DecodedImage> =>
    closed
      ? Promise.reject(closedError())
      : leastBusy(clients, (client) => client.pending).call(method, arg);

  const close = () => {
    if (closed) return;
    closed = true;
    for (const client of clients) client.terminate(closedError());
  };

  return {
    workers: count,
    decode: (bytes, decodeOptions) => submit("decode", { bytes, options: decodeOptions }),
    decodeFile: (path, decodeOptions) => submit("decodeFile", { path, options: decodeOptions }),
    async preprocessInto(bytes, spec, out, offset, preprocessOptions = {}) {
      const size = { width: spec.width, height: spec.height };
      const image = await submit("decode", { bytes, options: { ...preprocessOptions, ...size } });
      normalizeInto(image, out, offset, spec);
    },
    close,
    [Symbol.dispose]: close,
  };
}
