import {
  type ClassifierSession,
  type OpenClassifierOptions,
  openClassifierWorkers,
} from "../runtime/mod.ts";

/** Options of {@linkcode openClassifyModel}. */
export interface ClassifyModelOptions extends OpenClassifierOptions {
  /** Copies of the model, each on a worker thread of its own. @default 1 */
  modelWorkers?: number;
}

/**
 * Defaults of {@linkcode ClassifyModelOptions}: one copy of the model on its own thread, with an
 * onnxruntime thread per core. On 2 cores with 32×32 JPEGs, a copy per core with one thread each
 * measured 7% faster (6,344 against 5,931 images/s over 100,000 files) but its second isolate and
 * session raised the peak memory from 336 to 444 MiB, past the 400 MB that a huge folder may take;
 * `modelWorkers` trades one for the other.
 */
export const CLASSIFY_MODEL_DEFAULTS = {
  modelWorkers: 1,
  threads: Math.max(1, navigator.hardwareConcurrency),
} as const;

/**
 * Opens a model the way `ferry classify` runs it: on a worker thread of its own (or
 * `modelWorkers` pooled copies), so that the pipeline decodes the next batch while the model runs
 * the previous one.
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
