/**
 * Shared parts of the serve tests: the tiny real ONNX classifier, images encoded by sharp, and
 * the crafted bad inputs the service must refuse.
 *
 * @module
 */
import sharp from "sharp";
import { afterAll, beforeAll } from "vitest";
import { openClassifier } from "../../src/runtime/mod.ts";
import { type AppOptions, createApp } from "../../src/serve/mod.ts";
import type { ClassifierSession } from "../../src/runtime/mod.ts";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";

/** A series' value in Prometheus text (`name{labels} value`), or undefined. */
export function valueOf(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Opens the tiny red/green/blue classifier from a fresh temporary folder. */
export async function openTinyModel(
  options: { fileName?: string } = {},
): Promise<ClassifierSession> {
  const dir = await Deno.makeTempDir({ prefix: "ferry-serve-" });
  const path = await writeTinyModel(dir, options);
  return await openClassifier(path, { threads: 1 });
}

/** A session that waits `ms` before each run: makes queues and in-flight requests observable. */
export function slowSession(inner: ClassifierSession, ms: number): ClassifierSession {
  return {
    info: inner.info,
    run: async (input, count) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return await inner.run(input, count);
    },
    release: () => inner.release(),
  };
}

export {
  BLUE,
  type Colour,
  GREEN,
  imageForm,
  pngDeclaring,
  RED,
  solidImage,
} from "../_fixtures/images.ts";

/** A noisy image (varied pixels) encoded as JPEG, so that predictions differ per image. */
export async function noisyJpeg(seed: number, size = 32): Promise<Uint8Array<ArrayBuffer>> {
  const pixels = new Uint8Array(size * size * 3);
  let state = seed * 2654435761 >>> 0;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    pixels[i] = (state >>> 24) & 0xff;
  }
  const raw = { width: size, height: size, channels: 3 as const };
  return Uint8Array.from(await sharp(pixels, { raw }).jpeg({ quality: 80 }).toBuffer());
}

/** A small SVG document. */
export const SVG = new TextEncoder().encode(
  '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32">' +
    '<rect width="32" height="32" fill="red"/></svg>',
);

/** A valid 24-bit BMP of `side × side` grey pixels, written by hand: sharp writes no BMP. */
export function bmpFile(side: number): Uint8Array<ArrayBuffer> {
  const row = Math.ceil((side * 3) / 4) * 4;
  const file = new Uint8Array(54 + row * side).fill(0x80);
  const view = new DataView(file.buffer);
  file.set([0x42, 0x4d]);
  view.setUint32(2, file.length, true);
  view.setUint32(6, 0, true);
  view.setUint32(10, 54, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, side, true);
  view.setInt32(22, side, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, 24, true);
  file.fill(0, 30, 54);
  return file;
}

/** Opens the tiny model for a test file (released after it) and builds warmed-up apps on it. */
export function tinyServiceFixture() {
  let session: ClassifierSession;
  beforeAll(async () => {
    session = await openTinyModel();
  });
  afterAll(async () => {
    await session.release();
  });
  return {
    session: () => session,
    ready: async (options: Partial<AppOptions> = {}) => {
      const service = createApp({ models: [session], ...options });
      await service.warmUp();
      return service;
    },
  };
}
