import { join } from "node:path";
import { lineChartSvg, writePlot } from "../plot/mod.ts";
import type { RunOutcome } from "./runner.ts";
import { meanCurve, type Spread, spread } from "./_stats.ts";
import { layerSection } from "./_layers.ts";
import { type ExperimentSpec, type Question, variantsOf } from "./spec.ts";

export type { Spread };

/** One variant's numbers over its seeds. */
export interface VariantSummary {
  variant: string;
  seeds: number;
  finalValAccuracy: Spread;
  bestValAccuracy: Spread;
  bestValLoss: Spread;
  epochs: number;
  seconds: number;
  /** Per-epoch means over seeds (epochs that only some seeds reached use those seeds). */
  valAccuracyCurve: number[];
  valLossCurve: number[];
}

/** Summarises one question's outcomes, variant by variant, in the spec's order. */
export function summarizeQuestion(question: Question, outcomes: RunOutcome[]): VariantSummary[] {
  return variantsOf(question).flatMap(({ label }) => {
    const runs = outcomes.filter((o) => o.question === question.id && o.variant === label);
    if (runs.length === 0) return [];
    return [{
      variant: label,
      seeds: runs.length,
      finalValAccuracy: spread(runs.map((r) => r.finalValAccuracy)),
      bestValAccuracy: spread(runs.map((r) => r.bestValAccuracy)),
      bestValLoss: spread(runs.map((r) => r.bestValLoss)),
      epochs: spread(runs.map((r) => r.epochs)).mean,
      seconds: spread(runs.map((r) => r.seconds)).mean,
      valAccuracyCurve: meanCurve(runs.map((r) => r.history.map((h) => h.val_accuracy))),
      valLossCurve: meanCurve(runs.map((r) => r.history.map((h) => h.val_loss))),
    }];
  });
}

const pct = (s: Spread) =>
  `${(100 * s.mean).toFixed(1)}%${s.sd > 0 ? ` ± ${(100 * s.sd).toFixed(1)}` : ""}`;
const num = (s: Spread) => `${s.mean.toFixed(3)}${s.sd > 0 ? ` ± ${s.sd.toFixed(3)}` : ""}`;

/**
 * Whether `other` trails `best` by more than the seeds' noise: at least twice the larger standard
 * deviation across seeds; undefined when either ran one seed, whose noise is not measured.
 */
function measurable(best: VariantSummary, other: VariantSummary): boolean | undefined {
  if (best.seeds < 2 || other.seeds < 2) return undefined;
  const gap = best.bestValAccuracy.mean - other.bestValAccuracy.mean;
  return gap >= 2 * Math.max(best.bestValAccuracy.sd, other.bestValAccuracy.sd);
}

/**
 * The answer, as a sentence drawn from the measured numbers; `compareLoss: false` leaves out the
 * validation loss, which means different things under different loss functions. A gap smaller
 * than twice the spread across seeds is said as no measurable difference.
 */
export function answerSentence(summaries: VariantSummary[], compareLoss = true): string {
  if (summaries.length === 0) return "No run of this question has finished yet.";
  const ranked = [...summaries].sort((a, b) => b.bestValAccuracy.mean - a.bestValAccuracy.mean);
  const [best, ...rest] = ranked as [VariantSummary, ...VariantSummary[]];
  if (rest.length === 0) return `Only ${best.variant} has finished: ${pct(best.bestValAccuracy)}.`;
  const others = rest.map((s) => {
    const gap = (100 * (best.bestValAccuracy.mean - s.bestValAccuracy.mean)).toFixed(1);
    const noise = measurable(best, s) === false
      ? ": no measurable difference, within twice the spread across seeds"
      : "";
    return `${s.variant} ${pct(s.bestValAccuracy)} (${gap} points lower${noise})`;
  });
  const accuracy = `${best.variant} reached the highest validation accuracy, ` +
    `${pct(best.bestValAccuracy)}; ${others.join(", ")}.`;
  if (!compareLoss) return accuracy;
  const lowestLoss = [...summaries].sort((a, b) => a.bestValLoss.mean - b.bestValLoss.mean)[0]!;
  const loss = lowestLoss.variant === best.variant
    ? "It also reached the lowest validation loss"
    : `The lowest validation loss was ${lowestLoss.variant}'s`;
  return `${accuracy} ${loss} (${num(lowestLoss.bestValLoss)}).`;
}

