import { FerryError } from "../errors.ts";
import type { TrainConfig } from "../train/mod.ts";

/** One arm of a question: a label and the config fields it changes. */
export interface Variant {
  label: string;
  config: Partial<TrainConfig>;
}

/** A question the experiment answers: either listed variants or a grid over config fields. */
export interface Question {
  /** Short id, used in run names: letters, digits, `-` and `_`. */
  id: string;
  /** The question as the report states it, e.g. "ReLU or tanh?". */
  title: string;
  /** Explicit variants. */
  variants?: Variant[];
  /** Every combination of these fields' values becomes a variant. */
  grid?: Partial<Record<keyof TrainConfig, unknown[]>>;
  /** Whether validation losses are comparable across variants (not when the loss varies). @default true */
  compareLoss?: boolean;
}

/** An experiment: a base config, questions, a budget and where things go. */
export interface ExperimentSpec {
  name: string;
  /** Config shared by every run (the budget lives here too: epochs, trainSubset). */
  base: Partial<TrainConfig>;
  /** Each variant runs once per seed. @default [42] */
  seeds: number[];
  questions: Question[];
  /** Where the runs go (not committed: they hold weights). @default "runs/experiments/<name>" */
  runsDir: string;
  /** Where the report and plots go. @default "docs/experiments/<name>" */
  reportDir: string;
}

/** One training run the experiment plans. */
export interface PlannedRun {
  question: string;
  variant: string;
  seed: number;
  /** Run folder name inside `runsDir`. */
  run: string;
  /** Fields on top of the defaults: base, then the variant, then seed and names. */
  config: Partial<TrainConfig>;
}

const ID = /^[A-Za-z0-9_-]+$/;

function fail(path: string, what: string): never {
  throw new FerryError("usage", `Cannot use experiment spec '${path}': ${what}`);
}

/** Reads and checks a JSON spec file, filling the defaults. */
export async function readExperimentSpec(path: string): Promise<ExperimentSpec> {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new FerryError(
      "not_found",
      `Cannot read experiment spec '${path}': ${(error as Error).message}`,
    );
  }
  return checkExperimentSpec(raw, path);
}

/** Checks a parsed spec and fills its defaults; `source` names it in messages. */
export function checkExperimentSpec(raw: Record<string, unknown>, source = "spec"): ExperimentSpec {
  const name = raw.name;
  if (typeof name !== "string" || !ID.test(name)) {
    fail(source, `'name' must be an id, got ${JSON.stringify(name)}`);
  }
  const questions = raw.questions;
  if (!Array.isArray(questions) || questions.length === 0) {
    fail(source, "'questions' must be a non-empty list");
  }
  for (const q of questions as Question[]) {
    if (typeof q.id !== "string" || !ID.test(q.id)) {
      fail(source, `question id ${JSON.stringify(q.id)} is not an id`);
    }
    if (!q.variants && !q.grid) {
      fail(source, `question '${q.id}' has neither 'variants' nor 'grid'`);
    }
  }
  const seeds = raw.seeds ?? [42];
  if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every(Number.isInteger)) {
    fail(source, `'seeds' must be a non-empty list of integers, got ${JSON.stringify(seeds)}`);
  }
  return {
    name,
    base: (raw.base ?? {}) as Partial<TrainConfig>,
    seeds: seeds as number[],
    questions: questions as Question[],
    runsDir: typeof raw.runsDir === "string" ? raw.runsDir : `runs/experiments/${name}`,
    reportDir: typeof raw.reportDir === "string" ? raw.reportDir : `docs/experiments/${name}`,
  };
}

/** A question's variants, the grid expanded in the order its fields are written. */
export function variantsOf(question: Question): Variant[] {
  if (question.variants) return question.variants;
  let combos: Variant[] = [{ label: "", config: {} }];
  for (const [key, values] of Object.entries(question.grid ?? {})) {
    combos = combos.flatMap((combo) =>
      (values ?? []).map((value) => ({
        label: combo.label ? `${combo.label}, ${key}=${value}` : `${key}=${value}`,
        config: { ...combo.config, [key]: value },
      }))
    );
  }
  return combos;
}

/** A label as a file-name part: runs of other characters become one `-`. */
export const slug = (label: string): string =>
  label.replace(/[^A-Za-z0-9.]+/g, "-").replace(/^-|-$/g, "");

/** Every run of the experiment, in order: question, variant, seed. */
export function planRuns(spec: ExperimentSpec): PlannedRun[] {
  return spec.questions.flatMap((question) =>
    variantsOf(question).flatMap((variant) =>
      spec.seeds.map((seed) => {
        const run = `${question.id}--${slug(variant.label)}--s${seed}`;
        return {
          question: question.id,
          variant: variant.label,
          seed,
          run,
          config: { ...spec.base, ...variant.config, seed, run, outDir: spec.runsDir },
        };
      })
    )
  );
}
