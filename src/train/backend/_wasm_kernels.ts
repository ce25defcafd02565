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
import { FerryError } from "../../errors.ts";
import { col2im, im2colTransposed, transpose2d } from "./_wasm_im2col.ts";
import {
  maxPoolGrad as maxPoolGradInto,
  maxPoolGradDisjoint,
  windowsAreDisjoint,
} from "./_wasm_pool.ts";
import { leadingAxes, sumRows } from "./_wasm_sum.ts";

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

/**
 * Output positions per partial product of the filter gradient (whole images, at least one).
 * XNNPACK's matrix product does not block its shared dimension; kept short, each partial
 * product's operands stay in cache.
 */
const FILTER_GRAD_CHUNK = 1024;

/**
 * dW[kh,kw,ci,co] = Σ patches(x)ᵀ · dy, as a sum over chunks of images of
 * (KH·KW·Cin × positions) · (positions × Cout) products.
 */
const conv2DBackpropFilter: Kernel = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const filterShape = attrs.filterShape as number[];
  const g = geometry(x.shape, filterShape, attrs, "Conv2DBackpropFilter");
  const rows = g.filterHeight * g.filterWidth * g.inChannels;
  const outChannels = filterShape[3]!;
  const perImage = g.outHeight * g.outWidth;
  const imagesPerChunk = Math.max(1, Math.floor(FILTER_GRAD_CHUNK / perImage));
  // Channel-major input, so that patch rows are copied in runs (JavaScript memory).
  const pixels = g.batchSize * g.inHeight * g.inWidth;
  const xT = new Float32Array(pixels * g.inChannels);
  transpose2d(heap(backend, x), pixels, g.inChannels, xT);
  const dw = backend.makeOutput(filterShape, "float32");
  heap(backend, dw).fill(0);
  for (let n = 0; n < g.batchSize; n += imagesPerChunk) {
    const images = Math.min(imagesPerChunk, g.batchSize - n);
    const count = images * perImage;
    const patches = backend.makeOutput([rows, count], "float32");
    // A tensor of its own: the wasm matrix product caches its packed weights by tensor id.
    const dyPart = backend.makeOutput([count, outChannels], "float32");
    im2colTransposed(xT, g, heap(backend, patches), n, images);
    const first = n * perImage * outChannels;
    heap(backend, dyPart).set(heap(backend, dy).subarray(first, first + count * outChannels));
    const part = matMul(backend, patches, dyPart, rows, count, outChannels);
    const sum = heap(backend, dw);
    const add = heap(backend, part);
    for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + add[i]!;
    backend.disposeData(patches.dataId);
    backend.disposeData(dyPart.dataId);
    backend.disposeData(part.dataId);
  }
  return dw;
};

/**
 * For stride 1: dx is the forward convolution of dy with the filter turned by 180° and its
 * channel axes swapped, padded so that every tap that saw an input position reaches it back.
 * XNNPACK runs it directly (no patch matrix).
 */
function inputGradByConvolution(
  backend: BackendWasm,
  dy: Info,
  filter: Info,
  g: tf.backend_util.Conv2DInfo,
): Info {
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number];
  const turned = backend.makeOutput([kh, kw, cout, cin], "float32");
  const w = heap(backend, filter);
  const t = heap(backend, turned);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const src = (i * kw + j) * cin * cout;
      const dst = ((kh - 1 - i) * kw + (kw - 1 - j)) * cout * cin;
      for (let ci = 0; ci < cin; ci++) {
        for (let co = 0; co < cout; co++) t[dst + co * cin + ci] = w[src + ci * cout + co]!;
      }
    }
  }
  const { top, bottom, left, right } = g.padInfo;
  const conv = originals.get("Conv2D")!.kernelFunc as unknown as Kernel;
  const dx = conv({
    inputs: { x: dy, filter: turned },
    backend,
    attrs: {
      strides: [1, 1],
      dilations: [1, 1],
      pad: [[0, 0], [kh - 1 - top, kh - 1 - bottom], [kw - 1 - left, kw - 1 - right], [0, 0]],
      dataFormat: "NHWC",
    },
  });
  backend.disposeData(turned.dataId);
  return dx;
}

