import {
  decodeImage,
  normalizeInto,
  readImageFile,
  type RgbImage,
  valuesPerImage,
} from "../image/mod.ts";
import type { ClassifierSession } from "./classifier.ts";

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

/** Options of {@linkcode classifyFilesHere} and `ClassifierSession.classifyFiles`. */
export interface FileBatchOptions {
  /** Give a file holding no image format an error item, not leave it out. @default false */
  reportNonImages?: boolean;
}

/** The model input of one image, or why a file gave none. */
type Loaded = { pixels: RgbImage } | { error: string } | { nonImage: true };

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
  const size = { width: inputSpec.width, height: inputSpec.height };
  const load = async ({ path }: FileJob): Promise<Loaded> => {
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
      return { pixels: await decodeImage(bytes, size) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  const loaded = await Promise.all(
    jobs.map((job) => job.error === undefined ? load(job) : { error: job.error }),
  );
  const perImage = valuesPerImage(inputSpec);
  const images = loaded.filter((l) => "pixels" in l).length;
  const input = scratch && scratch.length >= images * perImage
    ? scratch.subarray(0, images * perImage)
    : new Float32Array(images * perImage);
  const items: FileJob[] = [];
  let nonImages = 0;
  let image = 0;
  loaded.forEach((result, i) => {
    const { path } = jobs[i]!;
    if ("nonImage" in result) nonImages++;
    else if ("error" in result) items.push({ path, error: result.error });
    else {
      normalizeInto(result.pixels, input, image++ * perImage, inputSpec);
      items.push({ path });
    }
  });
  const probabilities = images > 0 ? await session.run(input, images) : new Float32Array(0);
  return { items, nonImages, probabilities };
}
