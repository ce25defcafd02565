import * as tf from "@tensorflow/tfjs";
import { SeededInitializers, softmaxClassifier } from "./_layers.ts";
import type { ModelOptions } from "./options.ts";

/**
 * The reference notebook's CNN: three Conv2D(3×3, same) + MaxPool(2) blocks of 32, 64 and 128
 * filters, Flatten, Dense(128), Dropout, Dense(classes, softmax). 356,810 parameters for
 * 32×32×3 inputs and 10 classes.
 */
export function buildNotebookCnn(options: ModelOptions): tf.LayersModel {
  const init = new SeededInitializers(options);
  const model = tf.sequential({ name: "notebook_cnn" });
  [32, 64, 128].forEach((filters, i) => {
    model.add(tf.layers.conv2d({
      ...(i === 0 ? { inputShape: options.inputShape } : {}),
      filters,
      kernelSize: 3,
      padding: "same",
      activation: options.activation,
      kernelInitializer: init.kernel(),
      name: `conv2d_${i + 1}`,
    }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2, name: `max_pooling2d_${i + 1}` }));
  });
  model.add(tf.layers.flatten({ name: "flatten" }));
  model.add(tf.layers.dense({
    units: 128,
    activation: options.activation,
    kernelInitializer: init.kernel(),
    name: "dense_1",
  }));
  model.add(tf.layers.dropout({ rate: options.dropout, name: "dropout" }));
  model.add(softmaxClassifier(init, options, "dense_2"));
  return model;
}
