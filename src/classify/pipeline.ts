import {
  decodeImage,
  type DecodePool,
  normalizeInto,
  type RgbImage,
  valuesPerImage,
} from "../image/mod.ts";
import { type ClassifierSession, topK } from "../runtime/mod.ts";
import { hasImageName, readImageFile } from "./_read.ts";
import type { ClassifiedRow } from "./row.ts";
import type { WalkEntry } from "./walk.ts";

/** Options of {@linkcode classifyEntries}. */
export interface PipelineOptions {
  /**
   * Images per onnxruntime run: on CPU, 64 measured as fast as 256 with a quarter of
   * onnxruntime's memory. @default 64
   */
  batchSize?: number;
  /** Classes listed per image, most probable first. @default 3 */
  topK?: number;
  /**
   * Files read and decoded ahead of inference; bounds memory (each holds a model-sized image
   * once decoded). @default 1024 with a pool, else 2 × batchSize
   */
  readAhead?: number;
  /** Write an error row for a file holding no image format, not skip it. @default false */
  reportNonImages?: boolean;
  /** Files to leave out (already classified by an earlier run); called with the walked path. */
  skip?: (path: string) => boolean;
  /** Stops reading new files; the images already read are still classified and yielded. */
  signal?: AbortSignal;
  /** Worker threads that read and decode files; without a pool, files are decoded here. */
  pool?: DecodePool;
}

/** Defaults of {@linkcode PipelineOptions}. */
export const PIPELINE_DEFAULTS = { batchSize: 64, topK: 3, reportNonImages: false } as const;

/** Rows of one batch, in walk order, and what was passed over while gathering them. */
export interface PipelineBatch {
  rows: ClassifiedRow[];
  /** Every class's probability for each row without an error, in row order. */
  probabilities: Float32Array;
  /** Files skipped as not images (without an image name) since the last batch. */
  nonImages: number;
  /** Files skipped through `skip` since the last batch. */
  resumed: number;
}

interface Loaded {
  entry: WalkEntry;
  image?: RgbImage;
  error?: string;
  /** Holds no image format and is skipped quietly. */
  nonImage?: boolean;
}

/**
 * The streaming classifier over batches of walked entries (`walkBatches`): reads and decodes
 * files ahead (up to `readAhead` in flight) while the previous batch runs through the model, and
 * yields rows batch by batch in walk order. Memory is bounded by `readAhead` and `batchSize`,
 * never by the number of files. A file that cannot be read or decoded becomes a row with an
 * `error`; it never stops the run.
 */
export async function* classifyEntries(
  session: ClassifierSession,
  entries: AsyncIterable<WalkEntry[]>,
  options: PipelineOptions = {},
): AsyncGenerator<PipelineBatch> {
  const { batchSize, topK: k, reportNonImages } = { ...PIPELINE_DEFAULTS, ...options };
  const { pool } = options;
  const readAhead = options.readAhead ?? (pool ? 1024 : 2 * batchSize);
  const { inputSpec, classNames } = session.info;
  const size = { width: inputSpec.width, height: inputSpec.height };
  const decode = (bytes: Uint8Array) => pool ? pool.decode(bytes, size) : decodeImage(bytes, size);
  const perImage = valuesPerImage(inputSpec);

  const load = async (entry: WalkEntry): Promise<Loaded> => {
    if (entry.error !== undefined) return { entry, error: entry.error };
    if (pool && hasImageName(entry.path)) {
      // The worker reads the file itself: the bytes never cross threads.
      try {
        return { entry, image: await pool.decodeFile(entry.path, size) };
      } catch (error) {
        return { entry, error: (error as Error).message };
      }
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = await readImageFile(entry.path);
    } catch (error) {
      return { entry, error: `Cannot read: ${(error as Error).message}` };
    }
    if (bytes === undefined) {
      return reportNonImages
        ? { entry, error: "Cannot decode: the bytes are not a known image format" }
        : { entry, nonImage: true };
    }
    try {
      return { entry, image: await decode(bytes) };
    } catch (error) {
      return { entry, error: (error as Error).message };
    }
  };

  const iterator = entries[Symbol.asyncIterator]();
  const ahead: Promise<Loaded>[] = [];
  let walked: WalkEntry[] = [];
  let walkedAt = 0;
  let walkDone = false;
  let nonImages = 0;
  let resumed = 0;
  const fill = async () => {
    while (ahead.length < readAhead && !options.signal?.aborted) {
      if (walkedAt === walked.length) {
        if (walkDone) return;
        const next = await iterator.next();
        if (next.done) {
          walkDone = true;
          return;
        }
        walked = next.value;
        walkedAt = 0;
        continue;
      }
      const entry = walked[walkedAt++]!;
      if (options.skip?.(entry.path)) resumed++;
      else ahead.push(load(entry));
    }
  };

  // The model runs `parallel` batches at once (one per copy of a pooled model, each on its own
  // thread) while the next is decoded: one input buffer for each, and one being filled.
  const parallel = Math.max(1, session.parallelRuns ?? 1);
  const buffers = Array.from(
    { length: parallel + 1 },
    () => new Float32Array(batchSize * perImage),
  );
  let current = 0;
  /** The batch being gathered: each file's path and error, or that its pixels are in the buffer. */
  let items: { path: string; error?: string }[] = [];
  let images = 0;
  /** Starts the model on the gathered batch; resolves to its rows. */
  const start = (): Promise<PipelineBatch> => {
    const gathered = { items, images, nonImages, resumed };
    const input = buffers[current]!.subarray(0, images * perImage);
    const running = images > 0 ? session.run(input, images) : Promise.resolve(new Float32Array(0));
    current = (current + 1) % buffers.length;
    items = [];
    images = 0;
    nonImages = 0;
    resumed = 0;
    return running.then((probabilities) => toBatch(gathered, probabilities));
  };
  const toBatch = (
    gathered: { items: typeof items; nonImages: number; resumed: number },
    probabilities: Float32Array,
  ): PipelineBatch => {
    const rows: ClassifiedRow[] = [];
    let index = 0;
    const classes = classNames.length;
    for (const { path, error } of gathered.items) {
      if (error !== undefined) {
        rows.push({ path, topK: [], error });
        continue;
      }
      const scores = probabilities.subarray(index * classes, (index + 1) * classes);
      const best = topK(scores, classNames, k);
      index++;
      rows.push({ path, label: best[0]!.label, probability: best[0]!.probability, topK: best });
    }
    return { rows, probabilities, nonImages: gathered.nonImages, resumed: gathered.resumed };
  };

  /** Started runs not yet yielded, oldest first. */
  const running: Promise<PipelineBatch>[] = [];
  try {
    for (;;) {
      await fill();
      const next = ahead.shift();
      if (next === undefined) break;
      const { entry, image, error, nonImage } = await next;
      if (nonImage) {
        nonImages++;
        continue;
      }
      if (image !== undefined) {
        normalizeInto(image, buffers[current]!, images * perImage, inputSpec);
        images++;
        items.push({ path: entry.path });
      } else {
        items.push({ path: entry.path, error: error ?? "Cannot decode" });
      }
      if (items.length >= batchSize) {
        running.push(start());
        if (running.length > parallel) yield await running.shift()!;
      }
    }
    if (items.length > 0 || nonImages > 0 || resumed > 0) running.push(start());
    while (running.length > 0) yield await running.shift()!;
  } finally {
    // Runs started but not yielded (a consumer that stops early, or a run that failed) are
    // awaited here; their own failures are not the one reported.
    await Promise.all(running.map((run) => run.catch(() => {})));
    await iterator.return?.();
  }
}
