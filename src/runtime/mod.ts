/**
 * The onnxruntime side of ferry: open an ONNX image classifier (provider choice and fallback,
 * metadata, overrides for foreign models), run it, rank its predictions. Never loads TensorFlow.js.
 *
 * @module
 */
export type {
  ClassifierSession,
  ModelInfo,
  ModelOverrides,
  Provider,
  RunOptions,
} from "./classifier.ts";
export { openClassifier, type OpenClassifierOptions } from "./session.ts";
export { compareModelPaths, findModels, modelNameOf } from "./model_paths.ts";
export {
  createOrtSession,
  type OrtSession,
  PROVIDERS,
  SESSION_DEFAULTS,
  type SessionOptions,
} from "./providers.ts";
export { type ClassScore, softmaxRows, topK } from "./top_k.ts";
export {
  Batcher,
  BATCHER_DEFAULTS,
  type BatcherOptions,
  type BatchEvent,
  checkBatcherOptions,
} from "./batcher.ts";
export {
  openClassifierInWorker,
  type WorkerClassifier,
  type WorkerClassifierOptions,
} from "./worker_classifier.ts";
export { type ClassifierJob, serveClassifier } from "./classifier_thread.ts";
export { openClassifierWorkers, poolClassifiers } from "./classifier_pool.ts";
export {
  openSplitClassifier,
  SPLIT_DEFAULTS,
  type SplitClassifierOptions,
} from "./split_classifier.ts";
export { type OnnxModelFile, readOnnxModel, type TensorDescription } from "./model_file.ts";
export { buildModelInfo } from "./model_info.ts";
