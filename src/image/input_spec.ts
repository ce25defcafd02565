/**
 * How a model wants its input: size, layout, channel order and normalisation. ferry's own models
 * carry this in their ONNX metadata; for foreign models the CLI builds it from flags.
 *
 * @module
 */

/** A model's input format. A pixel value p (0–255) becomes `(p / divisor - mean[c]) / std[c]`. */
export interface InputSpec {
  /** Width in pixels the model takes. @default 32 */
  width: number;
  /** Height in pixels the model takes. @default 32 */
  height: number;
  /** Tensor layout: channels last (Keras, ferry) or first (PyTorch). @default "nhwc" */
  layout: "nhwc" | "nchw";
  /** Channel order the model was trained on. @default "rgb" */
  channelOrder: "rgb" | "bgr";
  /** Pixel values are divided by this first: 255 gives [0,1], 1 keeps [0,255]. @default 255 */
  divisor: number;
  /** Subtracted per channel (in the model's channel order) after dividing. @default [0, 0, 0] */
  mean: [number, number, number];
  /** Divides per channel after subtracting the mean. @default [1, 1, 1] */
  std: [number, number, number];
}

/** ferry's own input format, the notebook's: 32×32 RGB, NHWC, pixels / 255. */
export const FERRY_INPUT_SPEC: InputSpec = Object.freeze<InputSpec>({
  width: 32,
  height: 32,
  layout: "nhwc",
  channelOrder: "rgb",
  divisor: 255,
  mean: [0, 0, 0],
  std: [1, 1, 1],
});

/** The ImageNet statistics that most PyTorch and Keras application models expect. */
export const IMAGENET_NORMALIZATION: Pick<InputSpec, "divisor" | "mean" | "std"> = {
  divisor: 255,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/** Number of float values one image occupies in a batch tensor. */
export function valuesPerImage(spec: Pick<InputSpec, "width" | "height">): number {
  return spec.width * spec.height * 3;
}
