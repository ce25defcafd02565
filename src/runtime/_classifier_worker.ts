/**
 * The thread behind {@linkcode openClassifierInWorker}: opens one classifier and runs it on the
 * batches its owner posts. onnxruntime-node's `run` executes on the calling thread (its promise
 * only defers the call with `setImmediate`), so running it here keeps the owner's event loop free.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import { valuesPerImage } from "../image/mod.ts";
import type { ClassifierSession } from "./classifier.ts";
import { classifyFilesHere } from "./file_batch.ts";
import { openClassifier } from "./session.ts";
import type { FailureData, ToOwner, ToWorker } from "./_worker_protocol.ts";

declare const self: {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: ToOwner, transfer?: Transferable[]): void;
  close(): void;
};

let session: ClassifierSession | undefined;
/** The model input of file batches, reused: this thread runs one batch at a time. */
let scratch = new Float32Array(0);

function failure(error: unknown): FailureData {
  return error instanceof FerryError
    ? { kind: error.kind, message: error.message }
    : { message: (error as Error)?.message ?? String(error) };
}

async function handle(message: ToWorker): Promise<void> {
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
  } else if (message.type === "files") {
    try {
      const needed = message.jobs.length * valuesPerImage(session!.info.inputSpec);
      if (scratch.length < needed) scratch = new Float32Array(needed);
      const batch = await classifyFilesHere(session!, message.jobs, message.options, scratch);
      self.postMessage({ type: "files", id: message.id, batch }, [batch.probabilities.buffer]);
    } catch (error) {
      self.postMessage({ type: "files", id: message.id, error: failure(error) });
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
}

// One message at a time, in order: a release never overtakes the runs posted before it.
let queue = Promise.resolve();
self.onmessage = ({ data }) => {
  queue = queue.then(() => handle(data));
};
