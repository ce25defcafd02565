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
import { answerCalls, withTransfer } from "../workers/mod.ts";
import { shardGradients } from "./_wasm_shard.ts";

/** What the main thread sends to build the model. */
export interface InitRequest {
  architecture: string;
  options: ModelOptions;
}

/** What the main thread sends each step: its weights and a shard of the batch. */
export interface ShardRequest {
  weights: Float32Array[];
  x: Float32Array;
  y: Uint8Array;
  size: number;
  loss: LossName;
  labelSmoothing: number;
  dropoutSeed?: number;
}

let model: tf.LayersModel | undefined;
let variables: tf.Variable[] = [];

answerCalls({
  async init(request: InitRequest) {
    await activateWasm();
    model = buildModel(request.architecture, request.options);
    variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  },
  shard(request: ShardRequest) {
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
    return withTransfer(result, result.gradients.map((g) => g.buffer));
  },
}, { inOrder: true });
