import { FerryError } from "../errors.ts";
import type { DecodedImage, DecodeOptions } from "./decode.ts";
import type { InputSpec } from "./input_spec.ts";
import { normalizeInto } from "./normalize.ts";
import type { PreprocessOptions } from "./preprocess.ts";
import type { WorkerFailure, WorkerReply, WorkerRequest } from "./_pool_protocol.ts";

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

interface Pending {
  resolve(image: DecodedImage): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Jobs submitted in this turn of the event loop, posted together at its end. */
  outbox: WorkerRequest[];
}

function rebuild(failure: WorkerFailure): Error {
  return failure.kind
    ? new FerryError(failure.kind, failure.message, { httpStatus: failure.httpStatus })
    : new Error(failure.message);
}

/**
 * Starts a pool of decode workers. Close it when done: live workers keep the process running.
 *
 * @example
 * ```ts
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
  let nextId = 0;
  let closed = false;

  const start = (): Slot => {
    const slot: Slot = {
      worker: new Worker(new URL("./_decode_worker.ts", import.meta.url), { type: "module" }),
      pending: new Map(),
      outbox: [],
    };
    slot.worker.onmessage = ({ data }: MessageEvent<WorkerReply[]>) => {
      for (const reply of data) {
        const job = slot.pending.get(reply.id);
        slot.pending.delete(reply.id);
        if (reply.error) job?.reject(rebuild(reply.error));
        else job?.resolve(reply.image);
      }
    };
    slot.worker.onerror = (event) => {
      // A crash inside the worker (not a decode error, which is a reply): fail its jobs, replace it.
      event.preventDefault();
      slot.worker.terminate();
      for (const job of slot.pending.values()) {
        job.reject(new Error(`Cannot decode: a worker failed: ${event.message}`));
      }
      slot.pending.clear();
      // Not after close(), which nothing would follow to stop it; and once per slot.
      const at = slots.indexOf(slot);
      if (!closed && at >= 0) slots[at] = start();
    };
    return slot;
  };
  const slots = Array.from({ length: count }, start);
  let flushing = false;
  const flush = () => {
    flushing = false;
    if (closed) return;
    for (const slot of slots) {
      // Several smaller messages rather than one big one keep a worker busy with the next
      // batch while the pool hands the previous one's results out and refills.
      for (let at = 0; at < slot.outbox.length; at += BATCH) {
        slot.worker.postMessage(slot.outbox.slice(at, at + BATCH));
      }
      slot.outbox = [];
    }
  };

  const submit = (request: Omit<WorkerRequest, "id">): Promise<DecodedImage> => {
    if (closed) return Promise.reject(new Error("Cannot decode: the pool is closed"));
    let slot = slots[0]!;
    for (const s of slots) if (s.pending.size < slot.pending.size) slot = s;
    const id = nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.outbox.push({ ...request, id });
      // One message per worker for all jobs submitted in this turn: a message costs about as
      // much as decoding a 32×32 JPEG.
      if (!flushing) {
        flushing = true;
        queueMicrotask(flush);
      }
    });
  };

  const close = () => {
    if (closed) return;
    closed = true;
    for (const slot of slots) {
      slot.worker.terminate();
      for (const job of slot.pending.values()) {
        job.reject(new Error("Cannot decode: the pool is closed"));
      }
      slot.pending.clear();
    }
  };

  return {
    workers: count,
    decode: (bytes, decodeOptions) => submit({ bytes, options: decodeOptions }),
    decodeFile: (path, decodeOptions) => submit({ path, options: decodeOptions }),
    async preprocessInto(bytes, spec, out, offset, preprocessOptions = {}) {
      const size = { width: spec.width, height: spec.height };
      const image = await submit({ bytes, options: { ...preprocessOptions, ...size } });
      normalizeInto(image, out, offset, spec);
    },
    close,
    [Symbol.dispose]: close,
  };
}
