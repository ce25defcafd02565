/**
 * Batch normalisation through TensorFlow's fused kernels on the native backend.
 *
 * tfjs-layers trains a BatchNormalization layer as `moments` (mean, squared difference, mean) and
 * then tfjs' batchNorm op, which tfjs-node runs as TensorFlow's inference-mode `FusedBatchNorm`,
 * and differentiates all of it op by op. TensorFlow's CPU kernel for inference mode is a slow
 * scalar path (about 78 ms for a 128×32×32×64 batch, against 4 ms for the same normalisation in
 * training mode), and the op-by-op gradient is some twenty element-wise passes. For the airbench
 * network that was about a third of a training step. Here a training-mode layer runs one
 * `FusedBatchNormV3` (output, batch mean and variance) and its gradient one
 * `FusedBatchNormGradV3`; inference runs `(x − mean)·(γ/√(var + ε)) + β` as three passes.
 * The results equal tfjs' to float rounding (sums taken in another order), the moving averages
 * are updated with tfjs-layers' own formula from the same biased batch variance, and every case
 * the fused kernels do not cover (other backends, axes, dtypes, missing γ or β) runs tfjs' code.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { NativeKernelBackend, OpAttr } from "./_native_binding.ts";
import { type LayerCall, layerPrototype, type LayerVariable, singleInput } from "./_layer_patch.ts";

/** The part of tfjs-layers' BatchNormalization layer that the fused training path uses. */
interface BatchNormLayer {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma?: LayerVariable;
  beta?: LayerVariable;
  movingMean: LayerVariable;
  movingVariance: LayerVariable;
  call: LayerCall;
}

let prototype: BatchNormLayer | undefined;
let tfjsLayerCall: LayerCall | undefined;
let tfjsNodeKernel: tf.KernelConfig | undefined;
let fusedKernel: tf.KernelConfig | undefined;

function attrs(native: NativeKernelBackend, epsilon: number): OpAttr[] {
  const b = native.binding;
  return [
    { name: "T", type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
    { name: "U", type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
    { name: "epsilon", type: b.TF_ATTR_FLOAT, value: epsilon },
    { name: "data_format", type: b.TF_ATTR_STRING, value: "NHWC" },
    { name: "is_training", type: b.TF_ATTR_BOOL, value: true },
  ];
}

/**
 * Normalises `x` by its batch statistics over all axes but the last, with a gradient for x,
 * γ and β from TensorFlow's one fused op; also returns the batch mean and biased variance (kept:
 * the caller disposes them).
 */
function fusedNormalise(
  native: NativeKernelBackend,
  x: tf.Tensor4D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  let stats: [tf.Tensor, tf.Tensor] | undefined;
  const normalise = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, scale, offset, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const none = tf.tensor1d([], "float32");
    // Outputs: y, running-average mean and (Bessel-corrected) variance, then the batch mean,
    // the biased batch variance and a reserve the gradient op takes back. Those not used here
    // are freed with customGrad's scope.
    const [y, , , mean, variance, reserve] = native.executeMultipleOutputs(
      "FusedBatchNormV3",
      attrs(native, epsilon),
      [input, scale, offset, none, none],
      6,
    ) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    save([input, scale, mean, variance, reserve]);
    stats = [tf.keep(mean.clone()), tf.keep(variance.clone())];
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sScale, sMean, sVariance, sReserve] = saved as tf.Tensor[];
        // Outputs: the gradients of x, γ and β, then two reserves (freed with the backward scope).
        return native.executeMultipleOutputs(
          "FusedBatchNormGradV3",
          attrs(native, epsilon),
          [dy as tf.Tensor, sx!, sScale!, sMean!, sVariance!, sReserve!],
          5,
        ).slice(0, 3);
      },
    };
  });
  const y = normalise(x, gamma, beta);
  const [mean, variance] = stats!;
  return { y, mean, variance };
}

/** Whether the fused kernels compute this layer's training step exactly as tfjs-layers does. */
function fusedApplies(layer: BatchNormLayer, input: tf.Tensor): input is tf.Tensor4D {
  return tf.getBackend() === "tensorflow" && input.rank === 4 && input.dtype === "float32" &&
    (layer.axis === -1 || layer.axis === 3) && layer.gamma !== undefined &&
    layer.beta !== undefined;
}

/** tfjs-layers' moving average, the same ops in the same order. */
function moveAverage(variable: LayerVariable, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const previous = variable.read();
    variable.write(tf.sub(previous, tf.mul(tf.sub(previous, value), 1 - momentum)));
  });
}

function fusedLayerCall(
  this: BatchNormLayer,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown>,
): tf.Tensor | tf.Tensor[] {
  const input = singleInput(inputs);
  if (kwargs?.["training"] !== true || input === undefined || !fusedApplies(this, input)) {
    return tfjsLayerCall!.call(this, inputs, kwargs);
  }
  const native = tf.backend() as unknown as NativeKernelBackend;
  const { y, mean, variance } = fusedNormalise(
    native,
    input,
    this.gamma!.read(),
    this.beta!.read(),
    this.epsilon,
  );
  try {
    moveAverage(this.movingMean, mean, this.momentum);
    moveAverage(this.movingVariance, variance, this.momentum);
  } finally {
    tf.dispose([mean, variance]);
  }
  return y;
}

/** Inference with given statistics: tfjs-node's `FusedBatchNorm` kernel, in three passes. */
function inferenceKernel(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, mean, variance, scale, offset } = args.inputs as Record<string, tf.Tensor>;
    if (x!.dtype !== "float32" || mean!.rank > 1 || variance!.rank > 1) return fallback(args);
    const { varianceEpsilon } = args.attrs as unknown as tf.FusedBatchNormAttrs;
    return tf.tidy(() => {
      let factor = tf.rsqrt(tf.add(variance!, varianceEpsilon));
      if (scale !== undefined) factor = tf.mul(factor, scale);
      const normalised = tf.mul(tf.sub(x!, mean!), factor);
      return offset === undefined ? normalised : tf.add(normalised, offset);
    });
  };
}

/**
 * Prepares the fused batch normalisation for the `tensorflow` backend (once); the layers use it
 * while {@linkcode useNativeBatchNorm} says so.
 */
export function registerNativeBatchNorm(): void {
  if (tfjsLayerCall !== undefined) return;
  prototype = layerPrototype<BatchNormLayer>("BatchNormalization");
  if (prototype === undefined) return;
  tfjsLayerCall = prototype.call;
  tfjsNodeKernel = tf.getKernel(tf.FusedBatchNorm, "tensorflow");
  if (tfjsNodeKernel !== undefined) {
    fusedKernel = { ...tfjsNodeKernel, kernelFunc: inferenceKernel(tfjsNodeKernel.kernelFunc) };
  }
}

/** Switches batch normalisation between the fused kernels (`true`) and tfjs' own. */
export function useNativeBatchNorm(enabled: boolean): void {
  if (prototype === undefined || tfjsLayerCall === undefined) return;
  prototype.call = enabled ? fusedLayerCall : tfjsLayerCall;
  const kernel = enabled ? fusedKernel : tfjsNodeKernel;
  if (kernel === undefined) return;
  tf.unregisterKernel(tf.FusedBatchNorm, "tensorflow");
  tf.registerKernel(kernel);
}
