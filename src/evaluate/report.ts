import { join } from "node:path";
import { FerryError } from "../errors.ts";
import { formatConfusionMatrix } from "../metrics/mod.ts";
import { confusionMatrixSvg, reliabilityDiagramSvg, writePlot } from "../plot/mod.ts";
import { type Comparison, formatComparison } from "./compare.ts";
import type { Evaluation } from "./evaluation.ts";

/** What was evaluated on what, for the report's header and `report.json`. */
export interface EvaluationContext {
  model: { name: string; path: string; format: "onnx" | "tfjs"; provider?: string };
  data: { name: string; path?: string };
  /** The comparison with the training run's recorded report, when one was found. */
  comparison?: Comparison;
  /** Why there is no comparison, e.g. "No recorded report for these 10000 images was found". */
  comparisonNote?: string;
}

/** Files written by {@linkcode writeEvaluation}. */
export interface EvaluationFiles {
  json: string;
  markdown: string;
  svg: string;
  png: string;
  /** The reliability diagram. */
  reliability: { svg: string; png: string };
}

/**
 * The evaluation as the terminal shows it: loss and accuracy, the classification report, the
 * confusion matrix, the most confused pairs, and the comparison's verdict.
 *
 * @example
 * ```ts
 * import { type Evaluation, type EvaluationContext, formatEvaluation } from "./mod.ts";
 * declare const evaluation: Evaluation;
 * declare const context: EvaluationContext;
 * console.log(formatEvaluation(evaluation, context));
 * ```
 */
export function formatEvaluation(evaluation: Evaluation, context?: EvaluationContext): string {
  const lines = [
    `images: ${evaluation.images}  loss: ${evaluation.loss.toFixed(4)}  ` +
    `accuracy: ${evaluation.accuracy.toFixed(4)}`,
    eceLine(evaluation),
    "",
    evaluation.reportText,
    "Confusion matrix (rows: true class, columns: predicted class)",
    "",
    formatConfusionMatrix(evaluation.confusionMatrix, evaluation.classNames),
  ];
  if (evaluation.mostConfused.length > 0) {
    lines.push("Most confused pairs (true → predicted)", "", ...confusedLines(evaluation), "");
  }
  const verdict = comparisonText(context);
  if (verdict) lines.push(verdict);
  return lines.join("\n");
}

function eceLine(evaluation: Evaluation): string {
  const { ece, bins } = evaluation.calibration;
  return `expected calibration error (${bins.length} bins): ${ece.toFixed(4)}`;
}

function confusedLines(evaluation: Evaluation): string[] {
  const width = Math.max(
    ...evaluation.mostConfused.map((p) => `${p.trueClass} → ${p.predictedClass}`.length),
  );
  return evaluation.mostConfused.map((p) =>
    `  ${`${p.trueClass} → ${p.predictedClass}`.padEnd(width)}  ${String(p.count).padStart(6)}` +
    `  (${(p.rate * 100).toFixed(1)}% of ${p.trueClass})`
  );
}

function comparisonText(context?: EvaluationContext): string | undefined {
  if (context?.comparison) return formatComparison(context.comparison);
  return context?.comparisonNote;
}

/**
 * The evaluation as a Markdown document, with the heatmap linked as `confusion.png`.
 *
 * @example
 * ```ts
 * import { type Evaluation, type EvaluationContext, evaluationMarkdown } from "./mod.ts";
 * declare const evaluation: Evaluation;
 * declare const context: EvaluationContext;
 * await Deno.writeTextFile("eval/report.md", evaluationMarkdown(evaluation, context));
 * ```
 */
export function evaluationMarkdown(evaluation: Evaluation, context: EvaluationContext): string {
  const { classNames, confusionMatrix: matrix } = evaluation;
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  const table = [
    `| true \\ predicted | ${classNames.map(cell).join(" | ")} |`,
    `|---|${classNames.map(() => "---:").join("|")}|`,
    ...matrix.map((row, t) => `| **${cell(classNames[t]!)}** | ${row.join(" | ")} |`),
  ];
  const pairs = evaluation.mostConfused.map((p) =>
    `| ${cell(p.trueClass)} | ${cell(p.predictedClass)} | ${p.count} | ${
      (p.rate * 100).toFixed(1)
    }% |`
  );
  const out = [
    `# Evaluation of ${context.model.name}`,
    "",
    `- Model: \`${context.model.path}\` (${context.model.format}` +
    `${context.model.provider ? `, provider ${context.model.provider}` : ""})`,
    `- Data: ${context.data.name}${context.data.path ? ` (\`${context.data.path}\`)` : ""}, ` +
    `${evaluation.images} images`,
    `- Loss: ${evaluation.loss.toFixed(4)}`,
    `- Accuracy: ${evaluation.accuracy.toFixed(4)}`,
    `- ${eceLine(evaluation).replace(/^e/, "E")}`,
    "",
    "## Classification report",
    "",
    "```",
    evaluation.reportText.trimEnd(),
    "```",
    "",
    "## Confusion matrix",
    "",
    "Rows are the true class, columns the predicted class.",
    "",
    ...table,
    "",
    "![Confusion matrix](confusion.png)",
    "",
  ];
  if (pairs.length > 0) {
    out.push(
      "## Most confused pairs",
      "",
      "| true | predicted | images | share of true class |",
      "|---|---|---:|---:|",
      ...pairs,
      "",
    );
  }
  out.push(
    "## Calibration",
    "",
    "Bars: accuracy of the images in each confidence bin; the diagonal is a perfectly calibrated model.",
    "",
    "![Reliability diagram](reliability.png)",
    "",
  );
  const verdict = comparisonText(context);
  if (verdict) out.push("## Comparison with the training run", "", verdict, "");
  return out.join("\n");
}

/**
 * Writes `report.json`, `report.md`, `confusion.svg`/`.png` and `reliability.svg`/`.png` into
 * `dir` (created if needed) and returns their paths.
 *
 * @example
 * ```ts
 * import { type Evaluation, type EvaluationContext, writeEvaluation } from "./mod.ts";
 * declare const evaluation: Evaluation;
 * declare const context: EvaluationContext;
 * const files = await writeEvaluation("eval", evaluation, context);
 * ```
 */
export async function writeEvaluation(
  dir: string,
  evaluation: Evaluation,
  context: EvaluationContext,
): Promise<EvaluationFiles> {
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (error) {
    throw new FerryError(
      "usage",
      `Cannot write the evaluation into '${dir}': ${(error as Error).message}`,
    );
  }
  const json = join(dir, "report.json");
  const markdown = join(dir, "report.md");
  const record = { model: context.model, data: context.data, ...evaluation };
  if (context.comparison) Object.assign(record, { comparison: context.comparison });
  await Deno.writeTextFile(json, JSON.stringify(record, null, 2) + "\n");
  await Deno.writeTextFile(markdown, evaluationMarkdown(evaluation, context));
  const plot = await writePlot(
    join(dir, "confusion"),
    confusionMatrixSvg(evaluation.confusionMatrix, evaluation.classNames, {
      title: `Confusion matrix: ${context.model.name} on ${context.data.name}`,
    }),
  );
  const reliability = await writePlot(
    join(dir, "reliability"),
    reliabilityDiagramSvg(evaluation.calibration.bins, evaluation.calibration.ece, {
      title: `Reliability: ${context.model.name} on ${context.data.name}`,
    }),
  );
  return { json, markdown, ...plot, reliability };
}
