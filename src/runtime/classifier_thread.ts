/**
 * The worker side of {@linkcode openClassifierInWorker}: opens one classifier on this thread and
 * runs it on the batches its owner posts. onnxruntime-node's `run` executes on the calling
 * thread (its promise only defers the call with `setImmediate`), so running it here keeps the
 * owner's event loop free. A worker script may add jobs of its own that use the open session
 * (classify's reads, decodes and runs whole batches of files), which its owner starts with `call`.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import type { ClassifierSession } from "./classifier.ts";
import { openClassifier } from "./session.ts";
import type { FailureData, ToOwner, ToWorker } from "./_worker_protocol.ts";

/** What a job answers: a value, and the buffers in it to move to the owner rather than copy. */
export interface JobResult {
  value: unknown;
  transfer?: Transferable[];
}

/** A job that a worker script adds beside `run`: the open session and the owner's argument. */
// deno-lint-ignore no-explicit-any
export type ClassifierJob = (session: ClassifierSession, arg: any) => Promise<JobResult>;

declare const self: {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: ToOwner, transfer?: Transferable[]): void;
  close(): void;
};

function failure(error: unknown): FailureData {
  return error instanceof FerryError
    ? { kind: error.kind, message: error.message, httpStatus: error.httpStatus }
    : { message: (error as Error)?.message ?? String(error) };
}

/**
 * Serves a classifier on this worker thread, with `jobs` beside open, run and release. Call it
 * once, from the module a worker starts with; messages are handled one at a time, in order.
 *
 * @example
 * ```ts
 * // my_worker.ts, opened with openClassifierInWorker(path, { script: new URL("./my_worker.ts", import.meta.url) })
 * serveClassifier({ sum: async (session, input) => ({ value: (await session.run(input, 1)).length }) });
 * ```
 */
export function serveClassifier(jobs: Record<string, ClassifierJob> = {}): void {
  let session: ClassifierSession | undefined;
  const handle = async (message: ToWorker): Promise<void> => {
    if (message.type === "open") {
      try {
        session = await openClassifier(message.path, {
          ...message.options,
          reporter: {
            info: () => {},
            warn: (text) => self.postMessage({ type: "warn", message: text }),
            task: () => ({ tick() {}, done() {} }),
          },
        });
        self.postMessage({ type: "opened", info: session.info });
      } catch (error) {
        self.postMessage({ type: "failed", error: failure(error) });
      }
    } else if (message.type === "run") {
      try {
        const output = await session!.run(message.input, message.count);
        self.postMessage({ type: "result", id: message.id, output }, [output.buffer]);
      } catch (error) {
        self.postMessage({ type: "result", id: message.id, error: failure(error) });
      }
    } else if (message.type === "call") {
      try {
        const job = jobs[message.job];
        if (!job) throw new Error(`Cannot run job '${message.job}': this worker has none`);
        const { value, transfer = [] } = await job(session!, message.arg);
        self.postMessage({ type: "called", id: message.id, value }, transfer);
      } catch (error) {
        self.postMessage({ type: "called", id: message.id, error: failure(error) });
      }
    } else {
      // Even a release that throws must answer, or its owner would wait forever.
      try {
        await session?.release();
      } finally {
        self.postMessage({ type: "released" });
        self.close();
      }
    }
  };
  // One message at a time, in order: a release never overtakes the runs posted before it.
  let queue = Promise.resolve();
  self.onmessage = ({ data }) => {
    queue = queue.then(() => handle(data));
  };
}
