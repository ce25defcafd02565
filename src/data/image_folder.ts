import { join } from "node:path";
import { checkPositiveIntegers, FerryError } from "../errors.ts";
import { createDecodePool, decodeImage, type RgbImage } from "../image/mod.ts";
import { type Reporter, silentReporter } from "../progress/mod.ts";
import {
  cacheFileFor,
  readDecodeCache,
  type SkippedFile,
  writeDecodeCache,
} from "./_decode_cache.ts";
import { type FolderScan, scanImageFolder } from "./_folder_scan.ts";
import { ferryCacheDir } from "./cache_dir.ts";
import type { ImageDataset } from "./dataset.ts";

export type { SkippedFile } from "./_decode_cache.ts";

/** Reads and decodes one image file to an RGB image of the requested size. */
export type ImageFileDecoder = (
  path: string,
  size: { width: number; height: number },
) => Promise<RgbImage>;

/** Options of {@linkcode loadImageFolder}. */
export interface ImageFolderOptions {
  /** Width every image is resized to. @default 32 */
  width?: number;
  /** Height every image is resized to. @default 32 */
  height?: number;
  /** Keep decoded tensors in a cache file and reuse them while the folder is unchanged. @default true */
  cache?: boolean;
  /** Folder of the cache files. @default ferryCacheDir() */
  cacheDir?: string;
  /** Files read and decoded at once. @default 64 */
  concurrency?: number;
  /**
   * Decode threads: above 1, a decode pool of that many workers reads and decodes the files;
   * 1 decodes on this thread (file reads and sharp still run off it). 1 by default because it
   * measured faster for 32×32 JPEGs on 2 cores: see bench/data.ts, which times both.
   * @default 1
   */
  workers?: number;
  /** Reads and decodes one file, replacing the built-in decoding (and `workers`). */
  decodeFile?: ImageFileDecoder;
  /** Receives the decoding progress and the warning about skipped files. @default silentReporter */
  reporter?: Reporter;
}

/** Defaults of {@linkcode ImageFolderOptions}. */
export const IMAGE_FOLDER_DEFAULTS = Object.freeze({
  width: 32,
  height: 32,
  cache: true,
  concurrency: 64,
  workers: 1,
});

/** What {@linkcode loadImageFolder} found. */
export interface LoadedImageFolder {
  dataset: ImageDataset;
  /** Files that are no readable image, with the reason; they are left out of the dataset. */
  skipped: SkippedFile[];
  /** Whether the images came from the decoded-tensor cache. */
  fromCache: boolean;
}

/**
 * Loads `<dir>/<class>/<image>` (class names = sorted subfolder names; images in nested folders
 * count for their class) into memory, every image decoded by the image layer (any format it reads,
 * EXIF orientation applied, alpha flattened, gray expanded) and resized to `width`×`height`.
 * Unreadable files are skipped and listed in one warning; a folder without classes or a class
 * without images is a `dataset` FerryError. The decoded tensors are cached under the folder's
 * fingerprint (paths, sizes, mtimes, size), so an unchanged folder loads in one read.
 *
 * @example
 * ```ts
 * import { terminalReporter } from "../progress/mod.ts";
 * import { loadImageFolder } from "./mod.ts";
 *
 * const { dataset, skipped } = await loadImageFolder("photos", { reporter: terminalReporter() });
 * ```
 */
