/**
 * The WebAssembly training backend: tfjs-backend-wasm (XNNPACK, SIMD where the runtime has it)
 * plus ferry's training kernels. Needs no native download.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { FerryError } from "../../errors.ts";
import { registerWasmTrainingKernels } from "./_wasm_kernels.ts";

/** Makes tfjs' wasm backend, with ferry's training kernels, the active one. */
export async function activateWasm(): Promise<void> {
  // Loaded on demand: the module registers its backend and ~300 kernels on import.
  await import("@tensorflow/tfjs-backend-wasm");
  let ok = false;
  try {
    ok = await tf.setBackend("wasm");
  } catch (error) {
    throw new FerryError("usage", `Cannot use backend 'wasm': ${(error as Error).message}`);
  }
  if (!ok) throw new FerryError("usage", "Cannot use backend 'wasm': tfjs could not initialise it");
  await tf.ready();
  registerWasmTrainingKernels();
}
