/**
 * Loads tfjs-node (TensorFlow's C library behind TensorFlow.js) into the `@tensorflow/tfjs` that
 * ferry's models import, and says why when it cannot.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { installLegacyUtilShim } from "./_native_shim.ts";
import { useNativeGradients } from "./_native_grads.ts";
import type { NativeKernelBackend } from "./_native_binding.ts";

/** The outcome of trying the native backend. */
export type NativeLoad =
  | { ok: true; detail: string }
  | { ok: false; reason: string };

const SETUP_HINT = "run `deno task setup:native` to build it";

let loading: Promise<NativeLoad> | undefined;

/** Imports tfjs-node (once per process) and makes `tensorflow` the active backend. */
export async function loadNative(): Promise<NativeLoad> {
  loading ??= importNative();
  const load = await loading;
  if (load.ok && !(await tf.setBackend("tensorflow"))) {
    return { ok: false, reason: "tfjs-node loaded but its backend did not initialise" };
  }
  return load;
}

async function importNative(): Promise<NativeLoad> {
  installLegacyUtilShim();
  // TensorFlow logs its CPU feature and oneDNN notices at INFO level on every start; keep
  // warnings and errors. Read once when the library loads, so it is set before the import.
  try {
    if (Deno.env.get("TF_CPP_MIN_LOG_LEVEL") === undefined) {
      Deno.env.set("TF_CPP_MIN_LOG_LEVEL", "1");
    }
  } catch {
    // Without --allow-env TensorFlow merely logs more; loading it will say what else is missing.
  }
  let tfnode: typeof import("@tensorflow/tfjs-node");
  try {
    tfnode = await import("@tensorflow/tfjs-node");
  } catch (error) {
    return { ok: false, reason: explainImportFailure(error) };
  }
  // tfjs-node registers its backend into the @tensorflow/tfjs it requires; models built from
  // ferry's import must see that very engine, or they would silently train on another backend.
  if (tfnode.engine() !== tf.engine() || tf.findBackend("tensorflow") === null) {
    return {
      ok: false,
      reason: "tfjs-node registered into a different @tensorflow/tfjs instance than ferry's " +
        `(tfjs ${tf.version.tfjs}, tfjs-node's ${tfnode.version.tfjs})`,
    };
  }
  if (!(await tf.setBackend("tensorflow"))) {
    return { ok: false, reason: "tfjs-node loaded but its backend did not initialise" };
  }
  useNativeGradients(true);
  const native = tf.findBackend("tensorflow") as unknown as NativeKernelBackend;
  const tfVersion = native.binding.TF_Version ?? "unknown";
  return {
    ok: true,
    detail: `TensorFlow ${tfVersion} through tfjs-node ${tfnode.version["tfjs-node"]}`,
  };
}

function explainImportFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split("\n")[0] ?? message;
  if (/Requires \w+ access|--allow-/.test(message)) {
    return `tfjs-node needs more permissions (${firstLine})`;
  }
  if (message.includes("tfjs_binding.node) can not be found")) {
    return `tfjs-node's binding is not built; ${SETUP_HINT}`;
  }
  if (/cannot open shared object|libtensorflow/i.test(message)) {
    return `tfjs-node's binding cannot load libtensorflow (${firstLine}); ${SETUP_HINT}`;
  }
  return `tfjs-node failed to load (${firstLine}); ${SETUP_HINT}`;
}
