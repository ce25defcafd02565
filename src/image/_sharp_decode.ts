import { FerryError } from "../errors.ts";
import type { RgbImage } from "./rgb_image.ts";
import type { ImageFormat } from "./sniff.ts";

/** What the sharp path needs: the output size and the limits, all resolved. */
export interface SharpDecodeOptions {
  width: number;
  height: number;
  maxPixels: number;
  background: { r: number; g: number; b: number };
}

/** The error for a source over the pixel limit; one message for both paths and the header check. */
export function tooManyPixels(format: ImageFormat, maxPixels: number, cause?: unknown): FerryError {
  return new FerryError(
    "too_many_pixels",
    `Cannot decode ${format}: the image has more than ${maxPixels} pixels`,
    { cause },
  );
}

/**
 * The general path: libvips applies EXIF orientation, flattens alpha onto the background,
 * converts to sRGB (CMYK, grayscale, 16-bit, embedded profiles) and resizes (stretching, like
 * Keras' `load_img(target_size=…)`). Libjpeg warnings fail the image (`failOn: "warning"`).
 */
export async function decodeWithSharp(
  bytes: Uint8Array,
  format: ImageFormat,
  options: SharpDecodeOptions,
): Promise<RgbImage> {
  // Loaded on first use: a process (or pool worker) that only meets small JPEGs and PNGs never
  // pays for loading libvips.
  const { default: sharp } = await import("sharp");
  try {
    const { data, info } = await sharp(bytes, {
      limitInputPixels: options.maxPixels,
      failOn: "warning",
      animated: false,
    })
      .rotate()
      .flatten({ background: options.background })
      .toColourspace("srgb")
      .resize(options.width, options.height, { fit: "fill" })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data: toRgb(data, info.channels), width: info.width, height: info.height };
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    if (/pixel limit/i.test(message)) throw tooManyPixels(format, options.maxPixels, error);
    // libvips keeps one error buffer per process, and sharp's message is read from it: under
    // concurrent decodes (classify's workers, serve) the same file gave three different texts.
    // The message is ferry's, so that it is the same every time; libvips' words stay in `cause`.
    throw new FerryError(
      "undecodable",
      `Cannot decode ${format}: the data is damaged, truncated or uses a feature libvips cannot read`,
      { cause: error },
    );
  }
}

function toRgb(data: Uint8Array, channels: number): Uint8Array {
  if (channels === 3) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const pixels = data.length / channels;
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const v = data[p * channels]!;
    rgb[p * 3] = v;
    rgb[p * 3 + 1] = channels === 1 ? v : data[p * channels + 1]!;
    rgb[p * 3 + 2] = channels === 1 ? v : data[p * channels + 2]!;
  }
  return rgb;
}
