/**
 * Training kernels for tfjs' WebAssembly backend. As shipped (4.22) it has no
 * `Conv2DBackpropFilter`, its `Conv2DBackpropInput` is a naive loop, and its `BatchMatMul` runs
 * XNNPACK only when neither operand is transposed (a dense layer's gradients transpose one),
 * falling back to a scalar triple loop otherwise. Each kernel here reshapes the work into one
 * untransposed matrix product, which the backend hands to XNNPACK (SIMD), plus a pass of data
 * movement (im2col, col2im, a 2-D transpose) in JavaScript on views of the wasm heap.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { FerryError } from "../errors.ts";
import { col2im, im2colTransposed, transpose2d } from "./_wasm_im2col.ts";
import { maxPoolGrad as maxPoolGradInto } from "./_wasm_pool.ts";

type Info = tf.TensorInfo;
interface Args {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: tf.NamedAttrMap;
}
type Kernel = (args: Args) => Info;

const BACKEND = "wasm";
/** The kernels this file replaces, as the wasm backend registered them. */
const originals = new Map<string, tf.KernelConfig>();

function heap(backend: BackendWasm, info: Info): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** `a` (m×k) times `b` (k×n) through the backend's own XNNPACK path; the caller disposes. */
function matMul(backend: BackendWasm, a: Info, b: Info, m: number, k: number, n: number): Info {
  const original = originals.get("BatchMatMul")!.kernelFunc as unknown as Kernel;
  return original({
    inputs: {
      a: { dataId: a.dataId, shape: [1, m, k], dtype: "float32" },
      b: { dataId: b.dataId, shape: [1, k, n], dtype: "float32" },
    },
    backend,
    attrs: { transposeA: false, transposeB: false },
  });
}

function geometry(
  xShape: number[],
  filterShape: number[],
  attrs: tf.NamedAttrMap,
  kernel: string,
): tf.backend_util.Conv2DInfo {
  if (attrs.dataFormat === "NCHW") {
    throw new FerryError("training", `Cannot run ${kernel} on wasm: NCHW data is not supported`);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as "same",
    attrs.dimRoundingMode as "floor" | undefined,
  );
}

/** dW[kh,kw,ci,co] = Σ patches(x)ᵀ · dy, as (KH·KW·Cin × P) · (P × Cout), P = N·OH·OW. */
const conv2DBackpropFilter: Kernel = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const filterShape = attrs.filterShape as number[];
  const g = geometry(x.shape, filterShape, attrs, "Conv2DBackpropFilter");
  const rows = g.filterHeight * g.filterWidth * g.inChannels;
  const columns = g.batchSize * g.outHeight * g.outWidth;
  const patches = backend.makeOutput([rows, columns], "float32");
  im2colTransposed(heap(backend, x), g, heap(backend, patches));
  const out = matMul(backend, patches, dy, rows, columns, filterShape[3]!);
  backend.disposeData(patches.dataId);
  return { dataId: out.dataId, shape: filterShape, dtype: "float32" };
};

/** dx = col2im(dy · Wᵀ), with dy as (P × Cout) and W as (KH·KW·Cin × Cout). */
const conv2DBackpropInput: Kernel = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const inputShape = attrs.inputShape as number[];
  const g = geometry(inputShape, filter.shape, attrs, "Conv2DBackpropInput");
  const rows = g.filterHeight * g.filterWidth * g.inChannels;
  const outChannels = filter.shape[3]!;
  const columns = g.batchSize * g.outHeight * g.outWidth;
  const filterT = backend.makeOutput([outChannels, rows], "float32");
  transpose2d(heap(backend, filter), rows, outChannels, heap(backend, filterT));
  const patchGrads = matMul(backend, dy, filterT, columns, outChannels, rows);
  backend.disposeData(filterT.dataId);
  const dx = backend.makeOutput(inputShape, "float32");
  // Views are taken after the last allocation: growing the wasm memory detaches older ones.
  col2im(heap(backend, patchGrads), g, heap(backend, dx));
  backend.disposeData(patchGrads.dataId);
  return dx;
};

/** A copy of `x` with its last two axes swapped, when they are to be read transposed. */
function swapLastTwo(backend: BackendWasm, x: Info): Info {
  const shape = x.shape.slice();
  const [r, c] = shape.splice(-2, 2) as [number, number];
  const out = backend.makeOutput([...shape, c, r], "float32");
  transpose2d(heap(backend, x), r, c, heap(backend, out));
  return out;
}

/** Materialises operands read transposed so that the product takes the XNNPACK path. */
const batchMatMul: Kernel = (args) => {
  const original = originals.get("BatchMatMul")!.kernelFunc as unknown as Kernel;
  const { a, b } = args.inputs as { a: Info; b: Info };
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const single = (t: Info) => t.shape.slice(0, -2).every((d) => d === 1);
  if ((!transposeA && !transposeB) || !single(a) || !single(b) || a.dtype !== "float32") {
    return original(args);
  }
  const { backend } = args;
  const a2 = transposeA ? swapLastTwo(backend, a) : a;
  const b2 = transposeB ? swapLastTwo(backend, b) : b;
  const out = original({
    inputs: { a: a2, b: b2 },
    backend,
    attrs: { transposeA: false, transposeB: false },
  });
  if (a2 !== a) backend.disposeData(a2.dataId);
  if (b2 !== b) backend.disposeData(b2.dataId);
  return out;
};

/** Max-pooling's gradient, NHWC; `output` (the pooled maxima) is not needed. */
const maxPoolGrad: Kernel = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: Info; input: Info };
  const g = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize as [number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as "same",
    attrs.dimRoundingMode as "floor" | undefined,
  );
  const dx = backend.makeOutput(input.shape, "float32");
  maxPoolGradInto(heap(backend, input), heap(backend, dy), g, heap(backend, dx));
  return dx;
};

const REPLACEMENTS: Record<string, Kernel> = {
  MaxPoolGrad: maxPoolGrad,
  Conv2DBackpropFilter: conv2DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  BatchMatMul: batchMatMul,
};

/**
 * Registers ferry's training kernels for the `wasm` backend, replacing the shipped ones where
 * they exist. Call after `tf.setBackend("wasm")` resolved (the shipped kernels this delegates
 * to are set up then); calling again does nothing.
 */
export function registerWasmTrainingKernels(): void {
  if (originals.size > 0) return;
  const shipped = tf.getKernel("BatchMatMul", BACKEND);
  if (shipped === undefined) {
    throw new FerryError("training", "Cannot register wasm kernels: BatchMatMul is missing");
  }
  for (const [name, kernelFunc] of Object.entries(REPLACEMENTS)) {
    const existing = tf.getKernel(name, BACKEND);
    if (existing !== undefined) {
      originals.set(name, existing);
      tf.unregisterKernel(name, BACKEND);
    }
    tf.registerKernel({
      kernelName: name,
      backendName: BACKEND,
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
      // A re-created backend instance must still set the shipped kernels we call up.
      ...(existing?.setupFunc ? { setupFunc: existing.setupFunc } : {}),
    });
  }
}
