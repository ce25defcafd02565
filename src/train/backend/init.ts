/**
 * Chooses the TensorFlow.js backend ferry trains on: native TensorFlow (tfjs-node) when it loads,
 * else the fallback, and says which and why.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { FerryError } from "../../errors.ts";
import type { Reporter } from "../../progress/mod.ts";
import { loadNative } from "./_native.ts";
import { activateCpu, activateFallback } from "./_fallback.ts";
import { activateWasm } from "./_wasm.ts";

/** The backends a user can ask for; `auto` is native TensorFlow when it loads, else the fallback. */
export type BackendChoice = "auto" | "tensorflow" | "wasm" | "cpu";

/** Every accepted {@linkcode BackendChoice}, for flag validation and `--help`. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "tensorflow", "wasm", "cpu"];

/** The backend in use and why it was chosen. */
export interface BackendInfo {
  /** tfjs' name of the active backend: "tensorflow", "wasm" or "cpu". */
  name: string;
  /** Why: what loaded, or why native TensorFlow did not. */
  reason: string;
}

/**
 * Activates a backend for `@tensorflow/tfjs` and reports the choice on `reporter`.
 *
 * @example
 * ```ts
 * import { initBackend } from "./mod.ts";
 * import { silentReporter } from "../../progress/mod.ts";
 * const { name } = await initBackend("auto", silentReporter); // "tensorflow" or "wasm"
 * ```
 */
export async function initBackend(
  choice: BackendChoice,
  reporter: Reporter,
): Promise<BackendInfo> {
  let info: BackendInfo;
  if (choice === "tensorflow" || choice === "auto") {
    const native = await loadNative();
    if (native.ok) {
      info = { name: "tensorflow", reason: native.detail };
    } else if (choice === "tensorflow") {
      throw new FerryError("usage", `Cannot use backend 'tensorflow': ${native.reason}`);
    } else {
      reporter.warn(`Native TensorFlow backend unavailable: ${native.reason}`);
      info = await activateFallback(native.reason, reporter);
    }
  } else if (choice === "wasm") {
    await activateWasm();
    info = { name: "wasm", reason: "requested" };
  } else if (choice === "cpu") {
    await activateCpu();
    info = { name: "cpu", reason: "requested" };
  } else {
    throw new FerryError(
      "usage",
      `Cannot choose a backend: expected one of ${BACKEND_CHOICES.join(", ")}, got '${choice}'`,
    );
  }
  if (tf.getBackend() !== info.name) {
    throw new FerryError(
      "usage",
      `Cannot use backend '${info.name}': tfjs reports '${tf.getBackend()}' as active`,
    );
  }
  reporter.info(`Backend: ${info.name} (${info.reason})`);
  return info;
}
