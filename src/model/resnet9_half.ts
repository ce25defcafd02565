import * as tf from "@tensorflow/tfjs";
import { convBnUnits, SeededInitializers, softmaxClassifier } from "./_layers.ts";
import type { ModelOptions } from "./options.ts";

/**
 * ResNet-9 (the DAWNBench CIFAR-10 network: a prep layer, three conv groups, two of them with a
 * residual pair, global max pool) at half its width: 32, 64, 128 and 256 filters, about 1.6 M
 * parameters and 95 M multiply-adds per 32×32 image. It reaches a given accuracy in far fewer
 * epochs than the plain VGG stacks, which is what a 90-minute budget on two cores needs.
 *
 * Every convolution is 3×3, same, without bias, followed by BatchNormalization and the
 * activation; a group's max-pool sits between its convolution and the normalisation, so
 * the normalisation runs on a quarter of the pixels. `options.dropout` is the dropout before the
 * classifier (the DAWNBench network has none: pass 0 to match it).
 */
export function buildResnet9Half(options: ModelOptions): tf.LayersModel {
  const init = new SeededInitializers(options);
  const convUnit = convBnUnits(init, options);
  const residual = (x: tf.SymbolicTensor, filters: number, name: string): tf.SymbolicTensor => {
    const y = convUnit(convUnit(x, filters, false), filters, false);
    return tf.layers.add({ name }).apply([x, y]) as tf.SymbolicTensor;
  };

  const input = tf.input({ shape: options.inputShape, name: "input" });
  let x = convUnit(input, 32, false);
  x = residual(convUnit(x, 64, true), 64, "add_1");
  x = convUnit(x, 128, true);
  x = residual(convUnit(x, 256, true), 256, "add_2");
  x = tf.layers.globalMaxPooling2d({ name: "global_max_pooling2d" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: options.dropout, name: "dropout" }).apply(x) as tf.SymbolicTensor;
  const output = softmaxClassifier(init, options, "dense").apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: "resnet9_half" });
}
