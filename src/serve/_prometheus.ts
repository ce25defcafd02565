/**
 * Prometheus metric types: counters, gauges and histograms with labels, written in the text
 * exposition format (version 0.0.4), with no dependency. Each one's values are also plain data,
 * so that several processes' values can be summed into one scrape.
 *
 * @module
 */

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) =>
    `${k}="${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`
  );
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** One histogram series; buckets are per bound (not cumulative), summed when rendered. */
export interface HistogramSeries {
  labels: Labels;
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * A registry's values as JSON-safe data, by metric name, then by label set (as rendered).
 * What a worker process sends its supervisor.
 */
export interface MetricsSnapshot {
  counters: Record<string, Record<string, number>>;
  gauges: Record<string, Record<string, number>>;
  histograms: Record<string, Record<string, HistogramSeries>>;
}

const header = (name: string, help: string, type: string) => [
  `# HELP ${name} ${help}`,
  `# TYPE ${name} ${type}`,
];

/** One number per label set, rendered as `type`. */
abstract class ScalarMetric {
  protected values = new Map<string, number>();
  abstract readonly type: "counter" | "gauge";
  constructor(readonly name: string, readonly help: string) {}

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.values);
  }

  render(values: Record<string, number> = this.snapshot()): string {
    const lines = header(this.name, this.help, this.type);
    for (const [key, value] of Object.entries(values)) lines.push(`${this.name}${key} ${value}`);
    return lines.join("\n");
  }
}

/** A monotonically increasing count per label set. */
export class Counter extends ScalarMetric {
  readonly type = "counter";

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  /** Current value for a label set (0 when never incremented). */
  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels)) ?? 0;
  }
}

/**
 * A value that goes up and down per label set. Across processes, `sum` adds them (queue depth,
 * memory) and `min` keeps the lowest (a model is loaded only where every process has it).
 */
export class Gauge extends ScalarMetric {
  readonly type = "gauge";
  constructor(name: string, help: string, readonly across: "sum" | "min" = "sum") {
    super(name, help);
  }

  set(value: number, labels: Labels = {}): void {
    this.values.set(labelText(labels), value);
  }
}

/** Observations counted into cumulative buckets per label set. */
export class Histogram {
  #series = new Map<string, HistogramSeries>();
  constructor(readonly name: string, readonly help: string, readonly bounds: readonly number[]) {}

  observe(value: number, labels: Labels = {}): void {
    const key = labelText(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { labels, buckets: new Array(this.bounds.length).fill(0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    // Buckets are stored non-cumulative and summed when rendered; observing stays O(buckets) worst case.
    const i = this.bounds.findIndex((b) => value <= b);
    if (i >= 0) series.buckets[i]!++;
    series.sum += value;
    series.count++;
  }

  /** Number of observations for a label set. */
  count(labels: Labels = {}): number {
    return this.#series.get(labelText(labels))?.count ?? 0;
  }

  snapshot(): Record<string, HistogramSeries> {
    return Object.fromEntries(
      [...this.#series].map(([key, s]) => [key, { ...s, buckets: [...s.buckets] }]),
    );
  }

  render(series: Record<string, HistogramSeries> = this.snapshot()): string {
    const lines = header(this.name, this.help, "histogram");
    for (const s of Object.values(series)) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += s.buckets[i]!;
        lines.push(
          `${this.name}_bucket${labelText({ ...s.labels, le: String(bound) })} ${cumulative}`,
        );
      });
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines.join("\n");
  }
}
