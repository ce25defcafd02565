import { join } from "node:path";
import { exists } from "../files/mod.ts";
import { type Reporter, silentReporter } from "../progress/mod.ts";
import {
  type EpochLog,
  type HistoryFile,
  resumeRun,
  RUN_FILES,
  TRAIN_DEFAULTS,
  trainRun,
} from "../train/mod.ts";
import { type ExperimentSpec, type PlannedRun, planRuns } from "./spec.ts";

/** A finished run, as the report reads it. */
export interface RunOutcome extends PlannedRun {
  history: EpochLog[];
  /** Validation accuracy of the weights kept (the best epoch when EarlyStopping restored it). */
  finalValAccuracy: number;
  bestValAccuracy: number;
  bestValLoss: number;
  epochs: number;
  seconds: number;
}

/** Options of {@linkcode runExperiment}. */
export interface RunExperimentOptions {
  /** @default silentReporter */
  reporter?: Reporter;
  /** Only read finished runs and report; train nothing. @default false */
  reportOnly?: boolean;
}

async function readHistory(runDir: string): Promise<HistoryFile | undefined> {
  try {
    await Deno.stat(join(runDir, RUN_FILES.metrics));
    return JSON.parse(await Deno.readTextFile(join(runDir, RUN_FILES.historyJson)));
  } catch {
    return undefined; // not finished
  }
}

function outcomeOf(planned: PlannedRun, file: HistoryFile): RunOutcome {
  const history = file.epochs;
  const kept = history.find((log) => log.epoch === file.weightsEpoch) ?? history.at(-1);
  return {
    ...planned,
    history,
    finalValAccuracy: kept?.val_accuracy ?? NaN,
    bestValAccuracy: Math.max(...history.map((log) => log.val_accuracy)),
    bestValLoss: Math.min(...history.map((log) => log.val_loss)),
    epochs: history.length,
    seconds: history.reduce((sum, log) => sum + log.seconds, 0),
  };
}

/** A run's training settings, defaults filled in and its name left out. */
const settingsOf = (run: PlannedRun): string =>
  JSON.stringify({ ...TRAIN_DEFAULTS, ...run.config, run: "" });

/**
 * Runs every planned run that has not finished: a finished run (its `metrics.json` exists) is
 * read back, an interrupted one resumes from its last checkpoint, so the experiment can be
 * stopped at any time and run again. A run whose settings equal an earlier one's (each question's
 * baseline variant, say) is not trained again: its outcome is the earlier run's, `run` naming
 * the folder it was read from.
 */
export async function runExperiment(
  spec: ExperimentSpec,
  options: RunExperimentOptions = {},
): Promise<RunOutcome[]> {
  const reporter = options.reporter ?? silentReporter;
  const planned = planRuns(spec);
  const outcomes: RunOutcome[] = [];
  const finished = new Map<string, HistoryFile & { run: string }>();
  for (const [i, run] of planned.entries()) {
    const twin = finished.get(settingsOf(run));
    if (twin) {
      outcomes.push(outcomeOf({ ...run, run: twin.run }, twin));
      continue;
    }
    const runDir = join(spec.runsDir, run.run);
    let file = await readHistory(runDir);
    if (!file && !options.reportOnly) {
      reporter.info(
        `[${i + 1}/${planned.length}] ${run.question}: ${run.variant} (seed ${run.seed})`,
      );
      if (await exists(join(runDir, RUN_FILES.config))) await resumeRun(runDir, { reporter });
      else {
        await Deno.remove(runDir, { recursive: true }).catch(() => {});
        await trainRun({ ...TRAIN_DEFAULTS, ...run.config }, { reporter });
      }
      file = await readHistory(runDir);
    }
    if (file) {
      finished.set(settingsOf(run), { ...file, run: run.run });
      outcomes.push(outcomeOf(run, file));
    } else reporter.warn(`${run.run} has not finished; the report leaves it out`);
  }
  return outcomes;
}
