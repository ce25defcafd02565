import { extname } from "node:path";
import { sniffFormat } from "./sniff.ts";

/** Extensions that promise an image: a file with one that is not an image is an error row. */
const IMAGE_EXTENSIONS = new Set([
  ".jpg",
  ".jpeg",
  ".jpe",
  ".jfif",
  ".png",
  ".webp",
  ".gif",
  ".tif",
  ".tiff",
  ".avif",
  ".heic",
  ".heif",
  ".bmp",
  ".svg",
]);

/** Whether the file's name promises an image (its bytes still decide the format). */
export function hasImageName(path: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(path).toLowerCase());
}

/** Bytes enough for `sniffFormat` to recognise every format, SVG's prolog included. */
const SNIFF_BYTES = 1024;

/**
 * Reads a file that may hold an image. Files named like images are read whole (the format is
 * still recognised from the bytes when decoding). Other files are read only far enough to
 * recognise a format, and give undefined when they hold none, so that a README or a video among
 * the photos is skipped without reading it all.
 *
 * Synchronous on purpose: it runs on the threads that decode what it reads, which have nothing
 * else to do meanwhile, and an await per file costs more than reading a small JPEG
 * (docs/benchmarks.md, folder classification).
 */
export function readImageFile(path: string): Uint8Array | undefined {
  if (hasImageName(path)) return Deno.readFileSync(path);
  using file = Deno.openSync(path, { read: true });
  const head = new Uint8Array(SNIFF_BYTES);
  let length = 0;
  while (length < SNIFF_BYTES) {
    const n = file.readSync(head.subarray(length));
    if (n === null) break;
    length += n;
  }
  if (sniffFormat(head.subarray(0, length)) === undefined) return undefined;
  return Deno.readFileSync(path);
}
