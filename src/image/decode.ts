import { FerryError } from "../errors.ts";
import { declaredDimensions, type Dimensions } from "./_dimensions.ts";
import { fastPathObstacle } from "./_fast_jpeg.ts";
import { decodePngFast, fastPngParts } from "./_fast_png.ts";
import { type JpegHeader, readJpegHeader } from "./_jpeg_header.ts";
import { decodeWithSharp, type SharpDecodeOptions, tooManyPixels } from "./_sharp_decode.ts";
import { decodeJpegWasm } from "./_wasm_jpeg.ts";
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
  /**
   * `"auto"` lets the fast path take the JPEGs it reproduces exactly; `"sharp"` sends every
   * image to sharp (same pixels, slower: for benchmarks and for checking the fast path).
   * @default "auto"
   */
  decoder?: "auto" | "sharp";
}

/** Defaults of {@linkcode DecodeOptions}. */
export const DECODE_DEFAULTS = {
  maxPixels: 40_000_000,
  allowVector: false,
  background: { r: 255, g: 255, b: 255 },
  decoder: "auto",
} as const;

/**
 * Which decoder produced an image: `"wasm-jpeg"` (mozjpeg in WebAssembly, for JPEGs already at
 * the output size whose bytes it reproduces exactly), `"js-png"` (zlib and the PNG filters, for
 * plain 8-bit opaque PNGs at the output size) or `"sharp"` (libvips, everything else).
 */
export type Decoder = "wasm-jpeg" | "js-png" | "sharp";

/** A decoded image and the decoder that made it. The pixels do not depend on the decoder. */
export interface DecodedImage extends RgbImage {
  decoder: Decoder;
}

/**
 * Turns encoded image bytes into an RGB image at the requested size: EXIF orientation applied,
 * alpha flattened, grayscale and CMYK converted to sRGB, resized (stretched, like Keras'
 * `load_img(target_size=…)`). The format is recognised from the bytes alone.
 *
 * JPEGs already at the output size, 8-bit YCbCr or gray, unrotated and without a colour profile
 * take a WebAssembly decoder that gives sharp's exact bytes at about 10× the speed, and plain
 * opaque 8-bit PNGs at the output size a small JavaScript decoder; anything these cannot vouch
 * for, including any file on which libjpeg warns, is decoded by sharp, so results and errors are
 * the same whichever path runs.
 *
 * The result's `decoder` says which path ran. Throws a {@linkcode FerryError}: `usage` for a
 * size that is not a positive integer, `unsupported_media` for bytes that are no accepted image
 * (or SVG without `allowVector`), `too_many_pixels` (HTTP 422) for a source over `maxPixels` (read
 * from the header, before anything is allocated), `undecodable` for a broken image.
 *
 * @example
 * ```ts
 * import { decodeImage } from "./mod.ts";
 *
 * const image = await decodeImage(await Deno.readFile("cat.jpg"), { width: 32, height: 32 });
 * image.data.length; // 32 * 32 * 3
 * ```
 */
export async function decodeImage(
  bytes: Uint8Array,
  options: DecodeOptions,
): Promise<DecodedImage> {
  const format = checkFormat(bytes, options);
  const resolved: SharpDecodeOptions = {
    width: options.width,
    height: options.height,
    maxPixels: options.maxPixels ?? DECODE_DEFAULTS.maxPixels,
    background: options.background ?? DECODE_DEFAULTS.background,
  };
  const jpeg = format === "jpeg" ? readJpegHeader(bytes) : undefined;
  checkPixels(jpeg ?? declaredDimensions(bytes, format), format, resolved.maxPixels);
  const fast = (options.decoder ?? DECODE_DEFAULTS.decoder) === "auto"
    ? await decodeFast(bytes, format, jpeg, resolved)
    : undefined;
  return fast ?? { ...await decodeWithSharp(bytes, format, resolved), decoder: "sharp" };
}

/** The fast paths, for the files whose exact sharp result they can give; undefined otherwise. */
async function decodeFast(
  bytes: Uint8Array,
  format: ImageFormat,
  jpeg: JpegHeader | undefined,
  size: Dimensions,
): Promise<DecodedImage | undefined> {
  if (jpeg && fastPathObstacle(jpeg, size.width, size.height) === undefined) {
    const image = await decodeJpegWasm(bytes);
    return image && { ...image, decoder: "wasm-jpeg" };
  }
  const png = format === "png" ? fastPngParts(bytes, size.width, size.height) : undefined;
  const image = png && decodePngFast(png);
  return image && { ...image, decoder: "js-png" };
}

function checkFormat(bytes: Uint8Array, options: DecodeOptions): ImageFormat {
  for (const key of ["width", "height"] as const) {
    const value = options[key];
    if (!Number.isInteger(value) || value < 1) {
      throw new FerryError(
        "usage",
        `Cannot decode: '${key}' must be a positive integer, got ${value}`,
      );
    }
  }
  if (bytes.length === 0) throw new FerryError("unsupported_media", "Cannot decode an empty file");
  const format = sniffFormat(bytes);
  if (format === undefined) {
    throw new FerryError(
      "unsupported_media",
      "Cannot decode: the bytes are not a known image format",
    );
  }
  // Recognised, but sharp's build has no reader for it: unsupported, not damaged.
  if (format === "bmp") {
    throw new FerryError(
      "unsupported_media",
      "Cannot decode BMP: send JPEG, PNG, WebP, GIF, TIFF or AVIF",
    );
  }
  if (format === "svg" && !(options.allowVector ?? DECODE_DEFAULTS.allowVector)) {
    throw new FerryError("unsupported_media", "Cannot decode SVG: vector input is disabled");
  }
  return format;
}

/**
 * Pixels the image's header declares, read without decoding; undefined for bytes that are no
 * image or a format whose header is not read here (TIFF, AVIF, HEIF, SVG).
 */
export function declaredPixels(bytes: Uint8Array): number | undefined {
  const format = sniffFormat(bytes);
  if (format === undefined) return undefined;
  const size = format === "jpeg" ? readJpegHeader(bytes) : declaredDimensions(bytes, format);
  return size && size.width * size.height;
}

/** Refuses a decompression bomb from its header, before any decoder allocates for it. */
function checkPixels(size: Dimensions | undefined, format: ImageFormat, maxPixels: number): void {
  // Same comparison as sharp's limitInputPixels, which stays the backstop for other formats.
  if (size && size.width * size.height > maxPixels) throw tooManyPixels(format, maxPixels);
}
