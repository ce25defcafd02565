/**
 * The backend `auto` trains on when native TensorFlow does not load: tfjs' pure JavaScript `cpu`
 * backend (correct, but far too slow for a full CIFAR-10 run). The WebAssembly backend with
 * ferry's training kernels (`_wasm.ts`) is the faster candidate for this place.
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
  // On its first write the cpu backend prints a banner telling Node users to install tfjs-node;
  // ferry has already said which backend it uses and why, so mark the banner as shown.
  const cpu = tf.backend() as unknown as { firstUse?: boolean };
  if (cpu.firstUse === true) cpu.firstUse = false;
}
