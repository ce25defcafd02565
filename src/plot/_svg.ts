// Small helpers shared by the SVG writers: escaping, number text, axis ticks, colours.

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!,
  );
}

/** A coordinate or tick label without float noise (0.30000000000000004 → "0.3"). */
export function num(value: number, decimals = 2): string {
  return String(Number(value.toFixed(decimals)));
}

/** matplotlib's tab10, so curves look as they did in the notebook. */
export const SERIES_COLORS = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
] as const;

/** The font every ferry plot uses; sharp renders it with the system's sans-serif face. */
export const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';

/** About five round tick values (steps of 1, 2, 2.5 or 5 × 10^k) covering [min, max]. */
export function niceTicks(min: number, max: number, target = 5): number[] {
  if (!(max > min)) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return niceTicks(min - pad, max + pad, target);
  }
  const raw = (max - min) / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const first = Math.floor(min / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let t = first; t <= max + step * (1 - 1e-9); t += step) ticks.push(Number(t.toFixed(12)));
  return ticks;
}

/** Colour for `t` in [0, 1] on a white-to-dark-blue scale (matplotlib's "Blues", simplified). */
export function blues(t: number): string {
  const stops = [[247, 251, 255], [198, 219, 239], [107, 174, 214], [33, 113, 181], [8, 48, 107]];
  const x = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(x), stops.length - 2);
  const f = x - i;
  const [a, b] = [stops[i]!, stops[i + 1]!];
  const channel = (k: number) =>
    Math.round(a[k]! + (b[k]! - a[k]!) * f).toString(16).padStart(2, "0");
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}