/** dx = col2im(dy · Wᵀ), with dy as (P × Cout) and W as (KH·KW·Cin × Cout). */
function inputGradByPatches(
  backend: BackendWasm,
  dy: Info,
  filter: Info,
  g: tf.backend_util.Conv2DInfo,
): Info {
  const rows = g.filterHeight * g.filterWidth * g.inChannels;
  const outChannels = filter.shape[3]!;
  const columns = g.batchSize * g.outHeight * g.outWidth;
  const filterT = backend.makeOutput([outChannels, rows], "float32");
  transpose2d(heap(backend, filter), rows, outChannels, heap(backend, filterT));
  const patchGrads = matMul(backend, dy, filterT, columns, outChannels, rows);
  backend.disposeData(filterT.dataId);
  const dx = backend.makeOutput(g.inShape, "float32");
  // Views are taken after the last allocation: growing the wasm memory detaches older ones.
  col2im(heap(backend, patchGrads), g, heap(backend, dx));
  backend.disposeData(patchGrads.dataId);
  return dx;
}

const conv2DBackpropInput: Kernel = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const g = geometry(attrs.inputShape as number[], filter.shape, attrs, "Conv2DBackpropInput");
  const { top, bottom, left, right } = g.padInfo;
  const unitStride = g.strideHeight === 1 && g.strideWidth === 1;
  const padsFit = Math.max(top, bottom) < g.filterHeight && Math.max(left, right) < g.filterWidth;
  return unitStride && padsFit
    ? inputGradByConvolution(backend, dy, filter, g)
    : inputGradByPatches(backend, dy, filter, g);
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

/** Max-pooling's gradient, NHWC; the pooled maxima `output` shortcut disjoint windows. */
const maxPoolGrad: Kernel = ({ inputs, backend, attrs }) => {
  const { dy, input, output } = inputs as { dy: Info; input: Info; output: Info };
  const g = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize as [number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as "same",
    attrs.dimRoundingMode as "floor" | undefined,
  );
  const dx = backend.makeOutput(input.shape, "float32");
  if (windowsAreDisjoint(g) && output !== undefined) {
    maxPoolGradDisjoint(
      heap(backend, input),
      heap(backend, output),
      heap(backend, dy),
      g,
      heap(backend, dx),
    );
  } else {
    maxPoolGradInto(heap(backend, input), heap(backend, dy), g, heap(backend, dx));
  }
  return dx;
};

/** Float sums over leading axes in one pass; anything else goes to the shipped kernel. */
const sum: Kernel = (args) => {
  const { x } = args.inputs as { x: Info };
  const axis = args.attrs.axis as number | number[];
  const axes = Array.isArray(axis) ? axis : [axis];
  const k = leadingAxes(axes, x.shape.length);
  if (x.dtype !== "float32" || k <= 0) {
    return originals.get("Sum")!.kernelFunc(args as never) as Info;
  }
  const outer = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
  const kept = x.shape.slice(k);
  const shape = args.attrs.keepDims ? [...x.shape.slice(0, k).map(() => 1), ...kept] : kept;
  const out = args.backend.makeOutput(shape, "float32");
  const inner = kept.reduce((a, b) => a * b, 1);
  sumRows(heap(args.backend, x), outer, inner, heap(args.backend, out));
  return out;
};

/** Tensors are immutable: an identity shares the data (as tfjs' cpu backend does), no copy. */
const identity: Kernel = ({ inputs, backend }) => {
  const { x } = inputs as { x: Info };
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

const REPLACEMENTS: Record<string, Kernel> = {
  Sum: sum,
  Identity: identity,
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
  originals.set("Conv2D", tf.getKernel("Conv2D", BACKEND)!);
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
