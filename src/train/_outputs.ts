import { join } from "node:path";
import { formatConfig } from "../config/mod.ts";
import { writeFileAtomic } from "../files/mod.ts";
import type { EpochLog } from "./history.ts";
import { historyColumns, historyCsv } from "./history.ts";

/** File names inside a run folder (besides the tfjs model and the checkpoints). */
export const RUN_FILES = {
  config: "config.json",
  classes: "classes.json",
  summary: "summary.txt",
  historyJson: "history.json",
  historyCsv: "history.csv",
  metrics: "metrics.json",
  report: "report.txt",
  curvesSvg: "curves.svg",
  curvesPng: "curves.png",
  /** Per-layer gradient norms and update ratios, when the history has them. */
  layerStatsSvg: "layer_stats.svg",
  layerStatsPng: "layer_stats.png",
} as const;

/** Writes a value as indented JSON, atomically. */
export function writeJson(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, formatConfig(value as object) + "\n");
}

/** What `history.json` holds. */
export interface HistoryFile {
  epochs: EpochLog[];
  /** Keras' `History.history` layout of the same numbers. */
  history: Record<string, number[]>;
  stoppedEarly: boolean;
  /** Epoch whose weights the saved model holds (the best one when EarlyStopping restored it). */
  weightsEpoch: number;
}

/** Writes `history.json` and `history.csv` into `runDir`. */
export async function writeHistory(
  runDir: string,
  epochs: EpochLog[],
  end: { stoppedEarly: boolean; weightsEpoch: number },
): Promise<void> {
  const { stoppedEarly, weightsEpoch } = end;
  const file: HistoryFile = { epochs, history: historyColumns(epochs), stoppedEarly, weightsEpoch };
  await writeJson(join(runDir, RUN_FILES.historyJson), file);
  await writeFileAtomic(join(runDir, RUN_FILES.historyCsv), historyCsv(epochs));
}
