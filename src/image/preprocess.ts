import { decodeImage, type DecodeOptions } from "./decode.ts";
import { type InputSpec, valuesPerImage } from "./input_spec.ts";
import { normalizeInto } from "./normalize.ts";

/** Options of {@linkcode preprocess}: the decode limits; size comes from the spec. */
export type PreprocessOptions = Omit<DecodeOptions, "width" | "height">;

/**
 * Encoded bytes → model input floats for one image, as the spec says. `serve`, `classify`,
 * `evaluate` and training data all reach tensors through {@linkcode decodeImage} and
 * {@linkcode normalizeInto}, which this composes.
 */
export async function preprocess(
  bytes: Uint8Array,
  spec: InputSpec,
  options: PreprocessOptions = {},
): Promise<Float32Array> {
  const image = await decodeImage(bytes, { ...options, width: spec.width, height: spec.height });
  const out = new Float32Array(valuesPerImage(spec));
  normalizeInto(image, out, 0, spec);
  return out;
}
