/**
 * A cheaper max-pooling gradient for the native backend. TensorFlow's CPU `MaxPoolGrad` re-runs
 * the pooling to find each window's maximum and is the slowest kernel of a training step;
 * `MaxPoolWithArgmax` + `MaxPoolGradWithArgmax` find the same positions (the first maximum of each
 * window) and scatter `dy` there, several times faster. The argmax indices are int64, which tfjs
 * cannot hold, so they stay inside TensorFlow as a raw handle between the two ops.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { NativeKernelBackend, OpAttr } from "./_native.ts";

/** tfjs kernel name of the argmax-based max-pool gradient on the `tensorflow` backend. */
export const NATIVE_MAX_POOL_GRAD = "FerryNativeMaxPoolGrad";

/** Attributes of {@linkcode NATIVE_MAX_POOL_GRAD}: tfjs' MaxPool attributes. */
export interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: "valid" | "same";
}

/** Registers the kernel for the `tensorflow` backend. */
export function registerNativeMaxPoolGrad(): void {
  tf.registerKernel({
    kernelName: NATIVE_MAX_POOL_GRAD,
    backendName: "tensorflow",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const native = backend as unknown as NativeKernelBackend;
      const { dy, x } = inputs as { dy: tf.Tensor; x: tf.Tensor4D };
      const { filterSize, strides, pad } = attrs as unknown as MaxPoolGradAttrs;
      const info = tf.backend_util.computePool2DInfo(x.shape, filterSize, strides, 1, pad);
      const b = native.binding;
      const opAttrs: OpAttr[] = [
        { name: "T", type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
        { name: "Targmax", type: b.TF_ATTR_TYPE, value: b.TF_INT64 },
        { name: "ksize", type: b.TF_ATTR_INT, value: [1, info.filterHeight, info.filterWidth, 1] },
        {
          name: "strides",
          type: b.TF_ATTR_INT,
          value: [1, info.strideHeight, info.strideWidth, 1],
        },
        { name: "padding", type: b.TF_ATTR_STRING, value: pad.toUpperCase() },
        { name: "include_batch_in_index", type: b.TF_ATTR_BOOL, value: false },
      ];
      const [xId, dyId] = native.getInputTensorIds([x, dy]) as [number, number];
      const [pooled, argmax] = b.executeOp("MaxPoolWithArgmax", opAttrs, [xId], 2);
      b.deleteTensor(pooled!.id);
      try {
        const [dx] = b.executeOp("MaxPoolGradWithArgmax", opAttrs, [xId, dyId, argmax!.id], 1);
        return native.createOutputTensor(dx!);
      } finally {
        b.deleteTensor(argmax!.id);
      }
    },
  });
}

/** Whether the native kernel computes this pooling's gradient exactly like tfjs' MaxPoolGrad. */
export function nativeMaxPoolGradApplies(
  x: tf.Tensor,
  attrs: { dimRoundingMode?: unknown; pad?: unknown },
): boolean {
  return tf.getBackend() === "tensorflow" && x.dtype === "float32" && x.rank === 4 &&
    attrs.dimRoundingMode == null && (attrs.pad === "valid" || attrs.pad === "same");
}
