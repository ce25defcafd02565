/**
 * Sums over leading axes (a bias' gradient: dy summed over batch, height and width). The
 * shipped wasm `Sum` first transposes the reduced axes innermost, a full copy of the tensor.
 *
 * @module
 */

/** The number of leading axes `axes` reduces when they are exactly 0..k-1, else -1. */
export function leadingAxes(axes: number[], rank: number): number {
  const sorted = axes.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  return sorted.every((a, i) => a === i) ? sorted.length : -1;
}

/** out[j] = Σ_i x[i·inner + j] over `outer` rows, accumulated in double precision. */
export function sumRows(x: Float32Array, outer: number, inner: number, out: Float32Array): void {
  const acc = new Float64Array(inner);
  for (let i = 0; i < outer; i++) {
    const row = i * inner;
    for (let j = 0; j < inner; j++) acc[j] = acc[j]! + x[row + j]!;
  }
  out.set(acc);
}
