/**
 * 2-D convolutions with a bias through oneDNN's convolution-with-bias kernel on the native backend.
 *
 * A tfjs-layers Conv2D with a bias and an activation runs as three TensorFlow ops while gradients
 * are recorded (convolution, bias add, activation: tfjs fuses them only for inference, and
 * tfjs-node's fused kernel runs the same three), and tfjs takes the bias gradient as a sum over
 * three axes and a reshape. Keras' graphs get oneDNN's convolution with the bias added in the same
 * pass, and TensorFlow's `BiasAddGrad`. For the notebook's three convolutions at batch 64 that is
 * about 1.7 ms less forward and 0.8 ms less for the bias gradients per step. The input and kernel
 * gradients are tfjs' own Conv2D gradient; the activation is applied after, as tfjs-layers does.
 * Layers outside what the kernel computes exactly as tfjs (no bias, dilation, channels-first,
 * other dtypes or backends) run tfjs-layers' own code, and so does a TensorFlow without oneDNN.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { NativeKernelBackend, OpAttr } from "./_native_binding.ts";
import { type LayerCall, layerPrototype, type LayerVariable, singleInput } from "./_layer_patch.ts";

/** tfjs kernel name of oneDNN's convolution with bias on the `tensorflow` backend. */
export const NATIVE_CONV_WITH_BIAS = "FerryNativeConv2DWithBias";

/** The part of tfjs-layers' Conv2D layer that the fused path uses. */
interface ConvLayer {
  rank: number;
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number[];
  kernel: LayerVariable;
  bias?: LayerVariable | null;
  activation: { apply(x: tf.Tensor): tf.Tensor };
  call: LayerCall;
}

/** The attributes the kernel takes: tfjs' Conv2D attributes, NHWC and undilated. */
interface ConvAttrs {
  strides: [number, number];
  pad: "same" | "valid";
  dataFormat: "NHWC";
  dilations: [number, number];
}

let prototype: ConvLayer | undefined;
let tfjsLayerCall: LayerCall | undefined;

function convWithBias(
  native: NativeKernelBackend,
  x: tf.Tensor,
  filter: tf.Tensor,
  bias: tf.Tensor,
  attrs: ConvAttrs,
): tf.Tensor {
  const b = native.binding;
  const opAttrs: OpAttr[] = [
    { name: "T", type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
    { name: "strides", type: b.TF_ATTR_INT, value: [1, ...attrs.strides, 1] },
    { name: "padding", type: b.TF_ATTR_STRING, value: attrs.pad.toUpperCase() },
    { name: "data_format", type: b.TF_ATTR_STRING, value: "NHWC" },
    { name: "dilations", type: b.TF_ATTR_INT, value: [1, 1, 1, 1] },
    // oneDNN's kernels are registered under this label, for the graph rewrite that renames ops.
    { name: "_kernel", type: b.TF_ATTR_STRING, value: "MklNameChangeOp" },
  ];
  return native.executeSingleOutput("_MklNativeConv2DWithBias", opAttrs, [x, filter, bias]);
}

function biasGradient(dy: tf.Tensor): tf.Tensor {
  const native = tf.backend() as unknown as NativeKernelBackend;
  const b = native.binding;
  return native.executeSingleOutput("BiasAddGrad", [
    { name: "T", type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
    { name: "data_format", type: b.TF_ATTR_STRING, value: "NHWC" },
  ], [dy]);
}

function applies(layer: ConvLayer, input: tf.Tensor): boolean {
  return tf.getBackend() === "tensorflow" && layer.rank === 2 && input.rank === 4 &&
    input.dtype === "float32" && layer.bias != null && layer.dataFormat === "channelsLast" &&
    layer.dilationRate.every((d) => d === 1) &&
    (layer.padding === "same" || layer.padding === "valid");
}

function fusedLayerCall(
  this: ConvLayer,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown>,
): tf.Tensor | tf.Tensor[] {
  const input = singleInput(inputs);
  if (input === undefined || !applies(this, input)) {
    return tfjsLayerCall!.call(this, inputs, kwargs);
  }
  const attrs: ConvAttrs = {
    strides: [this.strides[0]!, this.strides[1]!],
    pad: this.padding as ConvAttrs["pad"],
    dataFormat: "NHWC",
    dilations: [1, 1],
  };
  return tf.tidy(() => {
    const y = tf.engine().runKernel(
      NATIVE_CONV_WITH_BIAS,
      { x: input, filter: this.kernel.read(), bias: this.bias!.read() },
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor;
    return this.activation.apply(y);
  });
}

/**
 * Registers the kernel and its gradient for the `tensorflow` backend if this TensorFlow has
 * oneDNN's kernel (checked on a 2×2 image); returns whether it does.
 */
export function registerNativeConv(native: NativeKernelBackend): boolean {
  if (tfjsLayerCall !== undefined) return true;
  const attrs: ConvAttrs = { strides: [1, 1], pad: "valid", dataFormat: "NHWC", dilations: [1, 1] };
  try {
    const sum = tf.tidy(() => {
      const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
      const y = convWithBias(native, x, tf.ones([2, 2, 1, 1]), tf.tensor1d([0.5]), attrs);
      return y.dataSync()[0];
    });
    if (sum !== 10.5) return false;
  } catch {
    return false;
  }
  const tfjsConvGradient = tf.getGradient(tf.Conv2D);
  prototype = layerPrototype<ConvLayer>("Conv2D");
  if (tfjsConvGradient === undefined || prototype === undefined) return false;
  tf.registerKernel({
    kernelName: NATIVE_CONV_WITH_BIAS,
    backendName: "tensorflow",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, filter, bias } = inputs as Record<string, tf.Tensor>;
      const native = backend as unknown as NativeKernelBackend;
      return convWithBias(native, x!, filter!, bias!, attrs as unknown as ConvAttrs);
    },
  });
  tf.registerGradient({
    kernelName: NATIVE_CONV_WITH_BIAS,
    inputsToSave: ["x", "filter"],
    gradFunc: (dy, saved, attrs) => ({
      ...tfjsConvGradient.gradFunc(dy, saved, attrs),
      bias: () => biasGradient(dy as tf.Tensor),
    }),
  });
  tfjsLayerCall = prototype.call;
  return true;
}

/** Switches Conv2D layers between oneDNN's convolution with bias (`true`) and tfjs' own ops. */
export function useNativeConv(enabled: boolean): void {
  if (prototype === undefined || tfjsLayerCall === undefined) return;
  prototype.call = enabled ? fusedLayerCall : tfjsLayerCall;
}
