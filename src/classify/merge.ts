import { resolve } from "node:path";
import { FerryError } from "../errors.ts";
import type { OutputFormat } from "./format.ts";
import { readOutputRows } from "./resume.ts";
import { walkBatches, type WalkOptions } from "./walk.ts";

/** Options of {@linkcode mergeOutputs}. */
export interface MergeOptions extends WalkOptions {
  /** Format the shard outputs were written in. @default "csv" */
  format?: Exclude<OutputFormat, "table">;
  /**
   * The folders (or files) the shards were made from, walked with the same walk options: every
   * file found there must have a row. @default none (only rows in two shards are checked)
   */
  expect?: string[];
}

/** What {@linkcode mergeOutputs} found. */
export interface MergeResult {
  /** The merged output: one header, then every shard's rows in the order given. */
  text: string;
  /** Rows merged. */
  rows: number;
}

/**
 * Joins the outputs of `ferry classify --shard i/n` into one and checks them: a file with a row
 * in two shards, or (with `expect`) a file found in the folders with no row in any, is a
 * `dataset` {@linkcode FerryError} that counts them and names the first few. Paths are compared
 * resolved, so the shards must be read where they were written (the same mount point).
 *
 * @example
 * ```ts
 * const { text } = await mergeOutputs(["shard-0.csv", "shard-1.csv"], { expect: ["/data/images"] });
 * await Deno.writeTextFile("all.csv", text);
 * ```
 */
export async function mergeOutputs(
  files: string[],
  options: MergeOptions = {},
): Promise<MergeResult> {
  const format = options.format ?? "csv";
  if (files.length === 0) throw new FerryError("usage", "Cannot merge: no shard outputs given");
  const seen = new Set<string>();
  const twice: string[] = [];
  const parts: string[] = [];
  let header = "";
  for (const file of files) {
    const rows = await readOutputRows(file, format, `merge '${file}'`);
    if (!rows) throw new FerryError("not_found", `Cannot merge '${file}': no such file`);
    header ||= rows.text.slice(0, rows.start);
    parts.push(rows.text.slice(rows.start, rows.end));
    for (const path of rows.paths) {
      const key = resolve(path);
      if (seen.has(key)) twice.push(path);
      seen.add(key);
    }
  }
  const missing: string[] = [];
  if (options.expect?.length) {
    for await (const batch of walkBatches(options.expect, options)) {
      for (const entry of batch) if (!seen.has(resolve(entry.path))) missing.push(entry.path);
    }
  }
  if (twice.length || missing.length) {
    const list = (paths: string[]) =>
      paths.slice(0, 3).map((p) => `'${p}'`).join(", ") + (paths.length > 3 ? ", …" : "");
    const problems = [
      ...(missing.length ? [`${missing.length} files have no row (${list(missing)})`] : []),
      ...(twice.length ? [`${twice.length} rows repeat a file (${list(twice)})`] : []),
    ];
    throw new FerryError("dataset", `Cannot merge ${files.length} shards: ${problems.join("; ")}`);
  }
  return { text: header + parts.join(""), rows: seen.size };
}
