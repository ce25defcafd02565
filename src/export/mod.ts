/**
 * tfjs Layers model → ONNX (ferry's own exporter, one mapper per layer type), with ferry's
 * metadata and a parity check against the tfjs model on every export; also the tfjs format for
 * browsers. The only room besides model/ and train/ that loads TensorFlow.js.
 *
 * @module
 */
export {
  exportModel,
  type ExportOptions,
  type ExportResult,
  parityLine,
  quantizationLine,
  QUANTIZE_DEFAULTS,
  QUANTIZED_MIN_AGREEMENT,
} from "./export_model.ts";
export { type QuantizedModel, quantizeInt8, type QuantizeOptions } from "./quantize.ts";
export {
  INPUT_NAME,
  IR_VERSION,
  type OnnxExport,
  OPSET_VERSION,
  toOnnx,
  type ToOnnxOptions,
} from "./to_onnx.ts";
export {
  assertParity,
  checkParity,
  compareOutputs,
  PARITY_TOLERANCE,
  type ParityOptions,
  type ParityResult,
  predictOnnx,
  predictTfjs,
} from "./parity.ts";
export {
  PARITY_IMAGE_DEFAULTS,
  type ParityImageOptions,
  type ParityImages,
  parityImages,
} from "./parity_images.ts";
export { readRunInfo } from "./run_info.ts";
export { SUPPORTED_ACTIVATIONS } from "./_layers/activation.ts";

import { LAYER_MAPPERS } from "./_layers/registry.ts";
/** tfjs layer class names the exporter maps. */
export const EXPORTABLE_LAYER_CLASSES: readonly string[] = Object.keys(LAYER_MAPPERS);
export { TTA_MODES, ttaMean, type TtaMode, ttaMode, ttaViewCount, withTta } from "./tta.ts";
export {
  calibrateModel,
  calibrationLine,
  runValidationSplit,
  type ValidationSplit,
  withTemperature,
} from "./calibrate.ts";
