/**
 * The backend ferry trains on when native TensorFlow does not load. Today that is tfjs' pure
 * JavaScript `cpu` backend (correct, but far too slow for a full CIFAR-10 run). The WebAssembly
 * path of issue #4 slots in here: once its missing training kernels (Conv2DBackpropFilter, a fast
 * Conv2DBackpropInput) are registered, `wasm` becomes the fallback and `activateWasm` its setup.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { FerryError } from "../errors.ts";

/** The backend `auto` falls back to. */
export const FALLBACK_BACKEND = "cpu";

/** Makes tfjs' JavaScript `cpu` backend the active one. */
export async function activateCpu(): Promise<void> {
  if (!(await tf.setBackend("cpu"))) {
    throw new FerryError("usage", "Cannot use backend 'cpu': tfjs could not initialise it");
  }
  await tf.ready();
}

/** The WebAssembly backend cannot train a Conv2D model yet (issue #4's fallback part). */
export function activateWasm(): Promise<void> {
  return Promise.reject(
    new FerryError(
      "usage",
      "Cannot use backend 'wasm': its training kernels (Conv2DBackpropFilter) are not " +
        "implemented yet; use 'tensorflow' or 'cpu'",
    ),
  );
}
