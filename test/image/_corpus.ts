/**
 * Test images made by sharp: seeded noise over a gradient, so that every 8×8 block has detail
 * and a decoder difference cannot hide in flat areas.
 */
import { crc32 } from "node:zlib";
import sharp from "sharp";

/** Seeded RGB(A) pixels: a diagonal gradient plus noise. */
export function noise(width: number, height: number, channels = 3, seed = 1): Uint8Array {
  const data = new Uint8Array(width * height * channels);
  let state = seed;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    const pixel = Math.floor(i / channels);
    const ramp = ((pixel % width) * 7 + Math.floor(pixel / width) * 5 + (i % channels) * 60) % 200;
    data[i] = (ramp + (state >>> 26)) & 255;
  }
  return data;
}

/** A sharp pipeline over seeded noise of the given size. */
export function noiseImage(width: number, height: number, channels: 3 | 4 = 3, seed = 1) {
  return sharp(noise(width, height, channels, seed), { raw: { width, height, channels } });
}

/** The bytes of a sharp pipeline's output. */
export async function bytesOf(image: ReturnType<typeof sharp>): Promise<Uint8Array> {
  return new Uint8Array(await image.toBuffer());
}

/**
 * A JPEG without its APP2 ICC_PROFILE segments. sharp attaches an sRGB profile whenever it writes
 * EXIF orientation; removing it isolates the orientation as the one reason to take the sharp path.
 */
export function withoutIccProfile(jpeg: Uint8Array): Uint8Array {
  const kept: number[] = [0xff, 0xd8];
  let at = 2;
  while (jpeg[at + 1] !== 0xda) {
    const end = at + 2 + ((jpeg[at + 2]! << 8) | jpeg[at + 3]!);
    const icc = jpeg[at + 1] === 0xe2 &&
      new TextDecoder().decode(jpeg.subarray(at + 4, at + 15)) === "ICC_PROFILE";
    if (!icc) kept.push(...jpeg.subarray(at, end));
    at = end;
  }
  return new Uint8Array([...kept, ...jpeg.subarray(at)]);
}

/** One PNG chunk: its four-letter type and its data. */
export interface PngChunk {
  type: string;
  data: Uint8Array;
}

/** The chunks of a PNG file, in order. */
export function pngChunks(png: Uint8Array): PngChunk[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: PngChunk[] = [];
  for (let at = 8; at < png.length; at += 12 + view.getUint32(at)) {
    const type = new TextDecoder().decode(png.subarray(at + 4, at + 8));
    chunks.push({ type, data: png.slice(at + 8, at + 8 + view.getUint32(at)) });
  }
  return chunks;
}

/** A PNG file made of these chunks, each with a correct CRC. */
export function buildPng(chunks: PngChunk[]): Uint8Array {
  const parts: number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  for (const { type, data } of chunks) {
    const body = new Uint8Array([...new TextEncoder().encode(type), ...data]);
    const word = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
    parts.push(...word(data.length), ...body, ...word(crc32(body)));
  }
  return new Uint8Array(parts);
}