export async function loadImageFolder(
  dir: string,
  options: ImageFolderOptions = {},
): Promise<LoadedImageFolder> {
  const o = { ...IMAGE_FOLDER_DEFAULTS, ...options };
  const reporter = o.reporter ?? silentReporter;
  const { width, height, concurrency, workers } = o;
  checkPositiveIntegers("load images", { width, height, concurrency, workers });
  const scan = scanImageFolder(dir, o.width, o.height);
  if (scan.classNames.length > 256) {
    throw new FerryError(
      "dataset",
      `Cannot load images: ${dir} has ${scan.classNames.length} classes, at most 256 fit a label byte`,
    );
  }
  const cacheFile = cacheFileFor(o.cacheDir ?? ferryCacheDir(), dir, o.width, o.height);
  let folder = o.cache ? await readDecodeCache(cacheFile, scan.fingerprint) : undefined;
  const fromCache = folder !== undefined;
  if (folder) {
    reporter.info(`${dir}: ${folder.dataset.count} images from the decode cache ${cacheFile}`);
  }
  if (!folder) {
    const workers = o.workers;
    using pool = !o.decodeFile && workers > 1 ? createDecodePool({ workers }) : undefined;
    const decodeFile = o.decodeFile ??
      (pool ? (path, size) => pool.decodeFile(path, size) : readAndDecode);
    folder = await decodeAll(dir, scan, o.width, o.height, o.concurrency, decodeFile, reporter);
    if (o.cache) {
      await writeDecodeCache(cacheFile, scan.fingerprint, folder).catch((error) =>
        reporter.warn(`Could not write the decode cache ${cacheFile}: ${(error as Error).message}`)
      );
    }
  }
  const skipped = folder.skipped.map((s) => ({ path: join(dir, s.path), reason: s.reason }));
  if (skipped.length > 0) reporter.warn(skippedWarning(dir, skipped, scan.files.length));
  checkClasses(dir, folder.dataset, skipped.length);
  return { dataset: folder.dataset, skipped, fromCache };
}

const readAndDecode: ImageFileDecoder = async (path, size) =>
  await decodeImage(await Deno.readFile(path), size);

async function decodeAll(
  dir: string,
  scan: FolderScan,
  width: number,
  height: number,
  concurrency: number,
  decodeFile: ImageFileDecoder,
  reporter: Reporter,
): Promise<{ dataset: ImageDataset; skipped: SkippedFile[] }> {
  const { files } = scan;
  const pixels = width * height * 3;
  const images = new Uint8Array(files.length * pixels);
  const decoded = new Uint8Array(files.length);
  const skipped: SkippedFile[] = [];
  const task = reporter.task(`Decoding ${dir}`, files.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) {
      const file = files[i]!;
      try {
        const image = await decodeFile(join(dir, file.relative), { width, height });
        images.set(image.data, i * pixels);
        decoded[i] = 1;
      } catch (error) {
        skipped.push({ path: file.relative, reason: (error as Error).message ?? String(error) });
      }
      task.tick();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  task.done(`${files.length - skipped.length} images decoded, ${skipped.length} skipped`);
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const keep = files.length - skipped.length;
  const labels = new Uint8Array(keep);
  let k = 0;
  for (let i = 0; i < files.length; i++) {
    if (!decoded[i]) continue;
    if (k !== i) images.copyWithin(k * pixels, i * pixels, (i + 1) * pixels);
    labels[k++] = files[i]!.label;
  }
  const dataset: ImageDataset = {
    images: keep === files.length ? images : images.slice(0, keep * pixels),
    labels,
    classNames: scan.classNames,
    width,
    height,
    count: keep,
  };
  return { dataset, skipped };
}

function skippedWarning(dir: string, skipped: SkippedFile[], total: number): string {
  const shown = skipped.slice(0, 10).map((s) => `\n  ${s.path}: ${s.reason}`).join("");
  const more = skipped.length > 10 ? `\n  … and ${skipped.length - 10} more` : "";
  return `Skipped ${skipped.length} of ${total} files in ${dir} that are no readable image:${shown}${more}`;
}

function checkClasses(dir: string, dataset: ImageDataset, skippedCount: number): void {
  const counts = new Uint32Array(dataset.classNames.length);
  for (const label of dataset.labels) counts[label]!++;
  const empty = dataset.classNames.filter((_, label) => counts[label] === 0);
  if (empty.length > 0) {
    throw new FerryError(
      "dataset",
      `Cannot load images: class ${
        empty.map((c) => `"${c}"`).join(", ")
      } in ${dir} has no readable image` +
        ` (${skippedCount} files skipped)`,
    );
  }
}
