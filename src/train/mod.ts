/**
 * Training: the fit loop and its callbacks, history, checkpoints, and the backends it runs on
 * (their own room, `backend/`).
 *
 * @module
 */
export {
  BACKEND_CHOICES,
  type BackendChoice,
  type BackendInfo,
  initBackend,
  NativeAdamOptimizer,
  useNativeGradients,
} from "./backend/mod.ts";
export { TRAIN_DEFAULTS, type TrainConfig, validateTrainConfig } from "./config.ts";
export { resumeRun, trainRun, type TrainRunOptions, type TrainRunResult } from "./run.ts";
export { type BatchSource, fit, type FitOptions, type FitResult } from "./fit.ts";
export type { BatchLog, FitCallback, FitContext } from "./callback.ts";
export {
  EARLY_STOPPING_DEFAULTS,
  EarlyStopping,
  type EarlyStoppingDecision,
  type EarlyStoppingOptions,
  type EarlyStoppingState,
} from "./early_stopping.ts";
export {
  REDUCE_LR_DEFAULTS,
  ReduceLrOnPlateau,
  type ReduceLrOptions,
  type ReduceLrState,
} from "./reduce_lr.ts";
export {
  bestEpoch,
  type EpochLog,
  formatEpochLog,
  HISTORY_COLUMNS,
  historyColumns,
  historyCsv,
  layerColumns,
  type LayerStats,
} from "./history.ts";
export {
  type Checkpoint,
  CHECKPOINT_DIR,
  type CheckpointState,
  disposeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from "./checkpoint.ts";
export {
  patchCovariance,
  symmetricEigen,
  whitenFirstConv,
  WHITENING_DEFAULTS,
  whiteningKernel,
  type WhiteningOptions,
} from "./whitening.ts";
export { batchLoss, correctCount, LOSSES, type LossName, sampleLosses } from "./losses.ts";
export {
  createOptimizer,
  type OptimizerName,
  type OptimizerOptions,
  OPTIMIZERS,
  setLearningRate,
} from "./optimizer.ts";
export { LR_SCHEDULES, type LrSchedule, scheduleFactor } from "./schedule.ts";
export { type HistoryFile, RUN_FILES } from "./_outputs.ts";
export { type ShardedStepOptions, WasmGradientPool } from "./_wasm_workers.ts";
export type { SplitMetrics } from "./_evaluate.ts";
