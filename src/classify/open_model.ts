import {
  type ClassifierSession,
  openClassifier,
  type OpenClassifierOptions,
  openClassifierWorkers,
} from "../runtime/mod.ts";
import type { FileBatch, FileBatchOptions, FileJob } from "./file_batch.ts";

/** Options of {@linkcode openClassifyModel}. */
export interface ClassifyModelOptions extends OpenClassifierOptions {
  /**
   * Worker threads, each with its own copy of the model, that read, decode and classify whole
   * batches of files; 0 opens the model on the calling thread, which then reads and decodes
   * too ({@linkcode workersFor} says when that is faster). @default navigator.hardwareConcurrency
   */
  workers?: number;
}

/**
 * Defaults of {@linkcode ClassifyModelOptions}: a worker per core, each running its copy of the
 * model on one onnxruntime thread. A copy with one thread never waits at an operator's barrier
 * for a thread that the scheduler gave to other work, and a worker that reads and decodes its
 * own files leaves nothing to hand between threads but file names and probabilities
 * (docs/benchmarks.md has the measurements behind this choice).
 */
export const CLASSIFY_MODEL_DEFAULTS = {
  workers: Math.max(1, navigator.hardwareConcurrency),
  threads: 1,
} as const;

/** A model as classify runs it: any session, or one from {@linkcode openClassifyModel}. */
export interface ClassifyModel extends ClassifierSession {
  /**
   * Reads, decodes and classifies files where the model runs (a worker thread), so that the
   * caller's thread never touches their bytes or pixels; absent on a session that runs on the
   * caller's thread, where classify reads and decodes on that thread.
   */
  classifyFiles?(jobs: FileJob[], options?: FileBatchOptions): Promise<FileBatch>;
}

/**
 * Opens a model the way `ferry classify` runs it: `workers` copies on worker threads of their
 * own, each reading, decoding and classifying the batches of files it is given.
 *
 * @example
 * ```ts
 * import { classifyPaths, openClassifyModel } from "./mod.ts";
 * const model = await openClassifyModel("models/cifar10/model.onnx");
 * await classifyPaths(model, ["photos/"], { out: "labels.csv" });
 * await model.release();
 * ```
 */
export async function openClassifyModel(
  path: string,
  options: ClassifyModelOptions = {},
): Promise<ClassifyModel> {
  const { workers, ...rest } = { ...CLASSIFY_MODEL_DEFAULTS, ...options };
  if (workers === 0) return await openClassifier(path, rest);
  const script = new URL("./_file_worker.ts", import.meta.url);
  const model = await openClassifierWorkers(path, workers, { ...rest, script });
  return {
    info: model.info,
    parallelRuns: model.parallelRuns ?? 1,
    run: (input, count, options) => model.run(input, count, options),
    classifyFiles: (jobs, options = {}) => model.call("files", { jobs, options }),
    release: () => model.release(),
  };
}

/**
 * The workers worth starting for `files` files in batches of `batchSize`, at most `workers`:
 * none for a single batch, whose run is mostly start-up (each worker thread loads onnxruntime,
 * the decoders and the model again: about 0.4 s of CPU), and never more than there are batches,
 * since a batch goes to one worker.
 */
export function workersFor(files: number, batchSize: number, workers: number): number {
  // A batch size that classifyPaths will refuse leaves the count as asked, so that its error shows.
  if (!Number.isInteger(batchSize) || batchSize < 1) return workers;
  return files <= batchSize ? 0 : Math.min(workers, Math.ceil(files / batchSize));
}
