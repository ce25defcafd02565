import {
  type ClassifierSession,
  type OpenClassifierOptions,
  openClassifierWorkers,
} from "../runtime/mod.ts";

/** Options of {@linkcode openClassifyModel}. */
export interface ClassifyModelOptions extends OpenClassifierOptions {
  /** Copies of the model, each on a worker thread of its own. @default every core */
  modelWorkers?: number;
}

/**
 * Defaults of {@linkcode ClassifyModelOptions}: one single-threaded copy of the model per core.
 * On 2 cores with 32×32 JPEGs, two copies of one thread each measured faster than one copy of
 * two threads (docs/benchmarks.md): decoding on this thread takes a core from time to time,
 * which a single copy's two-thread operators wait for at every barrier.
 */
export const CLASSIFY_MODEL_DEFAULTS = {
  modelWorkers: Math.max(1, navigator.hardwareConcurrency),
  threads: 1,
} as const;

/**
 * Opens a model the way `ferry classify` runs it: copies of it on worker threads of their own,
 * pooled, so that the pipeline decodes the next batch while the copies run the previous ones.
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
  const { modelWorkers, ...rest } = { ...CLASSIFY_MODEL_DEFAULTS, ...options };
  return await openClassifierWorkers(path, modelWorkers, rest);
}
