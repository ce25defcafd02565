import { Buffer } from "node:buffer";
import sharp from "sharp";

/**
 * Images `indices` of an NHWC RGB byte array (`width` × `height` each) as PNG data URIs, small
 * enough to inline in a card (a 32×32 CIFAR image is about 3 KB).
 *
 * @example
 * ```ts
 * import { thumbnails } from "./mod.ts";
 *
 * const images = new Uint8Array(2 * 32 * 32 * 3); // two black 32×32 RGB images
 * const uris = await thumbnails(images, 32, 32, [1]); // ["data:image/png;base64,…"]
 * ```
 */
export async function thumbnails(
  images: Uint8Array,
  width: number,
  height: number,
  indices: readonly number[],
): Promise<string[]> {
  const size = width * height * 3;
  return await Promise.all(indices.map(async (i) => {
    const pixels = images.subarray(i * size, (i + 1) * size);
    const png = await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
    return `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
  }));
}
