import { fromData } from "../errors.ts";
import type { Call, Reply } from "./_protocol.ts";

/** Options of {@linkcode WorkerClient}. */
export interface WorkerClientOptions {
  /** The error that pending and later calls fail with once the worker has crashed. */
  crashError(message: string): Error;
  /** Called once, after a crash has failed the pending calls (to start a replacement, say). */
  onCrash?(): void;
  /** Receives what the worker sends with `postEvent`. */
  onEvent?(data: unknown): void;
  /** Most calls in one message; those made in one turn of the event loop share messages. @default Infinity */
  batch?: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * The owner's side of a worker thread that answers calls (`answerCalls`): each call is a promise
 * of the worker's answer, failing with the worker's error (a FerryError keeps its kind). Calls
 * made in the same turn of the event loop go in one message, as a message costs about as much
 * as decoding a 32×32 JPEG. Once the worker has crashed, every pending and later call fails
 * with `crashError`.
 *
 * @example
 * ```ts
 * import { WorkerClient } from "./mod.ts";
 *
 * const client = new WorkerClient(new URL("./my_worker.ts", import.meta.url), {
 *   crashError: (message) => new Error(`Cannot sum: ${message}`),
 * });
 * const sum = await client.call<number>("sum", [1, 2, 3]);
 * client.terminate();
 * ```
 */
export class WorkerClient {
  readonly #worker: Worker;
  readonly #options: WorkerClientOptions;
  readonly #pending = new Map<number, Pending>();
  #outbox: { call: Call; transfer: Transferable[] }[] = [];
  #nextId = 0;
  #failed: Error | undefined;

  constructor(script: URL, options: WorkerClientOptions) {
    this.#options = options;
    this.#worker = new Worker(script, { type: "module" });
    this.#worker.onmessage = ({ data }: MessageEvent<Reply[]>) => {
      for (const reply of data) {
        if ("event" in reply) {
          options.onEvent?.(reply.event);
          continue;
        }
        const job = this.#pending.get(reply.id);
        this.#pending.delete(reply.id);
        if ("error" in reply) job?.reject(fromData(reply.error));
        else job?.resolve(reply.value);
      }
    };
    this.#worker.onerror = (event) => {
      // A crash inside the worker (not a failed call, which is a reply).
      event.preventDefault();
      if (this.#failed) return;
      this.terminate(options.crashError(event.message));
      options.onCrash?.();
    };
  }

  /** Calls posted and not yet answered. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Calls `method` on the worker with `arg` (copied to it, but for the buffers in `transfer`,
   * which move) and resolves to its answer.
   */
  call<T>(method: string, arg?: unknown, transfer: Transferable[] = []): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (this.#outbox.length === 0) queueMicrotask(() => this.flush());
      this.#outbox.push({ call: { id, method, arg }, transfer });
    });
  }

  /** Stops the worker; pending and later calls fail with `reason`. */
  terminate(reason: Error = new Error("Cannot call the worker: it was stopped")): void {
    this.#failed ??= reason;
    this.#worker.terminate();
    this.#outbox = [];
    for (const job of this.#pending.values()) job.reject(this.#failed);
    this.#pending.clear();
  }

  /**
   * Posts the calls made so far now rather than at the end of this turn: for an owner about to
   * keep its thread busy, as otherwise the worker waits idle until that work is done.
   */
  flush(): void {
    const outbox = this.#outbox;
    this.#outbox = [];
    if (this.#failed) return;
    // Several smaller messages rather than one big one let a worker start on the first while
    // the owner is still handing out answers and making calls.
    const batch = this.#options.batch ?? Infinity;
    for (let at = 0; at < outbox.length; at += batch) {
      const part = outbox.slice(at, at + batch);
      try {
        this.#worker.postMessage(part.map((p) => p.call), part.flatMap((p) => p.transfer));
      } catch (error) {
        // An argument that cannot be cloned fails its message's calls, not the owner's thread.
        for (const { call } of part) {
          this.#pending.get(call.id)?.reject(error as Error);
          this.#pending.delete(call.id);
        }
      }
    }
  }
}
