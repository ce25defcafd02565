import { basename, join } from "node:path";
import { FerryError } from "../errors.ts";
import { type Reporter, silentReporter } from "../progress/mod.ts";
import { downloadFile } from "./_download.ts";
import { readTarFiles } from "./_tar.ts";
import { ferryCacheDir } from "./cache_dir.ts";
import type { ImageDataset } from "./dataset.ts";

/** The official CIFAR-10 binary archive. */
export const CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
/** MD5 of {@linkcode CIFAR10_URL}'s file, as published on the dataset's page. */
export const CIFAR10_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
/** CIFAR-10's class names in label order, as its `batches.meta.txt` lists them. */
export const CIFAR10_CLASSES: readonly string[] = Object.freeze([
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
]);
/** Environment variable naming a mirror URL, a local archive or an extracted folder. */
export const CIFAR10_SOURCE_ENV = "FERRY_CIFAR10_URL";

const ARCHIVE_NAME = "cifar-10-binary.tar.gz";
const TRAIN_FILES = [1, 2, 3, 4, 5].map((n) => `data_batch_${n}.bin`);
const TEST_FILE = "test_batch.bin";
const META_FILE = "batches.meta.txt";
const WANTED = [...TRAIN_FILES, TEST_FILE, META_FILE];
const SIDE = 32;
const PIXELS = SIDE * SIDE;
const RECORD = 1 + 3 * PIXELS;

/** Options of {@linkcode loadCifar10}. */
export interface Cifar10Options {
  /**
   * Where CIFAR-10 comes from: an http(s) URL (downloaded once into the cache), a local
   * `cifar-10-binary.tar.gz`, or an extracted `cifar-10-batches-bin` folder (or its parent).
   * @default $FERRY_CIFAR10_URL, else CIFAR10_URL
   */
  source?: string;
  /** Folder for the downloaded archive. @default ferryCacheDir() */
  cacheDir?: string;
  /** Expected MD5 of a downloaded archive; `false` skips the check. @default CIFAR10_MD5 */
  md5?: string | false;
  /** Receives the download and reading progress. @default silentReporter */
  reporter?: Reporter;
}

/** CIFAR-10's two splits: 50,000 training and 10,000 test images of 32×32. */
export interface Cifar10 {
  train: ImageDataset;
  test: ImageDataset;
}

const offlineHint = (cacheDir: string): string =>
  `To use a copy you already have, set ${CIFAR10_SOURCE_ENV} (or the source option) to the ` +
  `path of ${ARCHIVE_NAME} or of an extracted cifar-10-batches-bin folder, or to a mirror URL; ` +
  `or place the archive at ${join(cacheDir, ARCHIVE_NAME)}`;

/**
 * Loads CIFAR-10 from its binary release: downloads and verifies the archive on first use
 * (progress through the reporter), then parses the batches into NHWC uint8 datasets with the
 * class names of `batches.meta.txt`.
 *
 * @example
 * ```ts
 * import { terminalReporter } from "../progress/mod.ts";
 * import { loadCifar10 } from "./mod.ts";
 *
 * const { train, test } = await loadCifar10({ reporter: terminalReporter() });
 * ```
 */
export async function loadCifar10(options: Cifar10Options = {}): Promise<Cifar10> {
  const reporter = options.reporter ?? silentReporter;
  const cacheDir = options.cacheDir ?? ferryCacheDir();
  const source = options.source ?? Deno.env.get(CIFAR10_SOURCE_ENV) ?? CIFAR10_URL;
  if (/^https?:\/\//i.test(source)) {
    const archive = join(cacheDir, ARCHIVE_NAME);
    if (!(await isFile(archive))) {
      const md5 = options.md5 === false ? undefined : options.md5 ?? CIFAR10_MD5;
      await downloadFile(source, archive, {
        md5,
        reporter,
        label: "CIFAR-10",
        offlineHint: offlineHint(cacheDir),
      });
    }
    return parseCifar10Files(await readArchive(archive, reporter), archive);
  }
  const info = await Deno.stat(source).catch(() => undefined);
  if (!info) {
    throw new FerryError("not_found", `Cannot load CIFAR-10: ${source} does not exist`);
  }
  const files = info.isDirectory ? await readFolder(source) : await readArchive(source, reporter);
  return parseCifar10Files(files, source);
}

