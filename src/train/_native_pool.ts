/**
 * A cheaper max-pooling gradient for the native backend. TensorFlow's eager CPU `MaxPoolGrad`
 * re-runs the pooling with a scalar loop to find each window's maximum and was the slowest kernel
 * of a training step after the convolutions (about 18 ms of CPU per step for the notebook's CNN).
 * Keras does not pay this: in its graphs TensorFlow swaps in oneDNN's pooling, which keeps a
 * workspace of argmax positions from the forward pass. Eagerly, the same oneDNN kernels run when
 * asked for by name (`_MklNativeMaxPool`, `_MklNativeMaxPoolGrad`, with the `_kernel` label their
 * registrations require): recomputing the forward pass for its workspace plus the scatter costs
 * about a fifth. Both pick the first maximum of each window, so the gradients are identical for
 * non-overlapping windows, and equal up to float summation order where windows overlap. A
 * TensorFlow built without oneDNN lacks these kernels: then tfjs' own MaxPoolGrad runs.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { NativeKernelBackend, OpAttr } from "./_native.ts";

/** tfjs kernel name of the oneDNN max-pool gradient on the `tensorflow` backend. */
export const NATIVE_MAX_POOL_GRAD = "FerryNativeMaxPoolGrad";

/** Attributes of {@linkcode NATIVE_MAX_POOL_GRAD}: tfjs' MaxPool attributes. */
export interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: "valid" | "same";
}

let available = false;

function oneDnnAttrs(native: NativeKernelBackend, x: tf.Tensor4D, a: MaxPoolGradAttrs): OpAttr[] {
  const info = tf.backend_util.computePool2DInfo(x.shape, a.filterSize, a.strides, 1, a.pad);
  const b = native.binding;
  return [
    { name: "T", type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
    { name: "ksize", type: b.TF_ATTR_INT, value: [1, info.filterHeight, info.filterWidth, 1] },
    { name: "strides", type: b.TF_ATTR_INT, value: [1, info.strideHeight, info.strideWidth, 1] },
    { name: "padding", type: b.TF_ATTR_STRING, value: a.pad.toUpperCase() },
    { name: "data_format", type: b.TF_ATTR_STRING, value: "NHWC" },
    { name: "workspace_enabled", type: b.TF_ATTR_BOOL, value: true },
    // oneDNN's kernels are registered under this label, for the graph rewrite that renames ops.
    { name: "_kernel", type: b.TF_ATTR_STRING, value: "MklNameChangeOp" },
  ];
}

/** dx of max pooling through oneDNN: forward again for the argmax workspace, then scatter dy. */
function oneDnnMaxPoolGrad(
  native: NativeKernelBackend,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  dy: tf.Tensor,
  attrs: MaxPoolGradAttrs,
): tf.Tensor {
  const opAttrs = oneDnnAttrs(native, x, attrs);
  const b = native.binding;
  const [xId, yId, dyId] = native.getInputTensorIds([x, y, dy]) as [number, number, number];
  const [pooled, workspace] = b.executeOp("_MklNativeMaxPool", opAttrs, [xId], 2);
  try {
    const [dx] = b.executeOp("_MklNativeMaxPoolGrad", opAttrs, [xId, yId, dyId, workspace!.id], 1);
    return native.createOutputTensor(dx!);
  } finally {
    b.deleteTensor(pooled!.id);
    b.deleteTensor(workspace!.id);
  }
}

/**
 * Registers the kernel for the `tensorflow` backend if this TensorFlow has oneDNN's pooling
 * (checked on a 2×2 image); returns whether it does.
 */
export function registerNativeMaxPoolGrad(native: NativeKernelBackend): boolean {
  const attrs: MaxPoolGradAttrs = { filterSize: 2, strides: 2, pad: "valid" };
  try {
    tf.tidy(() => {
      const x = tf.tensor4d([1, 3, 2, 0], [1, 2, 2, 1]);
      const dx = oneDnnMaxPoolGrad(
        native,
        x,
        tf.maxPool(x, 2, 2, "valid"),
        tf.ones([1, 1, 1, 1]),
        attrs,
      );
      if (dx.dataSync().join() !== "0,1,0,0") throw new Error("unexpected oneDNN pooling gradient");
    });
  } catch {
    return false;
  }
  tf.registerKernel({
    kernelName: NATIVE_MAX_POOL_GRAD,
    backendName: "tensorflow",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, x, y } = inputs as { dy: tf.Tensor; x: tf.Tensor4D; y: tf.Tensor4D };
      const a = attrs as unknown as MaxPoolGradAttrs;
      return oneDnnMaxPoolGrad(backend as unknown as NativeKernelBackend, x, y, dy, a);
    },
  });
  available = true;
  return true;
}

/** Whether the oneDNN kernel computes this pooling's gradient (else tfjs' MaxPoolGrad does). */
export function nativeMaxPoolGradApplies(
  x: tf.Tensor,
  attrs: { dimRoundingMode?: unknown; pad?: unknown },
): boolean {
  return available && tf.getBackend() === "tensorflow" && x.dtype === "float32" && x.rank === 4 &&
    attrs.dimRoundingMode == null && (attrs.pad === "valid" || attrs.pad === "same");
}
