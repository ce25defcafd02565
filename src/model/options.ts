import { FerryError } from "../errors.ts";

/** Hidden-layer activations an architecture accepts. */
export const ACTIVATIONS = ["relu", "tanh"] as const;
/** Activation of hidden layers. */
export type Activation = typeof ACTIVATIONS[number];

/** Kernel initialisers an architecture accepts (Keras names). */
export const KERNEL_INITIALIZERS = ["glorot_uniform", "he_normal", "zeros"] as const;
/** Kernel initialiser of convolution and dense layers. */
export type KernelInitializer = typeof KERNEL_INITIALIZERS[number];

/** What every architecture builder takes. */
export interface ModelOptions {
  /** Input height, width and channels (NHWC without the batch). @default [32, 32, 3] */
  inputShape: [number, number, number];
  /** Number of classes of the softmax output. @default 10 */
  numClasses: number;
  /** Activation of hidden layers. @default "relu" */
  activation: Activation;
  /** Kernel initialiser of Conv2D and Dense layers; biases start at zero. @default "glorot_uniform" */
  kernelInitializer: KernelInitializer;
  /** Dropout rate of the architecture's dropout layers. @default 0.5 */
  dropout: number;
  /** Seed of the weight initialisation; each layer derives its own from it. @default 42 */
  seed: number;
}

/** Defaults of {@linkcode ModelOptions}: the notebook's choices. */
export const MODEL_DEFAULTS: Readonly<ModelOptions> = {
  inputShape: [32, 32, 3],
  numClasses: 10,
  activation: "relu",
  kernelInitializer: "glorot_uniform",
  dropout: 0.5,
  seed: 42,
};

/** Fills in defaults and checks every field, naming the field and the value given. */
export function resolveModelOptions(options: Partial<ModelOptions> = {}): ModelOptions {
  const resolved = { ...MODEL_DEFAULTS, ...options };
  const fail = (what: string, got: unknown): never => {
    throw new FerryError("usage", `Cannot build model: ${what}, got ${JSON.stringify(got)}`);
  };
  if (!(ACTIVATIONS as readonly string[]).includes(resolved.activation)) {
    fail(`'activation' must be one of ${ACTIVATIONS.join(", ")}`, resolved.activation);
  }
  if (!(KERNEL_INITIALIZERS as readonly string[]).includes(resolved.kernelInitializer)) {
    fail(
      `'kernelInitializer' must be one of ${KERNEL_INITIALIZERS.join(", ")}`,
      resolved.kernelInitializer,
    );
  }
  if (!(resolved.dropout >= 0 && resolved.dropout < 1)) {
    fail("'dropout' must be in [0, 1)", resolved.dropout);
  }
  if (!Number.isInteger(resolved.numClasses) || resolved.numClasses < 2) {
    fail("'numClasses' must be an integer ≥ 2", resolved.numClasses);
  }
  if (!Number.isSafeInteger(resolved.seed)) fail("'seed' must be an integer", resolved.seed);
  const shape = resolved.inputShape;
  if (shape.length !== 3 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    fail("'inputShape' must be [height, width, channels] of positive integers", shape);
  }
  return resolved;
}
