import { FerryError } from "../errors.ts";
import { silentReporter } from "../progress/mod.ts";
import type { ClassifierSession, ModelInfo } from "./classifier.ts";
import type { OpenClassifierOptions } from "./session.ts";
import type { FailureData, ToOwner, ToWorker } from "./_worker_protocol.ts";

function rebuild(failure: FailureData): Error {
  return failure.kind
    ? new FerryError(failure.kind, failure.message, { httpStatus: failure.httpStatus })
    : new Error(failure.message);
}

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
 * const model = await openClassifierInWorker("models/cifar10/model.onnx", { threads: 1 });
 * const probs = await model.run(input, 1);
 * await model.release();
 * ```
 */
export async function openClassifierInWorker(
  path: string,
  options: WorkerClassifierOptions = {},
): Promise<WorkerClassifier> {
  const { reporter = silentReporter, script, ...rest } = options;
  const worker = new Worker(script ?? new URL("./_classifier_worker.ts", import.meta.url), {
    type: "module",
  });
  // Each job resolves to what its reply carries: a run's probabilities or a job's value.
  // deno-lint-ignore no-explicit-any
  const pending = new Map<number, { resolve(value: any): void; reject(e: Error): void }>();
  const opened = Promise.withResolvers<ModelInfo>();
  const released = Promise.withResolvers<void>();
  worker.onmessage = ({ data }: MessageEvent<ToOwner>) => {
    if (data.type === "warn") reporter.warn(data.message);
    else if (data.type === "opened") opened.resolve(data.info);
    else if (data.type === "failed") opened.reject(rebuild(data.error));
    else if (data.type === "released") released.resolve();
    else {
      const job = pending.get(data.id)!;
      pending.delete(data.id);
      const value = data.type === "result" ? data.output : data.value;
      if (data.error === undefined) job.resolve(value);
      else job.reject(rebuild(data.error!));
    }
  };
  // Once the worker has crashed it answers nothing: every later run fails with the same error.
  let crashed: FerryError | undefined;
  worker.onerror = (event) => {
    event.preventDefault();
    const error = new FerryError("model", `Cannot run model '${path}': ${event.message}`);
    crashed ??= error;
    opened.reject(error);
    released.resolve();
    for (const job of pending.values()) job.reject(error);
    pending.clear();
  };
  const post = (message: ToWorker) => worker.postMessage(message);
  post({ type: "open", path, options: rest });
  let info: ModelInfo;
  try {
    info = await opened.promise;
  } catch (error) {
    worker.terminate();
    throw error;
  }
  let nextId = 0;
  /** Posts the message `job(id)` and resolves to its reply's value. */
  const ask = <T>(job: (id: number) => ToWorker): Promise<T> => {
    if (crashed) return Promise.reject(crashed);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      post(job(id));
    });
  };
  return {
    info,
    run(input, count) {
      // Cloning a view clones its whole buffer: send a view of a larger buffer as a copy.
      const whole = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength;
      return ask((id) => ({ type: "run", id, input: whole ? input : input.slice(), count }));
    },
    call(job, arg) {
      return ask((id) => ({ type: "call", id, job, arg }));
    },
    async release() {
      if (!crashed) post({ type: "release" });
      await released.promise;
      worker.terminate();
    },
  };
}
