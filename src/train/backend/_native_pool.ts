/**
 * Max pooling through oneDNN on the native backend. TensorFlow's eager CPU `MaxPoolGrad` re-runs
 * the pooling with a scalar loop to find each window's maximum and was the slowest kernel of a
 * training step after the convolutions (about 18 ms of CPU per step for the notebook's CNN).
 * Keras does not pay this: in its graphs TensorFlow swaps in oneDNN's pooling, whose forward pass
 * leaves a workspace of argmax positions for the backward pass. Eagerly, the same oneDNN kernels
 * run when asked for by name (`_MklNativeMaxPool`, `_MklNativeMaxPoolGrad`, with the `_kernel`
 * label their registrations require). The forward pass runs through oneDNN too (cheaper than
 * Eigen's, same maxima) and keeps its workspace for the gradient, keyed by the output tensor; a
 * gradient whose workspace is gone recomputes it. Both pick the first maximum of each window, so
 * gradients are identical for non-overlapping windows, and equal up to float summation order
 * where windows overlap. A TensorFlow built without oneDNN lacks these kernels: then tfjs-node's
 * MaxPool and tfjs' MaxPoolGrad run.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { NativeKernelBackend, OpAttr } from "./_native_binding.ts";

/** tfjs kernel name of the oneDNN max-pool gradient on the `tensorflow` backend. */
export const NATIVE_MAX_POOL_GRAD = "FerryNativeMaxPoolGrad";

/** tfjs' MaxPool attributes. */
interface PoolAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: tf.MaxPoolAttrs["pad"];
  dimRoundingMode?: string;
}

/**
 * Workspaces of forward passes recorded for a gradient, by output tensor, oldest first. The
 * gradient uses each once and deletes it; should a gradient never come, only the newest few stay.
 */
const workspaces = new Map<object, number>();
const MAX_WORKSPACES = 8;

let tfjsNodeMaxPool: tf.KernelConfig | undefined;
let oneDnnMaxPool: tf.KernelConfig | undefined;

