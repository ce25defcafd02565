/**
 * `ferry experiment <spec.json>`: runs every variant of every question in the spec (skipping
 * finished runs, resuming interrupted ones) and writes the report.
 *
 * @module
 */
import { readExperimentSpec, runExperiment, writeExperimentReport } from "../experiment/mod.ts";
import { FerryError } from "../errors.ts";
import { terminalReporter } from "../progress/mod.ts";
import type { Command } from "./_command.ts";
import { optionFlags, type OptionTable, optionValues } from "./_options.ts";

const DEFAULTS = { reportOnly: false };

const OPTIONS: OptionTable<typeof DEFAULTS> = {
  reportOnly: { description: "Train nothing; report the runs that have finished" },
};

export const command: Command = {
  name: "experiment",
  summary: "Run a grid of training runs and report what they answer",
  usage: "[options] <spec.json>",
  flags: optionFlags(OPTIONS, DEFAULTS),
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
    const { reportOnly } = { ...DEFAULTS, ...optionValues(OPTIONS, DEFAULTS, parsed.values) };
    const outcomes = await runExperiment(spec, { reporter, reportOnly: reportOnly ?? false });
    await writeExperimentReport(spec, outcomes, `deno task experiment ${path}`);
    reporter.info(`Report: ${spec.reportDir}/report.md (${outcomes.length} runs)`);
    return 0;
  },
};
