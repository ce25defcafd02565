/**
 * `ferry experiment <spec.json>`: runs every variant of every question in the spec (skipping
 * finished runs, resuming interrupted ones) and writes the report.
 *
 * @module
 */
import { readExperimentSpec, runExperiment, writeExperimentReport } from "../experiment/mod.ts";
import { FerryError } from "../errors.ts";
import { terminalReporter } from "../progress/mod.ts";
import { booleanFlag, type Command } from "./_command.ts";

export const command: Command = {
  name: "experiment",
  summary: "Run a grid of training runs and report what they answer",
  usage: "[options] <spec.json>",
  flags: {
    "report-only": {
      type: "boolean",
      description: "Train nothing; report the runs that have finished",
      default: false,
    },
  },
  examples: [
    "ferry experiment docs/experiments/notebook-questions.json",
    "ferry experiment --report-only docs/experiments/notebook-questions.json",
  ],
  async run(parsed) {
    const path = parsed.positionals[0];
    if (path === undefined) {
      throw new FerryError("usage", "Cannot run an experiment: no spec file given");
    }
    const reporter = terminalReporter();
    const spec = await readExperimentSpec(path);
    const outcomes = await runExperiment(spec, {
      reporter,
      reportOnly: booleanFlag(parsed.values, "report-only") ?? false,
    });
    await writeExperimentReport(spec, outcomes, `deno task experiment ${path}`);
    reporter.info(`Report: ${spec.reportDir}/report.md (${outcomes.length} runs)`);
    return 0;
  },
};
