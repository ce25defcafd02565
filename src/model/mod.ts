/**
 * Model architectures (a registry, the notebook's CNN first), their options, Keras-like
 * summaries and saving/loading of tfjs Layers models as plain files.
 *
 * @module
 */
export {
  type Architecture,
  buildModel,
  EXPORTABLE_LAYERS,
  listArchitectures,
  registerArchitecture,
  unexportableLayers,
} from "./registry.ts";
export {
  type Activation,
  ACTIVATIONS,
  KERNEL_INITIALIZERS,
  type KernelInitializer,
  MODEL_DEFAULTS,
  type ModelOptions,
  resolveModelOptions,
} from "./options.ts";
export { formatSummary, type ModelSummary, modelSummary, type SummaryRow } from "./summary.ts";
export { loadModel, MODEL_FILES, saveModel, weightBytes } from "./io.ts";
export { buildNotebookCnn } from "./notebook_cnn.ts";
export { buildVggBn } from "./vgg_bn.ts";
