/**
 * The data movement around convolution gradients, on plain Float32Arrays (views of the wasm
 * heap when called from the kernels): im2col laid out for a matrix product whose large
 * dimension is the shared one, its inverse (col2im, accumulating), and a blocked 2-D transpose.
 * The arithmetic itself is left to the wasm backend's XNNPACK matrix product.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs";

/** The geometry of one NHWC convolution or pooling, as tfjs computes it. */
type Geometry = tf.backend_util.Conv2DInfo;

/** Output positions copied together: their strided reads share cache lines across channels. */
const TILE = 64;

/**
 * Writes the transposed patch matrix of `x` (NHWC) into `out`: row `(kh*KW + kw)*Cin + ci`,
 * column `(n*OH + oh)*OW + ow` holds the input value that filter tap (kh, kw, ci) sees at output
 * position (n, oh, ow), 0 where it falls in the padding. Each tap is a transpose of a shifted
 * (positions × Cin) matrix, done in tiles so that the writes stay contiguous.
 */
export function im2colTransposed(x: Float32Array, g: Geometry, out: Float32Array): void {
  const { inHeight, inWidth, inChannels: cin, outHeight, outWidth } = g;
  const columns = g.batchSize * outHeight * outWidth;
  const source = new Int32Array(TILE);
  for (let kh = 0; kh < g.filterHeight; kh++) {
    for (let kw = 0; kw < g.filterWidth; kw++) {
      const firstRow = (kh * g.filterWidth + kw) * cin;
      // (n, oh, ow) of column p0, advanced incrementally (no divisions per column).
      let n = 0, oh = 0, ow = 0;
      for (let p0 = 0; p0 < columns; p0 += TILE) {
        const width = Math.min(TILE, columns - p0);
        for (let j = 0; j < width; j++) {
          const ih = oh * g.strideHeight - g.padInfo.top + kh * g.dilationHeight;
          const iw = ow * g.strideWidth - g.padInfo.left + kw * g.dilationWidth;
          const inside = ih >= 0 && ih < inHeight && iw >= 0 && iw < inWidth;
          source[j] = inside ? ((n * inHeight + ih) * inWidth + iw) * cin : -1;
          if (++ow === outWidth) {
            ow = 0;
            if (++oh === outHeight) {
              oh = 0;
              n++;
            }
          }
        }
        for (let ci = 0; ci < cin; ci++) {
          const o = (firstRow + ci) * columns + p0;
          for (let j = 0; j < width; j++) {
            const s = source[j]!;
            out[o + j] = s < 0 ? 0 : x[s + ci]!;
          }
        }
      }
    }
  }
}

/**
 * Adds the patch-gradient matrix `cols` (row `(n*OH + oh)*OW + ow`, column
 * `(kh*KW + kw)*Cin + ci`) back onto the input positions each patch came from, into `dx`
 * (NHWC, zeroed first): the adjoint of im2col, i.e. the convolution's input gradient.
 */
export function col2im(cols: Float32Array, g: Geometry, dx: Float32Array): void {
  const { batchSize, inHeight, inWidth, inChannels: cin, outHeight, outWidth } = g;
  const rowLength = g.filterHeight * g.filterWidth * cin;
  dx.fill(0);
  let p = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, p++) {
        for (let kh = 0; kh < g.filterHeight; kh++) {
          const ih = oh * g.strideHeight - g.padInfo.top + kh * g.dilationHeight;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < g.filterWidth; kw++) {
            const iw = ow * g.strideWidth - g.padInfo.left + kw * g.dilationWidth;
            if (iw < 0 || iw >= inWidth) continue;
            const d = ((n * inHeight + ih) * inWidth + iw) * cin;
            const s = p * rowLength + (kh * g.filterWidth + kw) * cin;
            for (let ci = 0; ci < cin; ci++) dx[d + ci] = dx[d + ci]! + cols[s + ci]!;
          }
        }
      }
    }
  }
}

/** Writes the transpose of the `rows`×`cols` row-major matrix `a` into `out` (cols×rows). */
export function transpose2d(a: Float32Array, rows: number, cols: number, out: Float32Array): void {
  // Tiles of TILE rows: the strided reads of one tile stay in cache across its columns, and
  // the writes run contiguously (power-of-two strides on the write side thrash the L1 sets).
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c = 0; c < cols; c++) {
      let o = c * rows + r0;
      for (let r = r0; r < r1; r++) out[o++] = a[r * cols + c]!;
    }
  }
}
