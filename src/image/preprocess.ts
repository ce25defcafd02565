import { decodeImage, type DecodeOptions } from "./decode.ts";
import { type InputSpec, valuesPerImage } from "./input_spec.ts";
import { normalizeInto } from "./normalize.ts";

/** Options of {@linkcode preprocessInto}: the decode limits; size comes from the spec. */
export type PreprocessOptions = Omit<DecodeOptions, "width" | "height">;

/**
 * The one way encoded bytes become model input: decodes one image at the spec's size and writes
 * its floats into `out` at `offset` (in floats), as the spec says. `serve`, `classify`, the
 * export's parity check and training data all reach tensors through {@linkcode decodeImage} and
 * {@linkcode normalizeInto}, which this composes; a decode pool offers the same call.
 *
 * @example
 * ```ts
 * import { FERRY_INPUT_SPEC, preprocessInto, valuesPerImage } from "./mod.ts";
 *
 * const out = new Float32Array(valuesPerImage(FERRY_INPUT_SPEC));
 * await preprocessInto(await Deno.readFile("cat.jpg"), FERRY_INPUT_SPEC, out, 0);
 * ```
 */
export async function preprocessInto(
  bytes: Uint8Array,
  spec: InputSpec,
  out: Float32Array,
  offset: number,
  options: PreprocessOptions = {},
): Promise<void> {
  const image = await decodeImage(bytes, { ...options, width: spec.width, height: spec.height });
  normalizeInto(image, out, offset, spec);
}

/** {@linkcode preprocessInto} for one image into a new array of its own. */
export async function preprocess(
  bytes: Uint8Array,
  spec: InputSpec,
  options: PreprocessOptions = {},
): Promise<Float32Array> {
  const out = new Float32Array(valuesPerImage(spec));
  await preprocessInto(bytes, spec, out, 0, options);
  return out;
}
