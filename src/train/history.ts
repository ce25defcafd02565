/**
 * One trainable layer's epoch, averaged over the steps measured (every `layerStatsEvery`-th
 * step); a layer's norms cover all its trainable weights together (kernel and bias).
 */
export interface LayerStats {
  /** Mean L2 norm of the layer's gradient. */
  grad_norm: number;
  /** Mean L2 norm of the layer's weights before the step. */
  weight_norm: number;
  /**
   * Mean update-to-weight ratio ‖Δw‖/‖w‖ (w before the step) over the steps whose weights were
   * not all zero; null when none were (JSON has no NaN).
   */
  update_ratio: number | null;
  /** Units of the layer: the last axis of its weights (Dense units, Conv2D filters). */
  units: number;
  /**
   * Share of the units whose gradient was exactly zero at every measured step: ReLU units never
   * active on those batches, or units stuck where a zero initialisation left them.
   */
  silent_units: number;
  /**
   * Spread of the units' weight norms at the last measured step (standard deviation over mean;
   * 0 when every unit's norm is the same, as for units that start and stay identical).
   */
  unit_norm_cv: number;
}

/** One epoch's record, with Keras' log names. */
export interface EpochLog {
  /** 1-based epoch number. */
  epoch: number;
  loss: number;
  accuracy: number;
  val_loss: number;
  val_accuracy: number;
  /** The learning rate of this epoch (before any reduction at its end; under a schedule, its last step's). */
  learning_rate: number;
  /** Wall-clock seconds of the epoch, validation included. */
  seconds: number;
  /**
   * Each trainable layer's gradient and update sizes, by layer name in model order; absent when
   * measuring was off (`layerStatsEvery` 0) and in histories written before it existed. ferry's
   * architectures name every layer; tfjs numbers unnamed layers per process, so their names can
   * differ after a resume.
   */
  layers?: Record<string, LayerStats>;
}

/** Column order of `history.csv`. */
export const HISTORY_COLUMNS = [
  "epoch",
  "loss",
  "accuracy",
  "val_loss",
  "val_accuracy",
  "learning_rate",
  "seconds",
] as const satisfies readonly (keyof EpochLog)[];

/** History as CSV: a header row, then one row per epoch, numbers at full precision. */
export function historyCsv(history: readonly EpochLog[]): string {
  const rows = history.map((log) => HISTORY_COLUMNS.map((c) => String(log[c])).join(","));
  return [HISTORY_COLUMNS.join(","), ...rows].join("\n") + "\n";
}

/**
 * History in Keras' `History.history` shape (metric name → list per epoch), which is what
 * `history.json` holds beside the per-epoch records.
 */
export function historyColumns(history: readonly EpochLog[]): Record<string, number[]> {
  return Object.fromEntries(HISTORY_COLUMNS.map((c) => [c, history.map((log) => log[c])]));
}

/**
 * One value of every layer's {@linkcode LayerStats} per epoch, by layer name in the order the
 * layers first appear (NaN where an epoch has no record: measuring off, or an older history);
 * undefined when no epoch has layer records.
 */
export function layerColumns(
  history: readonly EpochLog[],
  field: keyof LayerStats,
): Record<string, number[]> | undefined {
  const names = [...new Set(history.flatMap((log) => Object.keys(log.layers ?? {})))];
  if (names.length === 0) return undefined;
  return Object.fromEntries(
    names.map((name) => [name, history.map((log) => log.layers?.[name]?.[field] ?? NaN)]),
  );
}

/** The epoch with the highest validation accuracy (ties: the earliest), or undefined if none. */
export function bestEpoch(history: readonly EpochLog[]): EpochLog | undefined {
  return history.reduce<EpochLog | undefined>(
    (best, log) => (best === undefined || log.val_accuracy > best.val_accuracy ? log : best),
    undefined,
  );
}

/** One epoch as Keras prints it at the end of the epoch. */
export function formatEpochLog(log: EpochLog, steps: number): string {
  const msPerStep = Math.round((log.seconds * 1000) / Math.max(steps, 1));
  return `${steps}/${steps} - ${Math.round(log.seconds)}s ${msPerStep}ms/step` +
    ` - accuracy: ${log.accuracy.toFixed(4)} - loss: ${log.loss.toFixed(4)}` +
    ` - val_accuracy: ${log.val_accuracy.toFixed(4)} - val_loss: ${log.val_loss.toFixed(4)}` +
    ` - learning_rate: ${formatRate(log.learning_rate)}`;
}

function formatRate(rate: number): string {
  // Keras (numpy) prints small rates with a two-digit exponent: 8.0000e-06.
  return rate >= 1e-4 ? rate.toFixed(4) : rate.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2");
}
