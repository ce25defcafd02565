import type * as tf from "@tensorflow/tfjs";

/** One row of a model summary. */
export interface SummaryRow {
  /** Layer name. */
  name: string;
  /** Layer class, e.g. "Conv2D". */
  type: string;
  /** Output shape with `null` for the batch dimension, e.g. `[null, 32, 32, 32]`. */
  outputShape: (number | null)[] | (number | null)[][];
  params: number;
  /** Names of inbound layers (functional models only; empty for a sequential chain). */
  connectedTo: string[];
}

/** A model's layers and parameter counts, as Keras' `summary()` lists them. */
export interface ModelSummary {
  name: string;
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
}

/** Collects the summary of a built model. */
export function modelSummary(model: tf.LayersModel): ModelSummary {
  const sequential = model.getClassName() === "Sequential";
  const rows = model.layers
    .filter((layer) => !(sequential && layer.getClassName() === "InputLayer"))
    .map((layer): SummaryRow => ({
      name: layer.name,
      type: layer.getClassName(),
      outputShape: layer.outputShape as SummaryRow["outputShape"],
      params: layer.countParams(),
      connectedTo: sequential ? [] : inboundNames(layer),
    }));
  const count = (weights: tf.LayerVariable[]) =>
    weights.reduce((sum, w) => sum + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
  const trainableParams = count(model.trainableWeights);
  const nonTrainableParams = count(model.nonTrainableWeights);
  return {
    name: model.name,
    rows,
    totalParams: trainableParams + nonTrainableParams,
    trainableParams,
    nonTrainableParams,
  };
}

function inboundNames(layer: tf.layers.Layer): string[] {
  return layer.inboundNodes.flatMap((node) => node.inboundLayers.map((l) => l.name));
}

function formatShape(shape: SummaryRow["outputShape"]): string {
  const one = (s: (number | null)[]) => `(${s.map((d) => d === null ? "None" : d).join(", ")})`;
  return Array.isArray(shape[0]) ? (shape as (number | null)[][]).map(one).join(", ") : one(
    shape as (number | null)[],
  );
}

function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)} ${units[unit]}`;
}

const count = (n: number) => n.toLocaleString("en-US");

/**
 * Formats a summary as Keras 3 prints it: a box-drawn table of layer (type), output shape and
 * parameter count (plus "Connected to" for functional models), then the totals with their
 * float32 size.
 */
export function formatSummary(summary: ModelSummary): string {
  const functional = summary.rows.some((row) => row.connectedTo.length > 0);
  const header = [
    "Layer (type)",
    "Output Shape",
    "Param #",
    ...(functional ? ["Connected to"] : []),
  ];
  const cells = summary.rows.map((row) => [
    `${row.name} (${row.type})`,
    formatShape(row.outputShape),
    count(row.params),
    ...(functional ? [row.connectedTo.join(", ") || "-"] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)) + 2);
  const rightAligned = (i: number) => i === 2;
  const line = (values: string[], edge: [string, string, string]) =>
    edge[0] +
    values.map((v, i) =>
      " " + (rightAligned(i) ? v.padStart(widths[i]! - 2) : v.padEnd(widths[i]! - 2)) + " "
    ).join(edge[1]) + edge[2];
  const rule = (l: string, m: string, r: string, fill: string) =>
    l + widths.map((w) => fill.repeat(w)).join(m) + r;
  const lines = [
    `Model: "${summary.name}"`,
    rule("┏", "┳", "┓", "━"),
    line(header, ["┃", "┃", "┃"]),
    rule("┡", "╇", "┩", "━"),
  ];
  cells.forEach((c, i) => {
    if (i > 0) lines.push(rule("├", "┼", "┤", "─"));
    lines.push(line(c, ["│", "│", "│"]));
  });
  lines.push(rule("└", "┴", "┘", "─"));
  const total = (label: string, n: number) => ` ${label}: ${count(n)} (${formatBytes(n * 4)})`;
  lines.push(
    total("Total params", summary.totalParams),
    total("Trainable params", summary.trainableParams),
    total("Non-trainable params", summary.nonTrainableParams),
  );
  return lines.join("\n");
}
