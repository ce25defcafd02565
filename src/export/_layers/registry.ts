/**
 * Which mapper exports which tfjs layer class. A class missing here cannot be exported, and the
 * exporter says so naming the layer.
 *
 * @module
 */
import {
  activationLayer,
  eluLayer,
  leakyReluLayer,
  reluLayer,
  softmaxLayer,
} from "./activation.ts";
import type { LayerMapper } from "./context.ts";
import { conv2d, depthwiseConv2d, separableConv2d } from "./conv.ts";
import { batchNormalization, dense, flatten, identity, zeroPadding2d } from "./core.ts";
import { add, average, concatenate, maximum, minimum, multiply } from "./merge.ts";
import {
  averagePooling2d,
  globalAveragePooling2d,
  globalMaxPooling2d,
  maxPooling2d,
} from "./pooling.ts";

/** Mappers by tfjs class name. */
export const LAYER_MAPPERS: Readonly<Record<string, LayerMapper>> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  MaxPooling2D: maxPooling2d,
  AveragePooling2D: averagePooling2d,
  GlobalAveragePooling2D: globalAveragePooling2d,
  GlobalMaxPooling2D: globalMaxPooling2d,
  Dense: dense,
  Flatten: flatten,
  Dropout: identity,
  SpatialDropout1D: identity,
  GaussianDropout: identity,
  GaussianNoise: identity,
  AlphaDropout: identity,
  ZeroPadding2D: zeroPadding2d,
  BatchNormalization: batchNormalization,
  Activation: activationLayer,
  ReLU: reluLayer,
  LeakyReLU: leakyReluLayer,
  ELU: eluLayer,
  Softmax: softmaxLayer,
  Add: add,
  Multiply: multiply,
  Average: average,
  Maximum: maximum,
  Minimum: minimum,
  Concatenate: concatenate,
};
