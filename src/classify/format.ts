import type { ClassifiedRow } from "./row.ts";

/** Output formats of `classify`. */
export type OutputFormat = "csv" | "jsonl" | "table";

/** The output formats, for flag validation and `--help`. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = ["csv", "jsonl", "table"];

/** Turns rows into text, one line per row, for one format. */
export interface RowFormatter {
  /** Text written once at the top of a new output (a header line), or "". */
  header(): string;
  /** One line, with its newline. */
  row(row: ClassifiedRow): string;
}

const DIGITS = 6;

/** RFC 4180 quoting: fields with a comma, quote, CR or LF are quoted, quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const csv: RowFormatter = {
  header: () => "path,label,probability,top_k_labels,top_k_probabilities,error\n",
  row: (r) =>
    [
      r.path,
      r.label ?? "",
      r.probability?.toFixed(DIGITS) ?? "",
      r.topK.map((s) => s.label).join(";"),
      r.topK.map((s) => s.probability.toFixed(DIGITS)).join(";"),
      r.error ?? "",
    ].map(csvField).join(",") + "\n",
};

const jsonl: RowFormatter = {
  header: () => "",
  row: (r) =>
    JSON.stringify({
      path: r.path,
      label: r.label ?? null,
      probability: r.probability ?? null,
      top_k: r.topK.map((s) => ({ label: s.label, probability: s.probability })),
      error: r.error ?? null,
    }) + "\n",
};

/** Aligned columns for people; widths come from the class names, so rows stream. */
function table(classNames: readonly string[]): RowFormatter {
  const width = Math.max(5, ...classNames.map((name) => name.length));
  const line = (label: string, probability: string, path: string, rest: string) =>
    `${label.padEnd(width)}  ${probability.padStart(11)}  ${path}${rest ? `  ${rest}` : ""}\n`;
  return {
    header: () => line("label", "probability", "path", "top-k / error"),
    row: (r) =>
      r.error !== undefined ? line("-", "-", r.path, `error: ${r.error}`) : line(
        r.label ?? "",
        r.probability?.toFixed(DIGITS) ?? "",
        r.path,
        r.topK.map((s) => `${s.label} ${s.probability.toFixed(DIGITS)}`).join(", "),
      ),
  };
}

/** The formatter for `format`; `classNames` sizes the table's label column. */
export function rowFormatter(format: OutputFormat, classNames: readonly string[]): RowFormatter {
  if (format === "csv") return csv;
  if (format === "jsonl") return jsonl;
  return table(classNames);
}
