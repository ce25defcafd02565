import * as tf from "@tensorflow/tfjs";
import type { KernelInitializer, ModelOptions } from "./options.ts";

/** Standard deviation of a unit normal truncated to [-2, 2] (Keras' `VarianceScaling` constant). */
const TRUNCATED_NORMAL_STD = 0.87962566103423978;

/**
 * Hands out kernel initialisers with distinct seeds, so a model built twice from the same
 * options has the same weights, and two layers of the same shape do not start identical.
 */
export class SeededInitializers {
  #next: number;
  readonly #kind: KernelInitializer;

  constructor(options: Pick<ModelOptions, "seed" | "kernelInitializer">) {
    this.#next = options.seed;
    this.#kind = options.kernelInitializer;
  }

  /** The next layer's kernel initialiser. */
  kernel(): ReturnType<typeof tf.initializers.zeros> {
    const seed = this.#next++;
    switch (this.#kind) {
      case "glorot_uniform":
        return tf.initializers.glorotUniform({ seed });
      case "he_normal":
        // Keras draws he_normal from a normal truncated at 2σ whose σ is first divided by
        // 0.8796 (the std of a unit normal truncated there), so the kernel's spread is
        // sqrt(2 / fan_in); tfjs' heNormal skips that division and comes out 12% narrower.
        return tf.initializers.varianceScaling({
          scale: 2 / TRUNCATED_NORMAL_STD ** 2,
          mode: "fanIn",
          distribution: "normal",
          seed,
        });
      case "zeros":
        return tf.initializers.zeros();
    }
  }
}

/** The layer every architecture ends with: Dense(classes, softmax), seeded from `init`. */
export function softmaxClassifier(
  init: SeededInitializers,
  options: Pick<ModelOptions, "numClasses">,
  name: string,
): tf.layers.Layer {
  return tf.layers.dense({
    units: options.numClasses,
    activation: "softmax",
    kernelInitializer: init.kernel(),
    name,
  });
}

/**
 * Numbers the 3×3 convolution units of one model and builds them: a convolution without bias (the
 * BatchNormalization after it has its own shift), an optional 2×2 max-pool between it and the
 * normalisation (so the normalisation runs on a quarter of the pixels), then the activation.
 * Layers are named `conv2d_<n>`, `max_pooling2d_<n>`, `batch_normalization_<n>`, `activation_<n>`.
 */
export function convBnUnits(
  init: SeededInitializers,
  options: Pick<ModelOptions, "activation">,
): (x: tf.SymbolicTensor, filters: number, pool: boolean) => tf.SymbolicTensor {
  let index = 0;
  return (x, filters, pool) => {
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
    // Momentum 0.9 (PyTorch's 0.1) rather than Keras' 0.99: the moving statistics must keep up
    // with weights that move fast under a one-cycle schedule, or validation lags training.
    y = tf.layers.batchNormalization({ momentum: 0.9, name: `batch_normalization_${index}` })
      .apply(y) as tf.SymbolicTensor;
    return tf.layers.activation({ activation: options.activation, name: `activation_${index}` })
      .apply(y) as tf.SymbolicTensor;
  };
}
