/**
 * The backends ferry trains on: native TensorFlow through tfjs-node (with ferry's faster
 * gradients, pooling and fused Adam), else WebAssembly with ferry's training kernels, else tfjs'
 * JavaScript cpu backend. {@linkcode initBackend} chooses one and says why.
 *
 * @module
 */
export { BACKEND_CHOICES, type BackendChoice, type BackendInfo, initBackend } from "./init.ts";

/**
 * Switches the native backend's faster ReLU and max-pool gradients on (what {@linkcode initBackend}
 * does when native TensorFlow loads) or back to tfjs' own, e.g. to compare the two. Both give
 * identical gradients; on other backends the switch changes nothing.
 */
export { useNativeGradients } from "./_native_grads.ts";

/**
 * Keras' Adam on the native backend through TensorFlow's fused `ResourceApplyAdam` (about a
 * quarter of tfjs Adam's time per step); checkpoints are interchangeable with `tf.train.adam`'s.
 */
export { NativeAdamOptimizer } from "./_native_adam.ts";
