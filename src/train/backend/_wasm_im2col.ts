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

/** First and one-past-last output index whose input index `o*stride + offset` is in [0, size). */
function validRange(
  outSize: number,
  size: number,
  stride: number,
  offset: number,
): [number, number] {
  const first = offset >= 0 ? 0 : Math.ceil(-offset / stride);
  const last = Math.max(0, Math.min(outSize, Math.ceil((size - offset) / stride)));
  return [Math.min(first, last), last];
}

/**
 * Writes the transposed patch matrix of images `firstImage` to `firstImage + images - 1` into
 * `out` (`R` rows of `images·OH·OW` values, R = KH·KW·Cin): row `(kh*KW + kw)*Cin + ci`, column
 * `(n*OH + oh)*OW + ow` holds the input value that filter tap (kh, kw, ci) sees at output position
 * (n, oh, ow), 0 where it falls in the padding. `xT` is the input channel-major (Cin × N·H·W, see
 * {@linkcode transpose2d}), so that each row is made of contiguous runs of an input row.
 */
export function im2colTransposed(
  xT: Float32Array,
  g: Geometry,
  out: Float32Array,
  firstImage: number,
  images: number,
): void {
  const { inHeight, inWidth, inChannels: cin, outHeight, outWidth, strideWidth: sw } = g;
  const plane = g.batchSize * inHeight * inWidth;
  // Unit strides and as many output columns as input columns ('same'): an image's patch row is
  // its input plane shifted, so it is copied in one block and its edge columns zeroed after.
  const shifted = sw === 1 && g.strideHeight === 1 && g.dilationHeight === 1 &&
    g.dilationWidth === 1 && outWidth === inWidth;
  let o = 0;
  for (let kh = 0; kh < g.filterHeight; kh++) {
    const offsetH = kh * g.dilationHeight - g.padInfo.top;
    const [ohFirst, ohLast] = validRange(outHeight, inHeight, g.strideHeight, offsetH);
    for (let kw = 0; kw < g.filterWidth; kw++) {
      const offsetW = kw * g.dilationWidth - g.padInfo.left;
      const [owFirst, owLast] = validRange(outWidth, inWidth, sw, offsetW);
      for (let ci = 0; ci < cin; ci++) {
        for (let n = firstImage; n < firstImage + images; n++, o += outHeight * outWidth) {
          if (shifted) {
            const image = ci * plane + n * inHeight * inWidth;
            copyShifted(xT, image + offsetH * inWidth + offsetW, out, o, ohFirst, ohLast, g);
            zeroEdges(out, o, ohFirst, ohLast, owFirst, owLast, g);
            continue;
          }
          let d = o;
          for (let oh = 0; oh < outHeight; oh++) {
            const ih = oh * g.strideHeight + offsetH;
            if (ih < 0 || ih >= inHeight) {
              out.fill(0, d, d + outWidth);
              d += outWidth;
              continue;
            }
            let ow = 0;
            for (; ow < owFirst; ow++) out[d++] = 0;
            let src = ci * plane + (n * inHeight + ih) * inWidth + owFirst * sw + offsetW;
            for (; ow < owLast; ow++, src += sw) out[d++] = xT[src]!;
            for (; ow < outWidth; ow++) out[d++] = 0;
          }
        }
      }
    }
  }
}

/**
 * Copies output rows [ohFirst, ohLast) of one patch row as one block: output (oh, ow) reads
 * `xT[origin + oh·W + ow]`. Values that wrap round from a neighbouring row (or fall off the
 * array's ends) land in edge columns, which {@linkcode zeroEdges} clears.
 */
function copyShifted(
  xT: Float32Array,
  origin: number,
  out: Float32Array,
  o: number,
  ohFirst: number,
  ohLast: number,
  g: Geometry,
): void {
  let from = origin + ohFirst * g.inWidth;
  let to = from + (ohLast - ohFirst) * g.inWidth;
  let d = o + ohFirst * g.outWidth;
  if (from < 0) {
    d -= from;
    from = 0;
  }
  to = Math.min(to, xT.length);
  if (to > from) out.set(xT.subarray(from, to), d);
}

/** Zeroes the padding of one patch row: rows outside [ohFirst, ohLast), columns outside [owFirst, owLast). */
function zeroEdges(
  out: Float32Array,
  o: number,
  ohFirst: number,
  ohLast: number,
  owFirst: number,
  owLast: number,
  g: Geometry,
): void {
  const w = g.outWidth;
  out.fill(0, o, o + ohFirst * w);
  out.fill(0, o + ohLast * w, o + g.outHeight * w);
  for (let oh = ohFirst; oh < ohLast; oh++) {
    const row = o + oh * w;
    for (let ow = 0; ow < owFirst; ow++) out[row + ow] = 0;
    for (let ow = owLast; ow < w; ow++) out[row + ow] = 0;
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

/** Rows per tile of a transpose. */
const TILE = 64;

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
