/**
 * Faster gradients for the native backend, registered in place of tfjs' own (the gradient
 * registry is global, not per backend). Each checks at run time that it is on the `tensorflow`
 * backend and otherwise computes exactly what tfjs' default does, so other backends see no change.
 *
 * - ReLU: tfjs computes `dy * step(x)`, and tfjs-node runs `Step` as six TensorFlow ops over the
 *   whole activation; TensorFlow's `ReluGrad` is one op with the same result.
 * - MaxPool: oneDNN's pooling, forward and gradient, instead of TensorFlow's eager loop; see
 *   `_native_pool.ts`.
 * - BatchNormalization: TensorFlow's fused training kernels and a faster inference kernel; see
 *   `_native_batch_norm.ts`.
 * - Conv2D with a bias: oneDNN's convolution with the bias in the same pass and TensorFlow's
 *   `BiasAddGrad`; see `_native_conv.ts`.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { NativeKernelBackend } from "./_native_binding.ts";
import { registerNativeBatchNorm, useNativeBatchNorm } from "./_native_batch_norm.ts";
import { registerNativeConv, useNativeConv } from "./_native_conv.ts";
import {
  NATIVE_MAX_POOL_GRAD,
  nativeMaxPoolGradApplies,
  registerNativeMaxPool,
  useNativeMaxPool,
} from "./_native_pool.ts";

/** tfjs kernel name of TensorFlow's `ReluGrad` op on the `tensorflow` backend. */
export const NATIVE_RELU_GRAD = "FerryNativeReluGrad";

/** ReLU's gradient: the native op when on the native backend with float32, tfjs' formula otherwise. */
export function reluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (tf.getBackend() === "tensorflow" && x.dtype === "float32" && dy.dtype === "float32") {
    return tf.engine().runKernel(NATIVE_RELU_GRAD, { dy, x }) as tf.Tensor;
  }
  return tf.mul(dy, tf.cast(tf.step(x), "float32"));
}

const reluGradConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ["x"],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return { x: () => reluGrad(dy as tf.Tensor, x) };
  },
};

const maxPoolGradConfig: tf.GradConfig = {
  kernelName: tf.MaxPool,
  inputsToSave: ["x"],
  outputsToSave: [true],
  gradFunc: (dyOrList, saved, attrs) => {
    const dy = dyOrList as tf.Tensor;
    const [x, y] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolAttrs;
    return {
      x: () => {
        if (nativeMaxPoolGradApplies(x, { filterSize, strides, pad, dimRoundingMode })) {
          const poolAttrs = { filterSize, strides, pad };
          return tf.engine().runKernel(NATIVE_MAX_POOL_GRAD, { dy, x, y }, poolAttrs) as tf.Tensor;
        }
        // What tfjs' own MaxPool gradient runs.
        return tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: x, output: y }, {
          filterSize,
          strides,
          pad,
          dimRoundingMode,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
      },
    };
  },
};

const NATIVE_GRADIENTS = [reluGradConfig, maxPoolGradConfig];
const tfjsGradients = new Map<string, tf.GradConfig>();
let kernelsRegistered = false;

/**
 * Switches between ferry's native gradients, pooling, batch normalisation and convolutions
 * (`true`, what loading the native backend does) and tfjs' and tfjs-node's own (`false`), e.g. to
 * measure or compare them.
 */
export function useNativeGradients(enabled: boolean): void {
  const native = tf.findBackend("tensorflow") as unknown as NativeKernelBackend | null;
  if (!kernelsRegistered && native !== null) {
    kernelsRegistered = true;
    registerReluGradKernel();
    registerNativeMaxPool(native);
    registerNativeBatchNorm();
    registerNativeConv(native);
  }
  useNativeMaxPool(enabled);
  useNativeBatchNorm(enabled);
  useNativeConv(enabled);
  if (tfjsGradients.size === 0) {
    for (const { kernelName } of NATIVE_GRADIENTS) {
      const own = tf.getGradient(kernelName);
      if (own !== undefined) tfjsGradients.set(kernelName, own);
    }
  }
  for (const config of NATIVE_GRADIENTS) {
    const chosen = enabled ? config : tfjsGradients.get(config.kernelName);
    if (chosen !== undefined) tf.registerGradient(chosen);
  }
}

function registerReluGradKernel(): void {
  tf.registerKernel({
    kernelName: NATIVE_RELU_GRAD,
    backendName: "tensorflow",
    kernelFunc: ({ inputs, backend }) => {
      const native = backend as unknown as NativeKernelBackend;
      const { dy, x } = inputs as { dy: tf.Tensor; x: tf.Tensor };
      const t = { name: "T", type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_FLOAT };
      return native.executeSingleOutput("ReluGrad", [t], [dy, x]);
    },
  });
}
