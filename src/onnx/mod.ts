/**
 * The ONNX file format as ferry writes and reads it: the protobuf schema, models as plain
 * objects, and ferry's metadata keys. export/ writes it, runtime/ reads it; it runs nothing.
 *
 * @module
 */
export {
  type CalibrationRecord,
  decodeMetadata,
  encodeMetadata,
  type FerryMetadata,
  METADATA_FORMAT_VERSION,
  METADATA_KEYS,
  type ParityRecord,
  type QuantizationRecord,
  withMetadata,
} from "./metadata.ts";
export {
  decodeOnnxModel,
  encodeOnnxModel,
  int64ToNumber,
  type OnnxAttribute,
  OnnxAttributeType,
  OnnxDataType,
  type OnnxDimension,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from "./onnx_proto.ts";
