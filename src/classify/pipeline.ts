import type { PreprocessOptions } from "../image/mod.ts";
import { topK } from "../runtime/mod.ts";
import { classifyFilesHere, type FileBatch, type FileJob } from "./file_batch.ts";
import type { ClassifyModel } from "./open_model.ts";
import type { ClassifiedRow } from "./row.ts";
import type { WalkEntry } from "./walk.ts";

/** Options of {@linkcode classifyEntries}. */
export interface PipelineOptions {
  /**
   * Files per batch (one onnxruntime run for the images among them): on CPU, 64 measured as
   * fast as 256 with a quarter of onnxruntime's memory. @default 64
   */
  batchSize?: number;
  /** Classes listed per image, most probable first. @default 3 */
  topK?: number;
  /** Write an error row for a file holding no image format, not skip it. @default false */
  reportNonImages?: boolean;
  /** Decode limits and choices (`maxPixels`, `allowVector`, `background`): image's defaults. */
  decode?: PreprocessOptions;
  /** Files to leave out (already classified by an earlier run); called with the walked path. */
  skip?: (path: string) => boolean;
  /** Stops taking new files; the batches already started are still classified and yielded. */
  signal?: AbortSignal;
}

/** Defaults of {@linkcode PipelineOptions}. */
export const PIPELINE_DEFAULTS = { batchSize: 64, topK: 3, reportNonImages: false } as const;

/** Rows of one batch, in walk order, and what was passed over while gathering them. */
export interface PipelineBatch {
  rows: ClassifiedRow[];
  /** Every class's probability for each row without an error, in row order. */
  probabilities: Float32Array;
  /** Files skipped as not images (without an image name) in this batch. */
  nonImages: number;
  /** Files skipped through `skip` since the last batch. */
  resumed: number;
}

/**
 * The streaming classifier over batches of walked entries (`walkBatches`): gathers files into
 * batches and keeps two batches per copy of the model in flight, plus one, so that no copy waits
 * for this thread between batches, nor for a slower copy's batch to be yielded first (rows leave
 * in walk order; with one batch per copy, the copies took turns idling). A session with
 * `classifyFiles` (a model on worker threads) reads and decodes each batch where its model runs;
 * with any other session, this thread reads and decodes. Yields rows batch by batch in walk order. Memory is bounded by the
 * batches in flight, never by the number of files. A file that cannot be read or decoded becomes
 * a row with an `error`; it never stops the run.
 */
export async function* classifyEntries(
  session: ClassifyModel,
  entries: AsyncIterable<WalkEntry[]> | Iterable<WalkEntry[]>,
  options: PipelineOptions = {},
): AsyncGenerator<PipelineBatch> {
  const { batchSize, topK: k, reportNonImages } = { ...PIPELINE_DEFAULTS, ...options };
  const { classNames } = session.info;
  const fileOptions = { reportNonImages, decode: options.decode };
  const classify = (jobs: FileJob[]): Promise<FileBatch> =>
    jobs.length === 0
      ? Promise.resolve({ items: [], nonImages: 0, probabilities: new Float32Array(0) })
      : session.classifyFiles
      ? session.classifyFiles(jobs, fileOptions)
      : classifyFilesHere(session, jobs, fileOptions);
  const toBatch = ({ items, nonImages, probabilities }: FileBatch, resumed: number) => {
    const rows: ClassifiedRow[] = [];
    let index = 0;
    const classes = classNames.length;
    for (const { path, error } of items) {
      if (error !== undefined) {
        rows.push({ path, topK: [], error });
        continue;
      }
      const scores = probabilities.subarray(index * classes, (index + 1) * classes);
      const best = topK(scores, classNames, k);
      index++;
      rows.push({ path, label: best[0]!.label, probability: best[0]!.probability, topK: best });
    }
    return { rows, probabilities, nonImages, resumed };
  };

  const inFlight = (session.parallelRuns ?? 1) * 2 + 1;
  /** Started batches not yet yielded, oldest first. */
  const running: Promise<PipelineBatch>[] = [];
  let jobs: FileJob[] = [];
  let resumed = 0;
  const start = () => {
    const gathered = { jobs, resumed };
    jobs = [];
    resumed = 0;
    const batch = classify(gathered.jobs).then((batch) => toBatch(batch, gathered.resumed));
    // A batch may fail while this generator awaits the walk or an older batch; marking it
    // handled now keeps that from being an unhandled rejection. Awaiting it still throws.
    batch.catch(() => {});
    running.push(batch);
  };
  try {
    walk: for await (const walked of entries) {
      for (const { path, error } of walked) {
        if (options.signal?.aborted) break walk;
        if (options.skip?.(path)) {
          resumed++;
          continue;
        }
        jobs.push(error === undefined ? { path } : { path, error });
        if (jobs.length < batchSize) continue;
        start();
        if (running.length >= inFlight) yield await running.shift()!;
      }
    }
    if (jobs.length > 0 || resumed > 0) start();
    while (running.length > 0) yield await running.shift()!;
  } finally {
    // Batches started but not yielded (a consumer that stops early, or a batch that failed) are
    // awaited here; their own failures are not the one reported.
    await Promise.allSettled(running);
  }
}