function budgetLine(spec: ExperimentSpec, outcomes: RunOutcome[]): string {
  const b = spec.base;
  // Outcomes that share a run (equal settings) count once.
  const runs = new Map(outcomes.map((o) => [o.run, o.seconds]));
  const minutes = [...runs.values()].reduce((sum, seconds) => sum + seconds, 0) / 60;
  const parts = [
    b.trainSubset ? `${b.trainSubset} training images` : "the full training split",
    b.epochs ? `at most ${b.epochs} epochs` : undefined,
    `seeds ${spec.seeds.join(", ")}`,
    `${runs.size} runs taking ${minutes.toFixed(1)} minutes of training in all`,
  ].filter(Boolean);
  return parts.join(", ");
}

/**
 * Writes `report.md` and one curves plot per question (SVG and PNG) into the spec's report
 * folder, and where the runs recorded layer statistics, a table and a plot of them per variant;
 * returns the Markdown.
 */
export async function writeExperimentReport(
  spec: ExperimentSpec,
  outcomes: RunOutcome[],
  command: string,
): Promise<string> {
  await Deno.mkdir(spec.reportDir, { recursive: true });
  const lines = [
    `# Experiment: ${spec.name}`,
    "",
    `Budget: ${budgetLine(spec, outcomes)}. Reproduce with \`${command}\`.`,
    'Accuracies are on the validation split; "final" is the model kept at the end (EarlyStopping\'s',
    'restored best epoch where it is on), "best" the highest epoch.',
    spec.seeds.length > 1
      ? `Each figure is a mean ± standard deviation over ${spec.seeds.length} seeds; a gap under ` +
        "twice the larger spread is no measurable difference. A budget answers for itself only: " +
        "what pays in a few epochs on a slice of the data need not pay in a full run."
      : "A short budget and one seed answer for that budget only: a point or two is within one " +
        "seed's noise.",
  ];
  for (const question of spec.questions) {
    const summaries = summarizeQuestion(question, outcomes);
    const answer = answerSentence(summaries, question.compareLoss ?? true);
    lines.push("", `## ${question.title}`, "", answer, "");
    lines.push(
      "| variant | seeds | final val acc | best val acc | best val loss | epochs | seconds |",
      "|---|---|---|---|---|---|---|",
      ...summaries.map((s) =>
        `| ${s.variant} | ${s.seeds} | ${pct(s.finalValAccuracy)} | ${pct(s.bestValAccuracy)} | ` +
        `${num(s.bestValLoss)} | ${s.epochs.toFixed(1)} | ${s.seconds.toFixed(0)} |`
      ),
    );
    if (summaries.length === 0) continue;
    const svg = lineChartSvg([
      {
        title: "Validation accuracy",
        yLabel: "Accuracy",
        series: summaries.map((s) => ({ name: s.variant, values: s.valAccuracyCurve })),
      },
      {
        title: "Validation loss",
        yLabel: "Loss",
        series: summaries.map((s) => ({ name: s.variant, values: s.valLossCurve })),
      },
    ]);
    await writePlot(join(spec.reportDir, question.id), svg);
    lines.push("", `![${question.title}](${question.id}.svg)`);
    lines.push(...await layerSection(question, outcomes, spec.reportDir));
  }
  const markdown = lines.join("\n") + "\n";
  await Deno.writeTextFile(join(spec.reportDir, "report.md"), markdown);
  return markdown;
}
