import type * as tf from "@tensorflow/tfjs";
import { FerryError } from "../errors.ts";
import { buildNotebookCnn } from "./notebook_cnn.ts";
import { buildVggBn } from "./vgg_bn.ts";
import { buildResnet9Half } from "./resnet9_half.ts";
import { buildAirbench } from "./airbench.ts";
import { type ModelOptions, resolveModelOptions } from "./options.ts";

/** One registered architecture. */
export interface Architecture {
  /** Registry key, as `--architecture` takes it. */
  name: string;
  /** One line for `--help` and reports. */
  description: string;
  /** Builds a fresh, seeded, uncompiled model. */
  build(options: ModelOptions): tf.LayersModel;
}

/**
 * Layer classes the ONNX exporter maps. An architecture built from anything else could be
 * trained but not served, so {@linkcode buildModel} refuses it.
 */
export const EXPORTABLE_LAYERS: ReadonlySet<string> = new Set([
  "InputLayer",
  "Conv2D",
  "DepthwiseConv2D",
  "SeparableConv2D",
  "MaxPooling2D",
  "AveragePooling2D",
  "GlobalAveragePooling2D",
  "GlobalMaxPooling2D",
  "ZeroPadding2D",
  "Dense",
  "Flatten",
  "Dropout",
  "BatchNormalization",
  "Activation",
  "ReLU",
  "LeakyReLU",
  "ELU",
  "Softmax",
  "Add",
  "Multiply",
  "Average",
  "Maximum",
  "Minimum",
  "Concatenate",
]);

const ARCHITECTURES = new Map<string, Architecture>();

/** Adds an architecture to the registry; a second one under the same name is a programming error. */
export function registerArchitecture(architecture: Architecture): void {
  if (ARCHITECTURES.has(architecture.name)) {
    throw new Error(`Cannot register architecture '${architecture.name}': already registered`);
  }
  ARCHITECTURES.set(architecture.name, architecture);
}

/** Registered architectures, in registration order. */
export function listArchitectures(): Architecture[] {
  return [...ARCHITECTURES.values()];
}

/** Layer class names of `model` that the ONNX exporter does not map (empty when exportable). */
export function unexportableLayers(model: tf.LayersModel): string[] {
  const classes = model.layers.map((layer) => layer.getClassName());
  return [...new Set(classes.filter((name) => !EXPORTABLE_LAYERS.has(name)))];
}

/**
 * Builds the architecture `name` with `options` (defaults filled in and validated).
 *
 * @example
 * ```ts
 * import { buildModel } from "./mod.ts";
 *
 * const model = buildModel("notebook_cnn", { seed: 1 });
 * model.countParams(); // 356810
 * ```
 */
export function buildModel(name: string, options: Partial<ModelOptions> = {}): tf.LayersModel {
  const architecture = ARCHITECTURES.get(name);
  if (!architecture) {
    const known = [...ARCHITECTURES.keys()].join(", ");
    throw new FerryError(
      "usage",
      `Cannot build model: unknown architecture '${name}' (known: ${known})`,
    );
  }
  const model = architecture.build(resolveModelOptions(options));
  const bad = unexportableLayers(model);
  if (bad.length > 0) {
    model.dispose();
    throw new FerryError(
      "model",
      `Cannot build model '${name}': layers the ONNX exporter does not map: ${bad.join(", ")}`,
    );
  }
  return model;
}

registerArchitecture({
  name: "notebook_cnn",
  description: "the reference notebook's CNN (3 conv blocks, Dense 128, dropout; 356,810 params)",
  build: buildNotebookCnn,
});

registerArchitecture({
  name: "vgg_bn",
  description: "VGG-style: 3 blocks of 2 conv + BatchNorm, dropout 0.2–0.4, Dense 128 + BatchNorm",
  build: buildVggBn,
});

registerArchitecture({
  name: "resnet9_half",
  description: "ResNet-9 at half width (32–256 filters, two residual pairs, global max pool)",
  build: buildResnet9Half,
});

registerArchitecture({
  name: "airbench",
  description: "airbench94's network (24-filter prep, 64/256/256 conv pairs, global max pool)",
  build: buildAirbench,
});
