/**
 * Batch classification of folders: walk (globs, no symlink loops), a streaming pipeline that
 * decodes in parallel with batched inference, row writers (CSV, JSON Lines, table), resume and
 * sorting into label folders.
 *
 * @example
 * ```ts
 * const model = await openClassifyModel("models/cifar10/model.onnx");
 * await classifyPaths(model, ["photos/"], { out: "labels.csv", sortInto: "sorted/" });
 * ```
 *
 * @module
 */
export {
  CLASSIFY_DEFAULTS,
  type ClassifyOptions,
  classifyPaths,
  type ClassifySummary,
  type FolderLabels,
  formatSummary,
  type RowSink,
} from "./classify.ts";
export {
  csvField,
  OUTPUT_FORMATS,
  type OutputFormat,
  type RowFormatter,
  rowFormatter,
} from "./format.ts";
export {
  classifyEntries,
  PIPELINE_DEFAULTS,
  type PipelineBatch,
  type PipelineOptions,
} from "./pipeline.ts";
export type { FileBatch, FileBatchOptions, FileJob } from "./file_batch.ts";
export {
  CLASSIFY_MODEL_DEFAULTS,
  type ClassifyModel,
  type ClassifyModelOptions,
  openClassifyModel,
  workersFor,
} from "./open_model.ts";
export { type MergeOptions, mergeOutputs, type MergeResult } from "./merge.ts";
export { type OutputRows, readOutputRows, readResumeState, type ResumeState } from "./resume.ts";
export { parseShard, relativePathOf, type Shard, shardBatches, shardOf } from "./shard.ts";
export type { ClassifiedRow, LabelScore } from "./row.ts";
export { createSorter, type Sorter, type SortIntoOptions } from "./sort_into.ts";
export { WALK_DEFAULTS, walkBatches, type WalkEntry, walkFiles, type WalkOptions } from "./walk.ts";
