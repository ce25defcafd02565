/**
 * Synchronous data-parallel training on the wasm backend: tfjs' wasm build runs one thread under
 * Deno (it disables its threads whenever it believes it runs in Node), so each extra core gets
 * a Deno Worker holding a copy of the model. Every step the batch is cut into shards; the main
 * thread computes the gradients of its shard while each worker, given the current weights,
 * computes those of another; the shard gradients, weighted by shard size, average to the
 * gradient of the whole batch's mean loss, and the optimiser takes one step with it. The result
 * is the single-thread step's, up to float rounding and the dropout masks drawn.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { Batch } from "../data/mod.ts";
import { FerryError } from "../errors.ts";
import type { ModelOptions } from "../model/mod.ts";
import { WorkerClient } from "../workers/mod.ts";
import type { StepOptions } from "./_step.ts";
import { applyGradientArrays, shardGradients, type ShardResult } from "./_wasm_shard.ts";
import type { InitRequest, ShardRequest } from "./_wasm_worker.ts";

/** One worker and the calls it owes answers to. */
class GradientWorker {
  #client = new WorkerClient(new URL("./_wasm_worker.ts", import.meta.url), {
    crashError: (message) => new Error(message),
  });

  async request<T>(
    method: "init" | "shard",
    arg: InitRequest | ShardRequest,
    transfer: Transferable[] = [],
  ): Promise<T> {
    try {
      return await this.#client.call<T>(method, arg, transfer);
    } catch (error) {
      throw new FerryError(
        "training",
        `Cannot compute gradients in a worker: ${(error as Error).message}`,
      );
    }
  }

  /** Posts the calls made so far now, before the owner's thread computes its own shard. */
  flush(): void {
    this.#client.flush();
  }

  terminate(): void {
    this.#client.terminate();
  }
}

/** Rows `[start, start + size)` of `batch`. */
function shardOf(batch: Batch, start: number, size: number): Batch {
  const pixels = batch.x.length / batch.size;
  return {
    x: batch.x.subarray(start * pixels, (start + size) * pixels),
    y: batch.y.subarray(start, start + size),
    size,
  };
}

/** Shard sizes for `parts` parts of `size` rows, as even as can be. */
function shardSizes(size: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor((size + i) / parts)).reverse();
}

/** What {@linkcode WasmGradientPool.step} trains on: a step's options and the workers' seed. */
export interface ShardedStepOptions extends StepOptions {
  /** Seeds the workers' dropout masks, one seed per shard (pass a new one each step). @default Math.random masks */
  dropoutSeed?: number;
}

/** Workers that each hold the model and compute gradients on a shard of every batch. */
export class WasmGradientPool {
  readonly #workers: GradientWorker[];

  private constructor(workers: GradientWorker[]) {
    this.#workers = workers;
  }

  /**
   * Starts `workers` workers, each building `architecture` with `options` on its own wasm
   * backend (the registry's architectures only: a worker has its own module graph).
   */
  static async create(
    architecture: string,
    options: ModelOptions,
    workers: number,
  ): Promise<WasmGradientPool> {
    const pool = Array.from({ length: workers }, () => new GradientWorker());
    try {
      await Promise.all(pool.map((w) => w.request("init", { architecture, options })));
    } catch (error) {
      pool.forEach((w) => w.terminate());
      throw error;
    }
    return new WasmGradientPool(pool);
  }

  /** Number of workers (the main thread computes one more shard). */
  get size(): number {
    return this.#workers.length;
  }

  /**
   * One optimiser step on `batch`, its gradient computed in shards across the main thread and
   * the workers; returns the batch's mean loss and number of correct predictions, as
   * `trainStep` does.
   */
  async step(
    model: tf.LayersModel,
    optimizer: tf.Optimizer,
    options: ShardedStepOptions,
  ): Promise<{ loss: number; correct: number }> {
    const { variables, loss, batch, labelSmoothing = 0, dropoutSeed, probe } = options;
    const sizes = shardSizes(batch.size, this.#workers.length + 1).filter((s) => s > 0);
    const weights = variables.map((v) => v.dataSync() as Float32Array);
    let start = sizes[0]!;
    const remote = this.#workers.slice(0, sizes.length - 1).map((worker, i) => {
      const shard = shardOf(batch, start, sizes[i + 1]!);
      start += shard.size;
      const copies = weights.map((w) => w.slice());
      return worker.request<ShardResult>("shard", {
        weights: copies,
        x: shard.x.slice(),
        y: shard.y.slice(),
        size: shard.size,
        loss,
        labelSmoothing,
        ...(dropoutSeed === undefined ? {} : { dropoutSeed: dropoutSeed + i + 1 }),
      }, copies.map((c) => c.buffer));
    });
    this.#workers.forEach((w) => w.flush());
    const local = shardGradients(
      model,
      variables,
      loss,
      shardOf(batch, 0, sizes[0]!),
      labelSmoothing,
    );
    const results = [local, ...(await Promise.all(remote))];
    // The batch's mean loss is the size-weighted mean of the shards' mean losses; so is its
    // gradient.
    const averaged = variables.map((_, k) => {
      const out = new Float32Array(results[0]!.gradients[k]!.length);
      results.forEach((r, i) => {
        const g = r.gradients[k]!;
        const weight = sizes[i]! / batch.size;
        for (let j = 0; j < out.length; j++) out[j] = out[j]! + weight * g[j]!;
      });
      return out;
    });
    applyGradientArrays(optimizer, variables, averaged, probe);
    let lossSum = 0, correct = 0;
    results.forEach((r, i) => {
      lossSum += r.loss * sizes[i]!;
      correct += r.correct;
    });
    return { loss: lossSum / batch.size, correct };
  }

  /** Stops the workers. */
  close(): void {
    this.#workers.forEach((w) => w.terminate());
  }
}
