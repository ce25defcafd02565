import { beforeAll, describe, expect, test } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { maxRelativeDifference } from "../../native/_compare.ts";
import { initBackend } from "../../../src/train/backend/mod.ts";
import { silentReporter } from "../../../src/progress/mod.ts";

type Pad = "same" | "valid";

interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: Pad;
}

const CONV_CASES: ConvCase[] = [];
for (const pad of ["same", "valid"] as const) {
  for (const stride of [1, 2]) {
    CONV_CASES.push({ x: [2, 7, 6, 3], filter: [3, 3, 3, 5], stride, pad });
    CONV_CASES.push({ x: [3, 8, 9, 4], filter: [2, 3, 4, 6], stride, pad });
  }
}

/** Conv2D's gradients w.r.t. input and filter for a fixed upstream gradient, as plain arrays. */
function convGradients(c: ConvCase, seed: number): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomUniform(c.x, -1, 1, "float32", seed);
    const filter = tf.randomUniform(c.filter, -1, 1, "float32", seed + 1);
    const outShape = tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, c.stride, c.pad).shape;
    const dy = tf.randomUniform(outShape, -1, 1, "float32", seed + 2);
    const [dx, dw] = tf.grads((a, b) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), dy))
    )([x, filter]);
    return [dx!.dataSync() as Float32Array, dw!.dataSync() as Float32Array];
  });
}

interface PoolCase {
  size: number;
  stride: number;
  pad: Pad;
}

const POOL_CASES: PoolCase[] = [];
for (const pad of ["same", "valid"] as const) {
  for (const [size, stride] of [[2, 2], [3, 3], [3, 1], [3, 2]]) {
    POOL_CASES.push({ size: size!, stride: stride!, pad });
  }
}

/** Max-pooling's input gradient on ReLU-like data: many ties (zeros) and repeated values. */
function poolGradient(c: PoolCase): Float32Array {
  return tf.tidy(() => {
    const x = tf.relu(tf.round(tf.randomUniform([2, 7, 8, 3], -2, 3, "float32", 21)));
    const pool = (v: tf.Tensor) => tf.maxPool(v as tf.Tensor4D, c.size, c.stride, c.pad);
    const dy = tf.randomUniform(pool(x).shape, -1, 1, "float32", 22);
    return tf.grad((v: tf.Tensor) => tf.sum(tf.mul(pool(v), dy)))(x).dataSync() as Float32Array;
  });
}

function matMulResult(shapeA: number[], shapeB: number[], ta: boolean, tb: boolean): Float32Array {
  return tf.tidy(() => {
    const a = tf.randomUniform(shapeA, -1, 1, "float32", 11);
    const b = tf.randomUniform(shapeB, -1, 1, "float32", 12);
    return tf.matMul(a, b, ta, tb).dataSync() as Float32Array;
  });
}

async function on<T>(backend: "cpu" | "wasm", f: () => T): Promise<T> {
  await initBackend(backend, silentReporter);
  return f();
}

describe("wasm training kernels", () => {
  beforeAll(async () => {
    await initBackend("wasm", silentReporter);
  });

  test.each(CONV_CASES)(
    "Conv2DBackpropFilter and Conv2DBackpropInput match cpu: x $x, filter $filter, stride $stride, $pad",
    async (c) => {
      const [cpuDx, cpuDw] = await on("cpu", () => convGradients(c, 3));
      const [wasmDx, wasmDw] = await on("wasm", () => convGradients(c, 3));
      expect(maxRelativeDifference(wasmDw!, cpuDw!)).toBeLessThan(1e-4);
      expect(maxRelativeDifference(wasmDx!, cpuDx!)).toBeLessThan(1e-4);
      // The gradients are not trivially zero.
      expect(Math.max(...cpuDw!.map(Math.abs))).toBeGreaterThan(0.1);
    },
  );

  test.each(POOL_CASES)(
    "MaxPoolGrad matches cpu, ties included: pool $size, stride $stride, $pad",
    async (c) => {
      const cpu = await on("cpu", () => poolGradient(c));
      const wasm = await on("wasm", () => poolGradient(c));
      expect(maxRelativeDifference(wasm, cpu)).toBeLessThan(1e-4);
      expect(cpu.filter((v) => v !== 0).length).toBeGreaterThan(10);
    },
  );

  test.each([
    { a: [5, 7], b: [7, 4], ta: false, tb: false },
    { a: [7, 5], b: [7, 4], ta: true, tb: false },
    { a: [5, 7], b: [4, 7], ta: false, tb: true },
    { a: [7, 5], b: [4, 7], ta: true, tb: true },
    { a: [1, 7, 5], b: [1, 4, 7], ta: true, tb: true },
    { a: [2, 7, 5], b: [2, 7, 4], ta: true, tb: false },
  ])("BatchMatMul matches cpu: $a × $b, transposeA $ta, transposeB $tb", async (m) => {
    const cpu = await on("cpu", () => matMulResult(m.a, m.b, m.ta, m.tb));
    const wasm = await on("wasm", () => matMulResult(m.a, m.b, m.ta, m.tb));
    expect(maxRelativeDifference(wasm, cpu)).toBeLessThan(1e-4);
  });

  test.each([
    { axes: [0, 1, 2], keepDims: false },
    { axes: [0], keepDims: true },
    { axes: [-4, 1], keepDims: false },
    { axes: [1, 3], keepDims: true },
  ])("Sum matches cpu over axes $axes, keepDims $keepDims", async ({ axes, keepDims }) => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.randomUniform([5, 4, 3, 6], -1, 1, "float32", 31);
        const s = tf.sum(x, axes, keepDims);
        return { shape: s.shape, values: s.dataSync() as Float32Array };
      });
    const cpu = await on("cpu", run);
    const wasm = await on("wasm", run);
    expect(wasm.shape).toEqual(cpu.shape);
    expect(maxRelativeDifference(wasm.values, cpu.values)).toBeLessThan(1e-5);
  });

  test("the kernels leave no tensors or wasm buffers behind", async () => {
    await initBackend("wasm", silentReporter);
    const c = CONV_CASES[1]!;
    convGradients(c, 5);
    matMulResult([7, 5], [4, 7], true, true);
    const before = tf.memory().numTensors;
    const dataIds = tf.backend().numDataIds();
    convGradients(c, 5);
    matMulResult([7, 5], [4, 7], true, true);
    tf.tidy(() => tf.sum(tf.clone(tf.ones([4, 3])), 0).dataSync());
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.backend().numDataIds()).toBe(dataIds);
  });
});
