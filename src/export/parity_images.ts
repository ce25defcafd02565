/**
 * The images an export's parity check runs: real ones from an image folder (`<dir>/<class>/*`),
 * taken round-robin over the classes in sorted order, or seeded random pixels. Either way they
 * go through the image layer's one normalisation, as served images do.
 *
 * @module
 */
import { join } from "node:path";
import { createRng } from "../data/mod.ts";
import { FerryError } from "../errors.ts";
import { type InputSpec, normalizeInto, preprocessInto, valuesPerImage } from "../image/mod.ts";

/** Options of {@linkcode parityImages}. */
export interface ParityImageOptions {
  /** Number of images. @default 256 */
  count?: number;
  /** An image folder with a subfolder per class; random pixels when absent. */
  data?: string;
  /** Seed of the random pixels. @default 1 */
  seed?: number;
  /** Images to pass over first, in the same order, so that two sets share none. @default 0 */
  offset?: number;
}

/** Defaults of {@linkcode ParityImageOptions}. */
export const PARITY_IMAGE_DEFAULTS = { count: 256, seed: 1 } as const;

/** Model input for the parity check (always NHWC, as the exported graph takes it). */
export interface ParityImages {
  x: Float32Array;
  count: number;
  /** Height, width and channels of one image. */
  shape: [number, number, 3];
  /** Where they came from: the image folder, or "random pixels (seed 1)". */
  source: string;
}

const IMAGE_FILE = /\.(jpe?g|png|webp|gif|bmp|tiff?|avif)$/i;

/** Makes `count` parity images for a model taking `spec`-formatted input. */
export async function parityImages(
  spec: InputSpec,
  options: ParityImageOptions = {},
): Promise<ParityImages> {
  const { count, seed } = { ...PARITY_IMAGE_DEFAULTS, ...options };
  const nhwc: InputSpec = { ...spec, layout: "nhwc" };
  const size = valuesPerImage(spec);
  const x = new Float32Array(count * size);
  const shape: [number, number, 3] = [spec.height, spec.width, 3];
  if (options.data === undefined) {
    const rng = createRng(seed);
    const data = new Uint8Array(spec.width * spec.height * 3);
    for (let i = 0; i < count; i++) {
      for (let p = 0; p < data.length; p++) data[p] = rng.int(256);
      normalizeInto({ data, width: spec.width, height: spec.height }, x, i * size, nhwc);
    }
    return { x, count, shape, source: `random pixels (seed ${seed})` };
  }
  const offset = options.offset ?? 0;
  const files = (await pickFiles(options.data, offset + count)).slice(offset);
  for (const [i, file] of files.entries()) {
    await preprocessInto(await Deno.readFile(file), nhwc, x, i * size);
  }
  return { x, count, shape, source: options.data };
}

async function pickFiles(dir: string, count: number): Promise<string[]> {
  const classes: string[][] = [];
  try {
    const names = [];
    for await (const entry of Deno.readDir(dir)) if (entry.isDirectory) names.push(entry.name);
    for (const name of names.sort()) {
      const files = [];
      for await (const entry of Deno.readDir(join(dir, name))) {
        if (entry.isFile && IMAGE_FILE.test(entry.name)) files.push(join(dir, name, entry.name));
      }
      if (files.length > 0) classes.push(files.sort());
    }
  } catch (error) {
    throw new FerryError(
      "not_found",
      `Cannot read parity images from '${dir}': ${(error as Error).message}`,
    );
  }
  const picked: string[] = [];
  for (let round = 0; picked.length < count; round++) {
    const before = picked.length;
    for (const files of classes) {
      if (round < files.length && picked.length < count) picked.push(files[round]!);
    }
    if (picked.length === before) break;
  }
  if (picked.length < count) {
    throw new FerryError(
      "dataset",
      `Cannot check parity on ${count} images: '${dir}' has only ${picked.length} images in class subfolders`,
    );
  }
  return picked;
}
