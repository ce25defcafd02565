import * as tf from "@tensorflow/tfjs";
import { SeededInitializers, softmaxClassifier } from "./_layers.ts";
import type { ModelOptions } from "./options.ts";

/** Filters of each block and the dropout after it: wider and more regularised as it deepens. */
const BLOCKS = [[32, 0.2], [64, 0.3], [128, 0.4]] as const;

/**
 * A VGG-style network for the notebook's fourth question ("deeper nets"): three blocks of two
 * Conv2D(3×3, same, no bias) → BatchNormalization → activation, each closed by MaxPool(2) and
 * dropout, then Flatten, Dense(128) → BatchNormalization → activation, dropout (`options.dropout`)
 * and Dense(classes, softmax). Every layer is one the ONNX exporter maps.
 */
export function buildVggBn(options: ModelOptions): tf.LayersModel {
  const init = new SeededInitializers(options);
  const model = tf.sequential({ name: "vgg_bn" });
  let conv = 0;
  BLOCKS.forEach(([filters, rate], block) => {
    for (let i = 0; i < 2; i++) {
      conv++;
      model.add(tf.layers.conv2d({
        ...(conv === 1 ? { inputShape: options.inputShape } : {}),
        filters,
        kernelSize: 3,
        padding: "same",
        // The BatchNormalization after it has its own shift, so a bias would be redundant.
        useBias: false,
        kernelInitializer: init.kernel(),
        name: `conv2d_${conv}`,
      }));
      model.add(tf.layers.batchNormalization({ name: `batch_normalization_${conv}` }));
      model.add(
        tf.layers.activation({ activation: options.activation, name: `activation_${conv}` }),
      );
    }
    model.add(tf.layers.maxPooling2d({ poolSize: 2, name: `max_pooling2d_${block + 1}` }));
    model.add(tf.layers.dropout({ rate, name: `dropout_${block + 1}` }));
  });
  model.add(tf.layers.flatten({ name: "flatten" }));
  model.add(tf.layers.dense({
    units: 128,
    useBias: false,
    kernelInitializer: init.kernel(),
    name: "dense_1",
  }));
  model.add(tf.layers.batchNormalization({ name: "batch_normalization_dense" }));
  model.add(tf.layers.activation({ activation: options.activation, name: "activation_dense" }));
  model.add(tf.layers.dropout({ rate: options.dropout, name: "dropout_dense" }));
  model.add(softmaxClassifier(init, options, "dense_2"));
  return model;
}