async function isFile(path: string): Promise<boolean> {
  return (await Deno.stat(path).catch(() => undefined))?.isFile === true;
}

async function readArchive(path: string, reporter: Reporter): Promise<Map<string, Uint8Array>> {
  const task = reporter.task("Reading CIFAR-10", WANTED.length);
  const file = await Deno.open(path);
  try {
    const tar = file.readable.pipeThrough(new DecompressionStream("gzip"));
    const found = await readTarFiles(
      tar,
      (entry) => WANTED.includes(basename(entry)) && (task.tick(), true),
      (found) => found.size === WANTED.length,
    );
    task.done();
    return new Map([...found].map(([entry, bytes]) => [basename(entry), bytes]));
  } catch (error) {
    task.done("failed");
    throw new FerryError(
      "dataset",
      `Cannot read the CIFAR-10 archive ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

async function readFolder(dir: string): Promise<Map<string, Uint8Array>> {
  const nested = join(dir, "cifar-10-batches-bin");
  const root = (await isFile(join(nested, META_FILE))) ? nested : dir;
  const files = new Map<string, Uint8Array>();
  for (const name of WANTED) {
    const bytes = await Deno.readFile(join(root, name)).catch(() => undefined);
    if (bytes) files.set(name, bytes);
  }
  return files;
}

/** Builds both splits from the archive's files (by base name); `from` names the source in errors. */
function parseCifar10Files(files: Map<string, Uint8Array>, from: string): Cifar10 {
  const missing = WANTED.filter((name) => !files.has(name));
  if (missing.length > 0) {
    throw new FerryError(
      "dataset",
      `Cannot load CIFAR-10 from ${from}: ${
        missing.join(", ")
      } missing (is it the binary version?)`,
    );
  }
  const classNames = new TextDecoder().decode(files.get(META_FILE)).split(/\r?\n/)
    .map((line) => line.trim()).filter((line) => line !== "");
  const parse = (names: string[]) =>
    parseCifar10Batches(names.map((name) => files.get(name)!), classNames, from);
  return { train: parse(TRAIN_FILES), test: parse([TEST_FILE]) };
}

/**
 * Parses CIFAR-10 binary batches (records of 1 label byte + 3,072 pixel bytes, the red, green and
 * blue planes of a 32×32 image) into one NHWC uint8 dataset.
 */
export function parseCifar10Batches(
  batches: Uint8Array[],
  classNames: string[],
  from = "CIFAR-10",
): ImageDataset {
  let count = 0;
  for (const batch of batches) {
    if (batch.length % RECORD !== 0) {
      throw new FerryError(
        "dataset",
        `Cannot parse ${from}: a batch of ${batch.length} bytes is not whole ${RECORD}-byte records`,
      );
    }
    count += batch.length / RECORD;
  }
  const images = new Uint8Array(count * 3 * PIXELS);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const batch of batches) {
    for (let at = 0; at < batch.length; at += RECORD, n++) {
      const label = batch[at]!;
      if (label >= classNames.length) {
        throw new FerryError(
          "dataset",
          `Cannot parse ${from}: record ${n} has label ${label}, but there are ${classNames.length} classes`,
        );
      }
      labels[n] = label;
      const out = n * 3 * PIXELS;
      for (let p = 0; p < PIXELS; p++) {
        images[out + 3 * p] = batch[at + 1 + p]!;
        images[out + 3 * p + 1] = batch[at + 1 + PIXELS + p]!;
        images[out + 3 * p + 2] = batch[at + 1 + 2 * PIXELS + p]!;
      }
    }
  }
  return { images, labels, classNames: [...classNames], width: SIDE, height: SIDE, count };
}
