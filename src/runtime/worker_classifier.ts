import { FerryError } from "../errors.ts";
import { silentReporter } from "../progress/mod.ts";
import { WorkerClient } from "../workers/mod.ts";
import type { ClassifierSession, ModelInfo } from "./classifier.ts";
import type { OpenClassifierOptions } from "./session.ts";

/** Options of {@linkcode openClassifierInWorker}. */
export interface WorkerClassifierOptions extends OpenClassifierOptions {
  /**
   * The module the worker starts with: one that calls `serveClassifier` with jobs of its own,
   * for `call`. @default runtime's, which adds none
   */
  script?: URL;
}

/** A classifier on a worker thread, which also runs the jobs its worker script added. */
export interface WorkerClassifier extends ClassifierSession {
  /** Runs the job `job` that the worker script added, with the open session, on `arg`. */
  call<T>(job: string, arg: unknown): Promise<T>;
  /** Runs and jobs posted and not yet answered. */
  readonly pending: number;
}

/**
 * {@linkcode openClassifier} on a worker thread of its own: the same model, provider choice,
 * answers and errors, but `run` never blocks the caller's event loop. onnxruntime-node runs a
 * session on the thread that calls it, so a server that ran it directly could not answer other
 * requests (not even health checks) while a batch runs. Inputs are copied to the worker; outputs
 * come back without a copy.
 *
 * @example
 * ```ts
 * import { openClassifierInWorker } from "./mod.ts";
 * declare const input: Float32Array; // one image as the model takes it
 * const model = await openClassifierInWorker("models/cifar10/model.onnx", { threads: 1 });
 * const probs = await model.run(input, 1);
 * await model.release();
 * ```
 */
export async function openClassifierInWorker(
  path: string,
  options: WorkerClassifierOptions = {},
): Promise<WorkerClassifier> {
  const {
    reporter = silentReporter,
    script = new URL("./_classifier_worker.ts", import.meta.url),
    ...rest
  } = options;
  const client = new WorkerClient(script, {
    // Once the worker has crashed it answers nothing: every later run fails with the same error.
    crashError: (message) => new FerryError("model", `Cannot run model '${path}': ${message}`),
    onEvent: (warning) => reporter.warn(warning as string),
  });
  let info: ModelInfo;
  try {
    info = await client.call<ModelInfo>("open", { path, options: rest });
  } catch (error) {
    client.terminate();
    throw error;
  }
  return {
    info,
    get pending() {
      return client.pending;
    },
    run(input, count, options = {}) {
      // Cloning a view clones its whole buffer: send a view of a larger buffer as a copy.
      const whole = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength;
      if (!whole) return client.call("run", { input: input.slice(), count }, []);
      const moved = options.transfer && input.buffer instanceof ArrayBuffer ? [input.buffer] : [];
      return client.call("run", { input, count }, moved);
    },
    call: (job, arg) => client.call(job, arg),
    async release() {
      // The thread ends either way: a session that failed to free itself, or a crashed worker,
      // leaves nothing more to wait for.
      await client.call("release").catch(() => {});
      client.terminate();
    },
  };
}
