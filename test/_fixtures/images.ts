/**
 * Images made by the tests and the benchmarks that load a real server: solid colours encoded by
 * sharp, PNGs that declare a size they do not hold, and multipart forms of them.
 *
 * @module
 */
import { crc32 } from "node:zlib";
import sharp from "sharp";
import { concat } from "./bytes.ts";

export type Colour = { r: number; g: number; b: number };
export const RED: Colour = { r: 230, g: 20, b: 30 };
export const GREEN: Colour = { r: 20, g: 200, b: 40 };
export const BLUE: Colour = { r: 10, g: 30, b: 220 };

/** A solid-colour image encoded by sharp. */
export async function solidImage(
  colour: Colour,
  format: "jpeg" | "png" | "webp" = "jpeg",
  size = { width: 32, height: 32 },
): Promise<Uint8Array<ArrayBuffer>> {
  const image = sharp({ create: { ...size, channels: 3, background: colour } });
  return Uint8Array.from(await image.toFormat(format).toBuffer());
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const body = new Uint8Array(4 + data.length);
  body.set(new TextEncoder().encode(type), 0);
  body.set(data, 4);
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(body, 4);
  view.setUint32(8 + data.length, crc32(body));
  return chunk;
}

/** A decompression bomb's header: a valid PNG signature and IHDR declaring `side × side` pixels. */
export function pngDeclaring(side: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, side);
  view.setUint32(4, side);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, adaptive filter, no interlace
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", new Uint8Array([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk("IEND", new Uint8Array(0)),
  ];
  return concat(parts);
}

/** A multipart body with every image in field `image`. */
export function imageForm(images: Uint8Array[], names?: string[]): FormData {
  const form = new FormData();
  images.forEach((bytes, i) =>
    form.append("image", new Blob([bytes as Uint8Array<ArrayBuffer>]), names?.[i] ?? `${i}.jpg`)
  );
  return form;
}
