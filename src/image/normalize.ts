import type { InputSpec } from "./input_spec.ts";
import type { RgbImage } from "./rgb_image.ts";

// One lookup table per channel: 256 float32 values computed once per spec, so that every path
// (training data, serve, classify, evaluate) gets bit-identical floats and the hot loop is a load.
const tables = new WeakMap<InputSpec, Float32Array[]>();

function lookupTables(spec: InputSpec): Float32Array[] {
  let luts = tables.get(spec);
  if (!luts) {
    luts = [0, 1, 2].map((c) => {
      const lut = new Float32Array(256);
      const mean = spec.mean[c]!;
      const std = spec.std[c]!;
      // Division, not multiplication by a reciprocal, to match Keras' `x / 255.0` exactly.
      for (let p = 0; p < 256; p++) lut[p] = (p / spec.divisor - mean) / std;
      return lut;
    });
    tables.set(spec, luts);
  }
  return luts;
}

/**
 * The one preprocessing function: writes an RGB uint8 image as model input floats into `out` at
 * `offset` (in floats), in the spec's layout and channel order. With {@linkcode FERRY_INPUT_SPEC}
 * this is uint8 RGB → float32 in [0,1], NHWC.
 *
 * @example
 * ```ts
 * import { FERRY_INPUT_SPEC, normalizeInto, type RgbImage, valuesPerImage } from "./mod.ts";
 *
 * declare const image: RgbImage; // 32×32, as the spec's size
 * const out = new Float32Array(valuesPerImage(FERRY_INPUT_SPEC));
 * normalizeInto(image, out, 0, FERRY_INPUT_SPEC);
 * ```
 */
export function normalizeInto(
  image: RgbImage,
  out: Float32Array,
  offset: number,
  spec: InputSpec,
): void {
  const { data, width, height } = image;
  if (width !== spec.width || height !== spec.height) {
    throw new RangeError(
      `Cannot normalise a ${width}×${height} image for a ${spec.width}×${spec.height} input`,
    );
  }
  const luts = lookupTables(spec);
  const pixels = width * height;
  // Source channel for each output channel: the model's order is rgb or bgr.
  const from = spec.channelOrder === "rgb" ? [0, 1, 2] : [2, 1, 0];
  const [s0, s1, s2] = from as [number, number, number];
  const [l0, l1, l2] = luts as [Float32Array, Float32Array, Float32Array];
  if (spec.layout === "nhwc") {
    for (let i = 0, o = offset; i < pixels * 3; i += 3, o += 3) {
      out[o] = l0[data[i + s0]!]!;
      out[o + 1] = l1[data[i + s1]!]!;
      out[o + 2] = l2[data[i + s2]!]!;
    }
  } else {
    for (let i = 0, p = 0; p < pixels; i += 3, p++) {
      out[offset + p] = l0[data[i + s0]!]!;
      out[offset + pixels + p] = l1[data[i + s1]!]!;
      out[offset + 2 * pixels + p] = l2[data[i + s2]!]!;
    }
  }
}
