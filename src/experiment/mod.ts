/**
 * Experiments: a spec of questions (variants or grids of training configs), a runner that
 * skips finished runs and resumes interrupted ones, and a report whose answers are drawn from
 * the measured numbers.
 *
 * @module
 */
export {
  checkExperimentSpec,
  type ExperimentSpec,
  type PlannedRun,
  planRuns,
  type Question,
  readExperimentSpec,
  type Variant,
  variantsOf,
} from "./spec.ts";
export { runExperiment, type RunExperimentOptions, type RunOutcome } from "./runner.ts";
export {
  answerSentence,
  type Spread,
  summarizeQuestion,
  type VariantSummary,
  writeExperimentReport,
} from "./report.ts";
