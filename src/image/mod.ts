/**
 * The one way bytes become model input: format sniffing, decoding (a bit-exact fast path for
 * small JPEGs, sharp for everything else), and normalisation.
 *
 * @module
 */
export {
  declaredPixels,
  DECODE_DEFAULTS,
  type DecodedImage,
  decodeImage,
  type DecodeOptions,
  type Decoder,
} from "./decode.ts";
export { createDecodePool, type DecodePool, type DecodePoolOptions } from "./decode_pool.ts";
export {
  FERRY_INPUT_SPEC,
  IMAGENET_NORMALIZATION,
  type InputSpec,
  valuesPerImage,
} from "./input_spec.ts";
export { normalizeInto } from "./normalize.ts";
export { preprocess, preprocessInto, type PreprocessOptions } from "./preprocess.ts";
export { hasImageName, readImageFile } from "./read_file.ts";
export type { RgbImage } from "./rgb_image.ts";
export { type ImageFormat, sniffFormat } from "./sniff.ts";
