/**
 * What `auto` trains on when native TensorFlow does not load: the WebAssembly backend with
 * ferry's training kernels (`_wasm.ts`), or, should that not start either, tfjs' pure JavaScript
 * `cpu` backend (correct, but far too slow for a full CIFAR-10 run).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { FerryError } from "../../errors.ts";
import type { Reporter } from "../../progress/mod.ts";
import { activateWasm } from "./_wasm.ts";

/** Activates the fallback for `auto`; `nativeReason` says why native TensorFlow did not load. */
export async function activateFallback(
  nativeReason: string,
  reporter: Reporter,
): Promise<{ name: string; reason: string }> {
  const why = `native TensorFlow unavailable (${nativeReason})`;
  try {
    await activateWasm();
    return { name: "wasm", reason: `${why}; using WebAssembly with ferry's training kernels` };
  } catch (error) {
    reporter.warn(`WebAssembly backend unavailable: ${(error as Error).message}`);
  }
  await activateCpu();
  return {
    name: "cpu",
    reason: `${why}, WebAssembly too; using tfjs' JavaScript cpu backend, which is very slow ` +
      "for convolutional models",
  };
}

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
