import { checkPositiveIntegers, FerryError } from "../errors.ts";

/**
 * Runs `count` inputs laid out one after another; resolves to `count * outputsPerItem` values.
 * `owned` says that the batcher made `input` and never reads it again (the runner may take its
 * buffer); a lone input is the caller's own.
 */
export type BatchRunner = (
  input: Float32Array,
  count: number,
  owned: boolean,
) => Promise<Float32Array>;

/** Options of {@linkcode Batcher}. */
export interface BatcherOptions {
  /** Float values one input occupies (e.g. 32·32·3). */
  valuesPerItem: number;
  /** Float values one output occupies (the number of classes). */
  outputsPerItem: number;
  /** Most inputs in one run; 1 turns batching off. @default 64 */
  maxBatchSize?: number;
  /**
   * How long a queued input may wait for companions once the runner is free, in milliseconds.
   * A lone input on an idle batcher never waits. @default 0
   */
  maxWaitMs?: number;
  /** Most inputs waiting; more are refused as `overloaded`. @default 1024 */
  maxQueue?: number;
  /** Runs allowed at the same time. @default 1 */
  maxInFlight?: number;
}

/** Defaults of {@linkcode BatcherOptions}. */
export const BATCHER_DEFAULTS = {
  maxBatchSize: 64,
  maxWaitMs: 0,
  maxQueue: 1024,
  maxInFlight: 1,
} as const;

/** Per-input options of {@linkcode Batcher.submit}. */
export interface SubmitOptions {
  /** `performance.now()` time after which a still-queued input is refused as `overloaded`. */
  deadline?: number;
}

/** What one run looked like, for metrics. */
export interface BatchEvent {
  size: number;
  /** Milliseconds each input waited in the queue. */
  waits: number[];
  runMs: number;
}

interface Pending {
  input: Float32Array;
  enqueued: number;
  deadline: number;
  resolve(output: Float32Array): void;
  reject(error: unknown): void;
}

/** Throws a `usage` error naming the first option of {@linkcode Batcher} that cannot work. */
export function checkBatcherOptions(options: Partial<BatcherOptions>): void {
  const settings = { ...BATCHER_DEFAULTS, ...options };
  const { maxBatchSize, maxQueue, maxInFlight } = settings;
  checkPositiveIntegers("batch", { maxBatchSize, maxQueue, maxInFlight });
  if (!(settings.maxWaitMs >= 0)) {
    throw new FerryError(
      "usage",
      `Cannot batch: 'maxWaitMs' must be 0 or more, got ${settings.maxWaitMs}`,
    );
  }
}

/**
 * Dynamic batching: inputs submitted while a run is in flight are gathered into the next run,
 * up to `maxBatchSize`. Dispatch happens on a microtask, so inputs submitted in the same tick
 * share a run and an idle batcher adds no latency.
 *
 * @example
 * ```ts
 * import { Batcher, type ClassifierSession } from "./mod.ts";
 * declare const session: ClassifierSession;
 * declare const image: Float32Array; // 32 × 32 × 3 floats, as the model takes them
 * const batcher = new Batcher((x, n) => session.run(x, n), { valuesPerItem: 3072, outputsPerItem: 10 });
 * const probabilities = await batcher.submit(image);
 * ```
 */
export class Batcher {
  readonly options: Required<BatcherOptions>;
  /** Called after every run (metrics). */
  onBatch: ((event: BatchEvent) => void) | undefined;
  #queue: Pending[] = [];
  #inFlight = 0;
  #scheduled = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #idle: (() => void)[] = [];
  #lastRunEnd = -Infinity;

  constructor(private readonly runner: BatchRunner, options: BatcherOptions) {
    checkBatcherOptions(options);
    this.options = { ...BATCHER_DEFAULTS, ...options };
  }

