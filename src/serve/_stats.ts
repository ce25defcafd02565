/**
 * Per model version counts and durations in the shape of the Open Inference Protocol's statistics
 * extension (Triton's `GET /v2/models/{name}/stats`), kept as the requests and batches happen.
 *
 * @module
 */
import type { BatchEvent } from "../runtime/mod.ts";

/** A count and the nanoseconds it took, as the statistics extension writes durations. */
export interface Duration {
  count: number;
  ns: number;
}

/** Batches of one size: how often they ran and how long the model took. */
interface BatchStats {
  batch_size: number;
  compute_input: Duration;
  compute_infer: Duration;
  compute_output: Duration;
}

const NS_PER_MS = 1e6;
const none = (): Duration => ({ count: 0, ns: 0 });
const add = (d: Duration, ms: number, count = 1) => {
  d.count += count;
  d.ns += Math.round(ms * NS_PER_MS);
};

/** The running statistics of one model version. */
export class ModelStats {
  #lastInference = 0;
  #inferences = 0;
  #executions = 0;
  #success = none();
  #fail = none();
  #queue = none();
  #infer = none();
  #batches = new Map<number, BatchStats>();

  /** One request answered (or failed) after `ms`. */
  request(ok: boolean, ms: number): void {
    add(ok ? this.#success : this.#fail, ms);
    this.#lastInference = Date.now();
  }

  /** One run of the model, as the batcher reports it. */
  batch(event: BatchEvent): void {
    this.#executions++;
    this.#inferences += event.size;
    for (const wait of event.waits) add(this.#queue, wait);
    add(this.#infer, event.runMs);
    let stats = this.#batches.get(event.size);
    if (!stats) {
      stats = {
        batch_size: event.size,
        compute_input: none(),
        compute_infer: none(),
        compute_output: none(),
      };
      this.#batches.set(event.size, stats);
    }
    add(stats.compute_infer, event.runMs);
    // ferry copies inputs and outputs inside the run it times; they are counted, not timed apart.
    add(stats.compute_input, 0);
    add(stats.compute_output, 0);
  }

  /** The extension's `model_stats` entry for this version. */
  toJson(name: string, version: string): Record<string, unknown> {
    return {
      name,
      version,
      last_inference: this.#lastInference,
      inference_count: this.#inferences,
      execution_count: this.#executions,
      inference_stats: {
        success: { ...this.#success },
        fail: { ...this.#fail },
        queue: { ...this.#queue },
        compute_input: { count: this.#infer.count, ns: 0 },
        compute_infer: { ...this.#infer },
        compute_output: { count: this.#infer.count, ns: 0 },
      },
      batch_stats: [...this.#batches.values()].sort((a, b) => a.batch_size - b.batch_size)
        .map((b) => structuredClone(b)),
    };
  }
}
