/**
 * What ferry's native kernels need to route a tfjs-layers layer through them: the layer class's
 * prototype (its `call` is swapped while the native kernels are on) and the one tensor a call
 * gets. tfjs-layers does not export its classes; its serialization registry names them.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";

/** A tfjs-layers layer's variable, as the layers read and write their weights. */
export interface LayerVariable {
  read(): tf.Variable;
  write(value: tf.Tensor): unknown;
}

/** The `call` every tfjs-layers layer has. */
export type LayerCall = (
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown>,
) => tf.Tensor | tf.Tensor[];

/** The prototype of the tfjs-layers class registered as `className`, if there is one. */
export function layerPrototype<T extends { call: LayerCall }>(className: string): T | undefined {
  const registered = tf.serialization.SerializationMap.getMap().classNameMap[className];
  return (registered?.[0] as unknown as { prototype: T } | undefined)?.prototype;
}

/** The tensor of a call with exactly one input, else undefined. */
export function singleInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | undefined {
  if (!Array.isArray(inputs)) return inputs;
  return inputs.length === 1 ? inputs[0] : undefined;
}
