import {
  type ClassifierSession,
  openClassifierInWorker,
  type OpenClassifierOptions,
} from "../runtime/mod.ts";

/**
 * onnxruntime threads for classify when none are asked for: every core but one, which is left
 * to reading and decoding the next batch while the model runs (1 on a 2-core machine, where
 * this measured 2–3× faster than onnxruntime's default of both cores, whose spinning threads
 * fight the decoder).
 */
export function defaultClassifyThreads(): number {
  return Math.max(1, navigator.hardwareConcurrency - 1);
}

/**
 * Opens a model the way `ferry classify` runs it: on a worker thread of its own, so that the
 * pipeline decodes the next batch while the model runs this one.
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
  options: OpenClassifierOptions = {},
): Promise<ClassifierSession> {
  const threads = options.threads ?? defaultClassifyThreads();
  return await openClassifierInWorker(path, { ...options, threads });
}
