import {
  preprocessInto,
  type PreprocessOptions,
  readImageFile,
  valuesPerImage,
} from "../image/mod.ts";
import type { ClassifierSession } from "../runtime/mod.ts";

/** A file to classify; with `error`, one already known to be unreadable (kept as its row). */
export interface FileJob {
  path: string;
  error?: string;
}

/** What became of a batch of files. */
export interface FileBatch {
  /** Each file, in order, but for those left out as holding no image format. */
  items: FileJob[];
  /** Files left out as holding no image format (without an image name). */
  nonImages: number;
  /** Every class's probability for each item without an error, in item order. */
  probabilities: Float32Array;
}

/** Options of {@linkcode classifyFilesHere} and `ClassifyModel.classifyFiles`. */
export interface FileBatchOptions {
  /** Give a file holding no image format an error item, not leave it out. @default false */
  reportNonImages?: boolean;
  /** Decode limits and choices (`maxPixels`, `allowVector`, `background`): image's defaults. */
  decode?: PreprocessOptions;
}

/** Why a file gave no model input; undefined when it gave one. */
type Outcome = { error: string } | { nonImage: true } | undefined;

/**
 * Reads, decodes and classifies a batch of files on the calling thread: one model run for all
 * the images among them. A file that cannot be read or decoded becomes an item with an `error`;
 * it never fails the batch. `scratch`, when large enough, holds the model input (a caller
 * running one batch at a time reuses it rather than allocating one per batch).
 */
export async function classifyFilesHere(
  session: ClassifierSession,
  jobs: FileJob[],
  options: FileBatchOptions = {},
  scratch?: Float32Array,
): Promise<FileBatch> {
  const { inputSpec } = session.info;
  const perImage = valuesPerImage(inputSpec);
  // Each file's input goes to its own slot first; slots of files that gave none are closed up
  // below, which costs nothing in the usual batch where every file is an image.
  const input = scratch && scratch.length >= jobs.length * perImage
    ? scratch
    : new Float32Array(jobs.length * perImage);
  const load = async ({ path }: FileJob, slot: number): Promise<Outcome> => {
    let bytes: Uint8Array | undefined;
    try {
      bytes = readImageFile(path);
    } catch (error) {
      return { error: `Cannot read: ${(error as Error).message}` };
    }
    if (bytes === undefined) {
      return options.reportNonImages
        ? { error: "Cannot decode: the bytes are not a known image format" }
        : { nonImage: true };
    }
    try {
      await preprocessInto(bytes, inputSpec, input, slot * perImage, options.decode);
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  const outcomes = await Promise.all(
    jobs.map((job, slot) => job.error === undefined ? load(job, slot) : { error: job.error }),
  );
  const items: FileJob[] = [];
  let nonImages = 0;
  let images = 0;
  outcomes.forEach((outcome, slot) => {
    const { path } = jobs[slot]!;
    if (outcome === undefined) {
      if (images !== slot) {
        input.copyWithin(images * perImage, slot * perImage, (slot + 1) * perImage);
      }
      images++;
      items.push({ path });
    } else if ("nonImage" in outcome) nonImages++;
    else items.push({ path, error: outcome.error });
  });
  const probabilities = images > 0
    ? await session.run(input.subarray(0, images * perImage), images)
    : new Float32Array(0);
  return { items, nonImages, probabilities };
}
