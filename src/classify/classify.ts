import { resolve } from "node:path";
import { checkPositiveIntegers, FerryError } from "../errors.ts";
import { type Reporter, silentReporter } from "../progress/mod.ts";
import { OUTPUT_FORMATS, type OutputFormat, rowFormatter } from "./format.ts";
import type { ClassifyModel } from "./open_model.ts";
import { classifyEntries, PIPELINE_DEFAULTS, type PipelineOptions } from "./pipeline.ts";
import { readResumeState } from "./resume.ts";
import type { ClassifiedRow } from "./row.ts";
import { type Shard, shardBatches } from "./shard.ts";
import { createSorter, type Sorter } from "./sort_into.ts";
import { walkBatches, type WalkEntry, type WalkOptions } from "./walk.ts";
import { type FolderLabels, LabelCollector } from "./_folder_labels.ts";
import { openOutput, type RowSink } from "./_output.ts";

export type { FolderLabels, RowSink };

/** Options of {@linkcode classifyPaths}. */
export interface ClassifyOptions extends WalkOptions, Omit<PipelineOptions, "skip"> {
  /** Row format. @default "csv" */
  format?: OutputFormat;
  /** Output file; rows go to `sink` when absent. */
  out?: string;
  /** Where rows go without `out`. Required when `out` is absent. */
  sink?: RowSink;
  /** Append to `out`, skipping the files it already has a row for. @default false */
  resume?: boolean;
  /** Copy (or link) each classified image into `<sortInto>/<label>/`. */
  sortInto?: string;
  /** With `sortInto`: symbolic links instead of copies. @default false */
  link?: boolean;
  /** Record each image's true class from its folder name (`<class>/<image>`). @default false */
  labelsFromFolders?: boolean;
  /** Classify only this shard of the files found (by a hash of its relative path). @default all */
  shard?: Shard;
  /** Progress (a bar over the files found) and warnings. @default silentReporter */
  reporter?: Reporter;
}

/** Defaults of {@linkcode ClassifyOptions}. */
export const CLASSIFY_DEFAULTS = {
  format: "csv",
  resume: false,
  link: false,
  labelsFromFolders: false,
} as const satisfies ClassifyOptions;

/** What a run did. */
export interface ClassifySummary {
  /** Images classified. */
  succeeded: number;
  /** Files with an error row. */
  failed: number;
  /** Files passed over as not images. */
  nonImages: number;
  /** Files passed over because `out` already had their row (`resume`). */
  resumed: number;
  seconds: number;
  /** Images classified per second of the whole run (reading, decoding and inference). */
  imagesPerSecond: number;
  /** Whether the run stopped early through `signal`. */
  aborted: boolean;
  /** With `labelsFromFolders`. */
  folderLabels?: FolderLabels;
}

const encoder = new TextEncoder();

/**
 * Classifies every image under `inputs` (files and folders) and writes one row per file to
 * `out` or `sink` as it goes: the door of `ferry classify`. A bad file gets an error row and
 * never stops the run.
 *
 * @example
 * ```ts
 * import { classifyPaths, openClassifyModel } from "./mod.ts";
 * const model = await openClassifyModel("models/cifar10/model.onnx");
 * const summary = await classifyPaths(model, ["photos/"], { out: "labels.csv" });
 * console.log(`${summary.succeeded} images, ${summary.imagesPerSecond.toFixed(0)}/s`);
 * ```
 */
