/** Mean and sample standard deviation (0 for one value). */
export interface Spread {
  mean: number;
  sd: number;
}

/** The mean and sample standard deviation of `values`. */
export function spread(values: number[]): Spread {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = values.length < 2
    ? 0
    : Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  return { mean, sd };
}

/** Per-epoch means over runs (epochs that only some runs reached use those runs). */
export function meanCurve(curves: number[][]): number[] {
  const length = Math.max(...curves.map((c) => c.length));
  return Array.from({ length }, (_, i) => {
    const present = curves.map((c) => c[i]).filter((v): v is number => v !== undefined);
    return present.reduce((a, b) => a + b, 0) / present.length;
  });
}
