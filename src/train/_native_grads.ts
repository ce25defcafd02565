/**
 * Faster gradients for the native backend. tfjs differentiates ReLU as `dy * step(x)`, and
 * tfjs-node runs `Step` as six TensorFlow ops over the whole activation; TensorFlow's own
 * `ReluGrad` is one op with the same result (dy where x > 0, else 0). On other backends the
 * gradient is tfjs' own formula, so registering it changes nothing there.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { NativeKernelBackend } from "./_native.ts";

/** tfjs kernel name of TensorFlow's `ReluGrad` op on the `tensorflow` backend. */
export const NATIVE_RELU_GRAD = "FerryNativeReluGrad";

let registered = false;

/** Registers the native ReLU gradient once per process (the gradient registry is global). */
export function registerNativeGradients(): void {
  if (registered) return;
  registered = true;
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
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: ["x"],
    gradFunc: (dy, saved) => {
      const [x] = saved as [tf.Tensor];
      const dyTensor = dy as tf.Tensor;
      return { x: () => reluGrad(dyTensor, x) };
    },
  });
}

/** ReLU's gradient: the native op when on the native backend with float32, tfjs' formula otherwise. */
export function reluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (tf.getBackend() === "tensorflow" && x.dtype === "float32" && dy.dtype === "float32") {
    return tf.engine().runKernel(NATIVE_RELU_GRAD, { dy, x }) as tf.Tensor;
  }
  return tf.mul(dy, tf.cast(tf.step(x), "float32"));
}
