// The decoded-tensor cache of an image folder: one file per folder and input size, holding a
// JSON header (fingerprint, classes, skipped files) and then the labels and NHWC pixels raw, so a
// hit is one sequential read. Written to a temporary file and renamed into place.
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { writeFileAtomic } from "../files/mod.ts";
import type { ImageDataset } from "./dataset.ts";

const MAGIC = new TextEncoder().encode("FERRYIF1");

export interface SkippedFile {
  /** The file's path, as the folder was given plus the path inside it. */
  path: string;
  /** Why it was skipped, e.g. "Cannot decode: the bytes are not a known image format". */
  reason: string;
}

export interface CachedFolder {
  dataset: ImageDataset;
  /** Skipped files, with paths relative to the folder. */
  skipped: SkippedFile[];
}

interface Header {
  fingerprint: string;
  width: number;
  height: number;
  count: number;
  classNames: string[];
  skipped: SkippedFile[];
}

/** Where the cache of `dir` at this size lives: named by the folder's absolute path. */
export function cacheFileFor(cacheDir: string, dir: string, width: number, height: number): string {
  const key = createHash("sha256").update(resolve(dir)).digest("hex").slice(0, 24);
  return join(cacheDir, "image-folders", `${key}-${width}x${height}.bin`);
}

async function readExactly(file: Deno.FsFile, into: Uint8Array): Promise<boolean> {
  let filled = 0;
  while (filled < into.length) {
    const n = await file.read(into.subarray(filled));
    if (n === null) return false;
    filled += n;
  }
  return true;
}

/** The cached dataset if the file exists, is whole and has this fingerprint; else undefined. */
export async function readDecodeCache(
  path: string,
  fingerprint: string,
): Promise<CachedFolder | undefined> {
  const file = await Deno.open(path).catch(() => undefined);
  if (!file) return undefined;
  try {
    const prefix = new Uint8Array(MAGIC.length + 4);
    if (!(await readExactly(file, prefix))) return undefined;
    if (!MAGIC.every((b, i) => prefix[i] === b)) return undefined;
    const headerLength = new DataView(prefix.buffer).getUint32(MAGIC.length, true);
    const headerBytes = new Uint8Array(headerLength);
    if (!(await readExactly(file, headerBytes))) return undefined;
    const header = JSON.parse(new TextDecoder().decode(headerBytes)) as Header;
    if (header.fingerprint !== fingerprint) return undefined;
    const { count, width, height } = header;
    const body = new Uint8Array(count + count * width * height * 3);
    if (!(await readExactly(file, body))) return undefined;
    const labels = body.subarray(0, count);
    const images = body.subarray(count);
    const dataset = { images, labels, classNames: header.classNames, width, height, count };
    return { dataset, skipped: header.skipped };
  } catch {
    return undefined;
  } finally {
    file.close();
  }
}

/** Writes the cache atomically: a temporary file beside the target, renamed over it when whole. */
export async function writeDecodeCache(
  path: string,
  fingerprint: string,
  folder: CachedFolder,
): Promise<void> {
  const { dataset, skipped } = folder;
  const header: Header = {
    fingerprint,
    width: dataset.width,
    height: dataset.height,
    count: dataset.count,
    classNames: dataset.classNames,
    skipped,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const prefix = new Uint8Array(MAGIC.length + 4);
  prefix.set(MAGIC);
  new DataView(prefix.buffer).setUint32(MAGIC.length, headerBytes.length, true);
  await Deno.mkdir(join(path, ".."), { recursive: true });
  await writeFileAtomic(path, [prefix, headerBytes, dataset.labels, dataset.images]);
}