function oneDnnAttrs(native: NativeKernelBackend, x: tf.Tensor4D, a: PoolAttrs): OpAttr[] {
  const info = tf.backend_util.computePool2DInfo(x.shape, a.filterSize, a.strides, 1, a.pad);
  const b = native.binding;
  return [
    { name: "T", type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
    { name: "ksize", type: b.TF_ATTR_INT, value: [1, info.filterHeight, info.filterWidth, 1] },
    { name: "strides", type: b.TF_ATTR_INT, value: [1, info.strideHeight, info.strideWidth, 1] },
    { name: "padding", type: b.TF_ATTR_STRING, value: String(a.pad).toUpperCase() },
    { name: "data_format", type: b.TF_ATTR_STRING, value: "NHWC" },
    { name: "workspace_enabled", type: b.TF_ATTR_BOOL, value: true },
    // oneDNN's kernels are registered under this label, for the graph rewrite that renames ops.
    { name: "_kernel", type: b.TF_ATTR_STRING, value: "MklNameChangeOp" },
  ];
}

/** Whether oneDNN computes this pooling exactly as tfjs specifies it. */
function applies(x: tf.TensorInfo, attrs: PoolAttrs): boolean {
  return x.dtype === "float32" && x.shape.length === 4 && attrs.dimRoundingMode == null &&
    (attrs.pad === "valid" || attrs.pad === "same");
}

/** The pooled output (a tfjs tensor) and its workspace (a TensorFlow handle id). */
function poolWithWorkspace(
  native: NativeKernelBackend,
  x: tf.Tensor4D,
  attrs: PoolAttrs,
): [tf.Tensor, number] {
  const [xId] = native.getInputTensorIds([x]) as [number];
  const [y, workspace] = native.binding.executeOp(
    "_MklNativeMaxPool",
    oneDnnAttrs(native, x, attrs),
    [xId],
    2,
  );
  return [native.createOutputTensor(y!), workspace!.id];
}

function keepWorkspace(native: NativeKernelBackend, y: tf.Tensor, workspace: number): void {
  workspaces.set(y.dataId, workspace);
  for (const [dataId, oldest] of workspaces) {
    if (workspaces.size <= MAX_WORKSPACES) break;
    native.binding.deleteTensor(oldest);
    workspaces.delete(dataId);
  }
}

function maxPoolGrad(
  native: NativeKernelBackend,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  dy: tf.Tensor,
  attrs: PoolAttrs,
): tf.Tensor {
  let workspace = workspaces.get(y.dataId);
  workspaces.delete(y.dataId);
  if (workspace === undefined) {
    const [again, fresh] = poolWithWorkspace(native, x, attrs);
    again.dispose();
    workspace = fresh;
  }
  const ids = native.getInputTensorIds([x, y, dy]);
  try {
    const [dx] = native.binding.executeOp(
      "_MklNativeMaxPoolGrad",
      oneDnnAttrs(native, x, attrs),
      [...ids, workspace],
      1,
    );
    return native.createOutputTensor(dx!);
  } finally {
    native.binding.deleteTensor(workspace);
  }
}

/**
 * Registers the oneDNN pooling kernels for the `tensorflow` backend if this TensorFlow has them
 * (checked on a 2×2 image); returns whether it does.
 */
export function registerNativeMaxPool(native: NativeKernelBackend): boolean {
  const attrs: PoolAttrs = { filterSize: 2, strides: 2, pad: "valid" };
  try {
    tf.tidy(() => {
      const x = tf.tensor4d([1, 3, 2, 0], [1, 2, 2, 1]);
      const [y, workspace] = poolWithWorkspace(native, x, attrs);
      keepWorkspace(native, y, workspace);
      const dx = maxPoolGrad(native, x, y as tf.Tensor4D, tf.ones([1, 1, 1, 1]), attrs);
      if (dx.dataSync().join() !== "0,1,0,0") throw new Error("unexpected oneDNN pooling gradient");
    });
  } catch {
    return false;
  }
  tfjsNodeMaxPool = tf.getKernel(tf.MaxPool, "tensorflow");
  if (tfjsNodeMaxPool === undefined) return false;
  const fallback = tfjsNodeMaxPool.kernelFunc;
  oneDnnMaxPool = {
    kernelName: tf.MaxPool,
    backendName: "tensorflow",
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.Tensor4D };
      const attrs = args.attrs as unknown as PoolAttrs;
      if (!applies(x, attrs)) return fallback(args);
      const native = args.backend as unknown as NativeKernelBackend;
      const [y, workspace] = poolWithWorkspace(native, x, attrs);
      // Only a pass recorded for a gradient (inside tf.grad, variableGrads, minimize) needs it.
      if (tf.engine().state.gradientDepth > 0) keepWorkspace(native, y, workspace);
      else native.binding.deleteTensor(workspace);
      return y;
    },
  };
  tf.registerKernel({
    kernelName: NATIVE_MAX_POOL_GRAD,
    backendName: "tensorflow",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, x, y } = inputs as { dy: tf.Tensor; x: tf.Tensor4D; y: tf.Tensor4D };
      const native = backend as unknown as NativeKernelBackend;
      return maxPoolGrad(native, x, y, dy, attrs as unknown as PoolAttrs);
    },
  });
  return true;
}

/** Switches the MaxPool forward kernel between oneDNN's (`true`) and tfjs-node's own. */
export function useNativeMaxPool(enabled: boolean): void {
  const chosen = enabled ? oneDnnMaxPool : tfjsNodeMaxPool;
  if (chosen === undefined) return;
  tf.unregisterKernel(tf.MaxPool, "tensorflow");
  tf.registerKernel(chosen);
}

/** Whether the oneDNN kernel computes this pooling's gradient (else tfjs' MaxPoolGrad does). */
export function nativeMaxPoolGradApplies(x: tf.Tensor, attrs: PoolAttrs): boolean {
  return oneDnnMaxPool !== undefined && tf.getBackend() === "tensorflow" && applies(x, attrs);
}
