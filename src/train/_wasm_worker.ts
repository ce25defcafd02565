/**
 * Worker side of {@linkcode WasmGradientPool}: builds the same architecture on its own wasm
 * backend, and for each shard it is sent, loads the main thread's current weights and returns
 * the gradients of the shard's mean loss.
 *
 * @module
 */

/// <reference lib="deno.worker" />
import * as tf from "@tensorflow/tfjs";
import { buildModel, type ModelOptions } from "../model/mod.ts";
import { activateWasm } from "./_wasm.ts";
import type { LossName } from "./losses.ts";
import { shardGradients, type ShardResult } from "./_wasm_shard.ts";

/** What the main thread sends. */
export type WorkerRequest =
  | { type: "init"; architecture: string; options: ModelOptions }
  | {
    type: "shard";
    weights: Float32Array[];
    x: Float32Array;
    y: Uint8Array;
    size: number;
    loss: LossName;
    labelSmoothing: number;
    dropoutSeed?: number;
  };

/** What the worker answers. */
export type WorkerReply =
  | { type: "ready" }
  | { type: "error"; message: string }
  | ({ type: "gradients" } & ShardResult);

let model: tf.LayersModel | undefined;
let variables: tf.Variable[] = [];

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  try {
    if (request.type === "init") {
      await activateWasm();
      model = buildModel(request.architecture, request.options);
      variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
      self.postMessage({ type: "ready" } satisfies WorkerReply);
    } else {
      const m = model!;
      tf.tidy(() => variables.forEach((v, i) => v.assign(tf.tensor(request.weights[i]!, v.shape))));
      for (const layer of m.layers) {
        // The main thread seeds each step's dropout masks; each shard gets its own seed.
        if (layer.getClassName() === "Dropout" && request.dropoutSeed !== undefined) {
          (layer as unknown as { seed: number }).seed = request.dropoutSeed;
        }
      }
      const shard = { x: request.x, y: request.y, size: request.size };
      const result = shardGradients(m, variables, request.loss, shard, request.labelSmoothing);
      self.postMessage(
        { type: "gradients", ...result } satisfies WorkerReply,
        result.gradients.map((g) => g.buffer),
      );
    }
  } catch (error) {
    self.postMessage({ type: "error", message: (error as Error).message } satisfies WorkerReply);
  }
};
