/**
 * The per-layer part of a question's report (the notebook's question 3): for each variant whose
 * runs recorded layer statistics, a table of each layer's gradient norm and update ratio from
 * the first epoch to the last, its silent units and unit-norm spread, and their plot.
 *
 * @module
 */

import { join } from "node:path";
import { layerStatsSvg, writePlot } from "../plot/mod.ts";
import { layerColumns } from "../train/mod.ts";
import type { RunOutcome } from "./runner.ts";
import { meanCurve } from "./_stats.ts";
import { type Question, slug, variantsOf } from "./spec.ts";

type Field = Parameters<typeof layerColumns>[1];

/** Each layer's per-epoch values of `field`, the mean over `runs` (seeds). */
function meanLayers(runs: RunOutcome[], field: Field): Record<string, number[]> {
  const perRun = runs.map((r) => layerColumns(r.history, field) ?? {});
  const names = [...new Set(perRun.flatMap((columns) => Object.keys(columns)))];
  return Object.fromEntries(
    names.map((name) => [name, meanCurve(perRun.flatMap((c) => c[name] ? [c[name]] : []))]),
  );
}

/** A measured value in three significant digits, small ones in exponent form; "–" for none. */
function figure(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "–";
  if (value === 0) return "0";
  return Math.abs(value) < 0.01 ? value.toExponential(2) : value.toPrecision(3);
}

const percent = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? "–" : `${(100 * value).toFixed(0)}%`;

/**
 * The Markdown lines of the per-layer part of `question` (empty when no run recorded layers),
 * writing one plot per variant into `reportDir`.
 */
export async function layerSection(
  question: Question,
  outcomes: RunOutcome[],
  reportDir: string,
): Promise<string[]> {
  const lines: string[] = [];
  for (const { label } of variantsOf(question)) {
    const runs = outcomes.filter((o) => o.question === question.id && o.variant === label);
    if (!runs.some((r) => r.history.some((log) => log.layers))) continue;
    const [grad, ratio, silent, spread, units] = (
      ["grad_norm", "update_ratio", "silent_units", "unit_norm_cv", "units"] as const
    ).map((field) => meanLayers(runs, field));
    const last = (curve: number[] | undefined) => curve?.at(-1);
    const epochs = Math.max(...Object.values(grad!).map((c) => c.length));
    lines.push(
      "",
      `### Layers: ${label}`,
      "",
      `| layer | units | gradient norm, epoch 1 → ${epochs} | ‖Δw‖/‖w‖, epoch 1 → ${epochs} | ` +
        `silent units (epoch ${epochs}) | unit-norm spread (epoch ${epochs}) |`,
      "|---|---|---|---|---|---|",
      ...Object.keys(grad!).map((name) =>
        `| ${name} | ${last(units![name]) ?? "–"} | ${figure(grad![name]![0])} → ` +
        `${figure(last(grad![name]))} | ${figure(ratio![name]?.[0])} → ` +
        `${figure(last(ratio![name]))} | ${percent(last(silent![name]))} | ` +
        `${figure(last(spread![name]))} |`
      ),
    );
    const file = `${question.id}--${slug(label)}--layers`;
    await writePlot(join(reportDir, file), layerStatsSvg({ gradNorm: grad!, updateRatio: ratio! }));
    lines.push("", `![Layers: ${label}](${file}.svg)`);
  }
  if (lines.length === 0) return [];
  return [
    "",
    "Per layer (history.json's `layers`, means over each epoch's measured steps and over seeds): " +
    "the gradient's L2 norm and the update-to-weight ratio at the first and last epoch, the share " +
    "of units that got no gradient at any measured step of the last epoch (dead ReLUs, or units " +
    "stuck at zero) and the spread of the units' weight norms (standard deviation over mean; 0: " +
    "alike units).",
    ...lines,
  ];
}
