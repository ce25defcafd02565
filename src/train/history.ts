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
