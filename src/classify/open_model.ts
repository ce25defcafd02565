import {
  type ClassifierSession,
  type OpenClassifierOptions,
  openClassifierWorkers,
} from "../runtime/mod.ts";

/** Options of {@linkcode openClassifyModel}. */
export interface ClassifyModelOptions extends OpenClassifierOptions {
  /**
   * Worker threads, each with its own copy of the model, that read, decode and classify whole
   * batches of files. @default navigator.hardwareConcurrency
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

/**
 * Opens a model the way `ferry classify` runs it: `workers` copies on worker threads of their
 * own, each reading, decoding and classifying the batches of files it is given.
 *
 * @example
 * ```ts
 * const model = await openClassifyModel("models/cifar10/model.onnx");
 * await classifyPaths(model, ["photos/"], { out: "labels.csv" });
 * await model.release();
 * ```
 */
export async function openClassifyModel(
  path: string,
  options: ClassifyModelOptions = {},
): Promise<ClassifierSession> {
  const { workers, ...rest } = { ...CLASSIFY_MODEL_DEFAULTS, ...options };
  return await openClassifierWorkers(path, workers, rest);
}
