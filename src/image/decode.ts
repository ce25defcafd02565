import sharp from "sharp";
import { FerryError } from "../errors.ts";
import type { RgbImage } from "./rgb_image.ts";
import { type ImageFormat, sniffFormat } from "./sniff.ts";

/** Options of {@linkcode decodeImage}. */
export interface DecodeOptions {
  /** Output width in pixels (the model's input width). */
  width: number;
  /** Output height in pixels (the model's input height). */
  height: number;
  /** Largest source image accepted, in pixels, against decompression bombs. @default 40_000_000 */
  maxPixels?: number;
  /** Accept SVG (vector) input, which runs a renderer on untrusted XML. @default false */
  allowVector?: boolean;
  /** Colour that transparent pixels are flattened onto. @default { r: 255, g: 255, b: 255 } */
  background?: { r: number; g: number; b: number };
}

/** Defaults of {@linkcode DecodeOptions}. */
export const DECODE_DEFAULTS = {
  maxPixels: 40_000_000,
  allowVector: false,
  background: { r: 255, g: 255, b: 255 },
} as const;

/**
 * Turns encoded image bytes into an RGB image at the requested size: EXIF orientation applied,
 * alpha flattened, grayscale and CMYK converted to sRGB, resized (stretched, like Keras'
 * `load_img(target_size=…)`). The format is recognised from the bytes alone.
 *
 * Throws a {@linkcode FerryError}: `unsupported_media` for bytes that are no accepted image,
 * `too_large` (HTTP 422) for a source over `maxPixels`, `undecodable` for a broken image.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions): Promise<RgbImage> {
  const format = checkFormat(bytes, options);
  return await decodeWithSharp(bytes, format, options);
}

function checkFormat(bytes: Uint8Array, options: DecodeOptions): ImageFormat {
  if (bytes.length === 0) throw new FerryError("unsupported_media", "Cannot decode an empty file");
  const format = sniffFormat(bytes);
  if (format === undefined) {
    throw new FerryError(
      "unsupported_media",
      "Cannot decode: the bytes are not a known image format",
    );
  }
  if (format === "svg" && !(options.allowVector ?? DECODE_DEFAULTS.allowVector)) {
    throw new FerryError("unsupported_media", "Cannot decode SVG: vector input is disabled");
  }
  return format;
}

async function decodeWithSharp(
  bytes: Uint8Array,
  format: ImageFormat,
  options: DecodeOptions,
): Promise<RgbImage> {
  const maxPixels = options.maxPixels ?? DECODE_DEFAULTS.maxPixels;
  const background = options.background ?? DECODE_DEFAULTS.background;
  try {
    const { data, info } = await sharp(bytes, {
      limitInputPixels: maxPixels,
      failOn: "warning",
      animated: false,
    })
      .rotate()
      .flatten({ background })
      .toColourspace("srgb")
      .resize(options.width, options.height, { fit: "fill" })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data: toRgb(data, info.channels), width: info.width, height: info.height };
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    if (/pixel limit/i.test(message)) {
      throw new FerryError(
        "too_large",
        `Cannot decode ${format}: the image has more than ${maxPixels} pixels`,
        { httpStatus: 422, cause: error },
      );
    }
    throw new FerryError("undecodable", `Cannot decode ${format}: ${message.split("\n")[0]}`, {
      cause: error,
    });
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