export async function classifyPaths(
  session: ClassifyModel,
  inputs: string[],
  options: ClassifyOptions,
): Promise<ClassifySummary> {
  const { format, resume, link, labelsFromFolders } = { ...CLASSIFY_DEFAULTS, ...options };
  const reporter = options.reporter ?? silentReporter;
  if (inputs.length === 0) {
    throw new FerryError("usage", "Cannot classify: no files or folders given");
  }
  checkOptions(options);
  if (resume && options.out === undefined) {
    throw new FerryError("usage", "Cannot resume: --resume needs an output file (--out)");
  }
  // Locked first, so that a second run on the same file stops before it reads or changes it.
  const output = await openOutput(options);
  const started = performance.now();
  let done = new Set<string>(), validLength = 0, walked: WalkEntry[][];
  try {
    if (resume && options.out) ({ done, validLength } = await readResumeState(options.out, format));
    // One walk gives both the progress bar's total and the work: a tree is listed once, and its
    // entries (paths, about 22 MiB per 100,000) wait here until their batch starts.
    walked = await Array.fromAsync(shardBatches(walkBatches(inputs, options), options.shard));
    await output.begin(validLength);
  } catch (error) {
    await output.close();
    throw error;
  }
  const total = walked.reduce((sum, batch) => sum + batch.length, 0);
  const formatter = rowFormatter(format, session.info.classNames);
  const summary: ClassifySummary = {
    succeeded: 0,
    failed: 0,
    nonImages: 0,
    resumed: 0,
    seconds: 0,
    imagesPerSecond: 0,
    aborted: false,
  };
  const labels = labelsFromFolders ? new LabelCollector(session.info.classNames) : undefined;
  const task = reporter.task("classify", total);
  try {
    const sorter = options.sortInto ? createSorter(options.sortInto, { link }) : undefined;
    if (validLength === 0) await output.write(encoder.encode(formatter.header()));
    const batches = classifyEntries(session, draining(walked), {
      ...options,
      skip: done.size > 0 ? (path) => done.has(resolve(path)) : undefined,
    });
    for await (const batch of batches) {
      if (sorter) await sortRows(sorter, batch.rows);
      let text = "";
      let scored = 0;
      for (const row of batch.rows) {
        text += formatter.row(row);
        if (row.label === undefined) {
          summary.failed++;
          continue;
        }
        if (row.error === undefined) summary.succeeded++;
        else summary.failed++;
        labels?.add(row, batch.probabilities, scored++);
      }
      await output.write(encoder.encode(text));
      summary.nonImages += batch.nonImages;
      summary.resumed += batch.resumed;
      task.tick(batch.rows.length + batch.nonImages + batch.resumed);
    }
  } finally {
    await output.close();
  }
  summary.seconds = (performance.now() - started) / 1000;
  summary.imagesPerSecond = summary.succeeded / Math.max(summary.seconds, 1e-9);
  summary.aborted = options.signal?.aborted ?? false;
  if (labels) summary.folderLabels = labels.result();
  task.done(formatSummary(summary));
  return summary;
}

/** The summary as one line: counts, seconds and images per second. */
export function formatSummary(summary: ClassifySummary): string {
  const parts = [
    `${summary.succeeded} classified`,
    `${summary.failed} failed`,
    ...(summary.nonImages ? [`${summary.nonImages} non-image files skipped`] : []),
    ...(summary.resumed ? [`${summary.resumed} already in the output`] : []),
  ];
  return `${parts.join(", ")} in ${summary.seconds.toFixed(2)} s ` +
    `(${Math.round(summary.imagesPerSecond)} images/s)${summary.aborted ? ", interrupted" : ""}`;
}

/** The walked batches in order, each let go of once taken, so memory shrinks as work is done. */
function* draining(walked: WalkEntry[][]): Generator<WalkEntry[]> {
  walked.reverse();
  while (walked.length > 0) yield walked.pop()!;
}

/** Sorts a batch's classified files, a few at a time; a failure becomes the row's error. */
async function sortRows(sorter: Sorter, rows: ClassifiedRow[]): Promise<void> {
  const pending = rows.filter((row) => row.error === undefined && row.label !== undefined);
  const parallel = 8;
  for (let i = 0; i < pending.length; i += parallel) {
    await Promise.all(
      pending.slice(i, i + parallel).map(async (row) => {
        try {
          await sorter.place(row.path, row.label!);
        } catch (error) {
          row.error = `Cannot sort into its folder: ${(error as Error).message}`;
        }
      }),
    );
  }
}

function checkOptions(options: ClassifyOptions): void {
  const { format, topK, batchSize } = { ...CLASSIFY_DEFAULTS, ...PIPELINE_DEFAULTS, ...options };
  if (!OUTPUT_FORMATS.includes(format)) {
    throw new FerryError(
      "usage",
      `Cannot classify: 'format' must be one of ${OUTPUT_FORMATS.join(", ")}, got '${format}'`,
    );
  }
  checkPositiveIntegers("classify", { topK, batchSize });
  if (options.link && !options.sortInto) {
    throw new FerryError(
      "usage",
      "Cannot classify: 'link' needs 'sortInto' (--link needs --sort-into)",
    );
  }
  const shard = options.shard;
  if (
    shard && !(Number.isInteger(shard.count) && Number.isInteger(shard.index) &&
      shard.count >= 1 && shard.index >= 0 && shard.index < shard.count)
  ) {
    throw new FerryError(
      "usage",
      `Cannot classify: 'shard' must be index 0 ≤ i < count, got ${shard.index}/${shard.count}`,
    );
  }
}
