/**
 * Max-pooling's gradient on plain Float32Arrays (views of the wasm heap when called from the
 * kernel). The shipped wasm kernel searches every window of every input position; here each
 * window is scanned once, all channels of a pixel together.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";

/** The geometry of one NHWC convolution or pooling, as tfjs computes it. */
type Geometry = tf.backend_util.Conv2DInfo;

/**
 * Writes into `dx` (NHWC, the input's shape) the gradient of max-pooling `x`: each window's
 * upstream gradient goes to the window's first maximum in row-major order (tfjs' cpu backend's
 * choice, which matters for ties such as ReLU's zeros).
 */
export function maxPoolGrad(x: Float32Array, dy: Float32Array, g: Geometry, dx: Float32Array) {
  const { inHeight, inWidth, inChannels: c, outHeight, outWidth } = g;
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  dx.fill(0);
  let o = 0;
  for (let n = 0; n < g.batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, o += c) {
        best.fill(-Infinity);
        at.fill(-1);
        const h0 = oh * g.strideHeight - g.padInfo.top;
        const w0 = ow * g.strideWidth - g.padInfo.left;
        for (let kh = 0; kh < g.effectiveFilterHeight; kh += g.dilationHeight) {
          const ih = h0 + kh;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < g.effectiveFilterWidth; kw += g.dilationWidth) {
            const iw = w0 + kw;
            if (iw < 0 || iw >= inWidth) continue;
            const base = ((n * inHeight + ih) * inWidth + iw) * c;
            for (let ci = 0; ci < c; ci++) {
              const v = x[base + ci]!;
              if (v > best[ci]!) {
                best[ci] = v;
                at[ci] = base + ci;
              }
            }
          }
        }
        for (let ci = 0; ci < c; ci++) {
          const i = at[ci]!;
          if (i >= 0) dx[i] = dx[i]! + dy[o + ci]!;
        }
      }
    }
  }
}

/** Whether the windows tile the input without overlap or padding (the usual 2×2, stride 2). */
export function windowsAreDisjoint(g: Geometry): boolean {
  const { top, left, bottom, right } = g.padInfo;
  return top === 0 && left === 0 && bottom === 0 && right === 0 && g.dilationHeight === 1 &&
    g.dilationWidth === 1 && g.strideHeight === g.filterHeight &&
    g.strideWidth === g.filterWidth;
}

/**
 * {@linkcode maxPoolGrad} for windows that do not overlap, given the pooled maxima `y`: the
 * first input equal to its window's maximum takes the window's gradient. Every input position
 * has at most one window, so there is nothing to accumulate and no running maximum to keep.
 */
export function maxPoolGradDisjoint(
  x: Float32Array,
  y: Float32Array,
  dy: Float32Array,
  g: Geometry,
  dx: Float32Array,
): void {
  const { inHeight, inWidth, inChannels: c, outHeight, outWidth } = g;
  const fh = g.filterHeight, fw = g.filterWidth;
  dx.fill(0);
  let o = 0;
  for (let n = 0; n < g.batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, o += c) {
        const corner = ((n * inHeight + oh * fh) * inWidth + ow * fw) * c;
        if (fh === 2 && fw === 2) {
          twoByTwo(x, y, dy, dx, corner, inWidth * c, o, c);
          continue;
        }
        for (let ci = 0; ci < c; ci++) {
          const max = y[o + ci]!;
          search: for (let kh = 0; kh < fh; kh++) {
            for (let kw = 0; kw < fw; kw++) {
              const i = corner + (kh * inWidth + kw) * c + ci;
              if (x[i] === max) {
                dx[i] = dy[o + ci]!;
                break search;
              }
            }
          }
        }
      }
    }
  }
}

/** One 2×2 window of {@linkcode maxPoolGradDisjoint}, all channels, unrolled. */
function twoByTwo(
  x: Float32Array,
  y: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  corner: number,
  rowStride: number,
  o: number,
  c: number,
): void {
  const p01 = corner + c, p10 = corner + rowStride, p11 = p10 + c;
  for (let ci = 0; ci < c; ci++) {
    const max = y[o + ci]!, g = dy[o + ci]!;
    if (x[corner + ci] === max) dx[corner + ci] = g;
    else if (x[p01 + ci] === max) dx[p01 + ci] = g;
    else if (x[p10 + ci] === max) dx[p10 + ci] = g;
    else dx[p11 + ci] = g;
  }
}
