import * as tf from "@tensorflow/tfjs";
import type { KernelInitializer, ModelOptions } from "./options.ts";

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
        return tf.initializers.heNormal({ seed });
      case "zeros":
        return tf.initializers.zeros();
    }
  }
}