  /** Inputs waiting for a run. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Queues one input; resolves to its outputs. */
  submit(input: Float32Array, options: SubmitOptions = {}): Promise<Float32Array> {
    if (input.length !== this.options.valuesPerItem) {
      return Promise.reject(
        new RangeError(
          `Cannot batch an input of ${input.length} values: expected ${this.options.valuesPerItem}`,
        ),
      );
    }
    if (this.#closed) {
      return Promise.reject(
        new FerryError("overloaded", "Cannot run: the server is shutting down"),
      );
    }
    if (this.#queue.length >= this.options.maxQueue) {
      return Promise.reject(
        new FerryError(
          "overloaded",
          `Cannot queue the image: ${this.options.maxQueue} images are already waiting`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({
        input,
        enqueued: performance.now(),
        deadline: options.deadline ?? Infinity,
        resolve,
        reject,
      });
      this.#schedule();
    });
  }

  /** Queues several inputs together (one request's images); resolves in the same order. */
  submitAll(inputs: Float32Array[], options: SubmitOptions = {}): Promise<Float32Array[]> {
    // All or nothing: a refused request must not leave part of its images queued to run.
    if (!this.#closed && this.#queue.length + inputs.length > this.options.maxQueue) {
      return Promise.reject(
        new FerryError(
          "overloaded",
          `Cannot queue ${inputs.length} images: ${this.#queue.length} of at most ${this.options.maxQueue} are already waiting`,
        ),
      );
    }
    return Promise.all(inputs.map((input) => this.submit(input, options)));
  }

  /** Refuses new inputs and resolves once every queued and running input has finished. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#inFlight === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.options.maxInFlight && this.#queue.length > 0) {
      this.#dropExpired();
      if (this.#queue.length === 0) break;
      const oldest = this.#queue[0]!;
      const waited = performance.now() - oldest.enqueued;
      // Arrived while nothing was running: low load, so waiting for companions would only add latency.
      const arrivedIdle = this.#inFlight === 0 && oldest.enqueued >= this.#lastRunEnd;
      const full = this.#queue.length >= this.options.maxBatchSize;
      if (!full && !arrivedIdle && waited < this.options.maxWaitMs) {
        this.#timer ??= setTimeout(() => {
          this.#timer = undefined;
          this.#pump();
        }, this.options.maxWaitMs - waited);
        return;
      }
      if (this.#timer !== undefined) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      void this.#run(this.#queue.splice(0, this.options.maxBatchSize));
    }
    if (this.#inFlight === 0 && this.#queue.length === 0) {
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  #dropExpired(): void {
    const now = performance.now();
    if (!this.#queue.some((p) => p.deadline < now)) return;
    this.#queue = this.#queue.filter((p) => {
      if (p.deadline >= now) return true;
      p.reject(
        new FerryError("overloaded", "Cannot classify in time: the request's deadline passed"),
      );
      return false;
    });
  }

  async #run(batch: Pending[]): Promise<void> {
    this.#inFlight++;
    const { valuesPerItem, outputsPerItem } = this.options;
    const started = performance.now();
    try {
      let input: Float32Array;
      if (batch.length === 1) {
        input = batch[0]!.input;
      } else {
        input = new Float32Array(batch.length * valuesPerItem);
        batch.forEach((p, i) => input.set(p.input, i * valuesPerItem));
      }
      const output = await this.runner(input, batch.length, batch.length > 1);
      if (output.length !== batch.length * outputsPerItem) {
        throw new FerryError(
          "model",
          `Cannot read the model's output: expected ${
            batch.length * outputsPerItem
          } values, got ${output.length}`,
        );
      }
      batch.forEach((p, i) =>
        p.resolve(output.slice(i * outputsPerItem, (i + 1) * outputsPerItem))
      );
      this.onBatch?.({
        size: batch.length,
        waits: batch.map((p) => started - p.enqueued),
        runMs: performance.now() - started,
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.#inFlight--;
      this.#lastRunEnd = performance.now();
      this.#pump();
    }
  }
}
