/**
 * The onnxruntime side of ferry: open an ONNX image classifier (provider choice and fallback,
 * metadata, overrides for foreign models), run it, rank its predictions. Never loads TensorFlow.js.
 *
 * @module
 */
export type { ClassifierSession, ModelInfo, ModelOverrides, Provider } from "./classifier.ts";
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
export { openClassifierInWorker } from "./worker_classifier.ts";
export {
  classifyFilesHere,
  type FileBatch,
  type FileBatchOptions,
  type FileJob,
} from "./file_batch.ts";
export { openClassifierWorkers, poolClassifiers } from "./classifier_pool.ts";
export { type OnnxModelFile, readOnnxModel, type TensorDescription } from "./model_file.ts";
export { buildModelInfo } from "./model_info.ts";
export {
  decodeMetadata,
  encodeMetadata,
  type FerryMetadata,
  METADATA_FORMAT_VERSION,
  METADATA_KEYS,
  type ParityRecord,
  type QuantizationRecord,
} from "./metadata.ts";
export {
  decodeOnnxModel,
  encodeOnnxModel,
  int64ToNumber,
  type OnnxAttribute,
  OnnxAttributeType,
  OnnxDataType,
  type OnnxDimension,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from "./onnx_proto.ts";
