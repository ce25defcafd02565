import * as tf from "@tensorflow/tfjs";
import { SeededInitializers, softmaxClassifier } from "./_layers.ts";
import type { ModelOptions } from "./options.ts";

/**
 * The network of airbench94 (the fastest public CIFAR-10 recipe to 94%): a small prep
 * convolution, then three groups of two 3×3 convolutions at 64, 256 and 256 filters, each group
 * max-pooling after its first convolution, then a global max pool. No residual connections: at
 * this depth they cost time and buy little. About 2.0 M parameters and 146 M multiply-adds per
 * 32×32 image, 1.5× ResNet-9-half, but it learns far more per epoch.
 *
 * Every convolution is 3×3, same, without bias (the BatchNormalization after it has its own
 * shift), and a group's max-pool sits between its first convolution and the normalisation, so
 * the normalisation runs on a quarter of the pixels. `options.dropout` is the dropout before the
 * classifier (airbench has none: pass 0 to match it).
 */
export function buildAirbench(options: ModelOptions): tf.LayersModel {
  const init = new SeededInitializers(options);
  let index = 0;
  const convUnit = (x: tf.SymbolicTensor, filters: number, pool: boolean): tf.SymbolicTensor => {
    index++;
    let y = tf.layers.conv2d({
      filters,
      kernelSize: 3,
      padding: "same",
      useBias: false,
      kernelInitializer: init.kernel(),
      name: `conv2d_${index}`,
    }).apply(x) as tf.SymbolicTensor;
    if (pool) {
      y = tf.layers.maxPooling2d({ poolSize: 2, name: `max_pooling2d_${index}` })
        .apply(y) as tf.SymbolicTensor;
    }
    // Momentum 0.9 (PyTorch's 0.1), as in resnet9_half: the moving statistics must keep up with
    // weights that move fast under a one-cycle schedule.
    y = tf.layers.batchNormalization({ momentum: 0.9, name: `batch_normalization_${index}` })
      .apply(y) as tf.SymbolicTensor;
    return tf.layers.activation({ activation: options.activation, name: `activation_${index}` })
      .apply(y) as tf.SymbolicTensor;
  };
  const group = (x: tf.SymbolicTensor, filters: number): tf.SymbolicTensor =>
    convUnit(convUnit(x, filters, true), filters, false);

  const input = tf.input({ shape: options.inputShape, name: "input" });
  let x = convUnit(input, 24, false);
  x = group(x, 64);
  x = group(x, 256);
  x = group(x, 256);
  x = tf.layers.globalMaxPooling2d({ name: "global_max_pooling2d" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: options.dropout, name: "dropout" }).apply(x) as tf.SymbolicTensor;
  const output = softmaxClassifier(init, options, "dense").apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: "airbench" });
}
