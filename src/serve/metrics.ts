/**
 * A small Prometheus registry: counters and histograms with labels, written in the text
 * exposition format (version 0.0.4). Enough for ferry's own metrics, with no dependency.
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

/** A monotonically increasing count per label set. */
export class Counter {
  #values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }

  /** Current value for a label set (0 when never incremented). */
  get(labels: Labels = {}): number {
    return this.#values.get(labelText(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, value] of this.#values) lines.push(`${this.name}${key} ${value}`);
    return lines.join("\n");
  }
}

interface Series {
  labels: Labels;
  buckets: number[];
  sum: number;
  count: number;
}

/** Observations counted into cumulative buckets per label set. */
export class Histogram {
  #series = new Map<string, Series>();
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

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const series of this.#series.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += series.buckets[i]!;
        const labels = labelText({ ...series.labels, le: String(bound) });
        lines.push(`${this.name}_bucket${labels} ${cumulative}`);
      });
      const base = series.labels;
      lines.push(`${this.name}_bucket${labelText({ ...base, le: "+Inf" })} ${series.count}`);
      lines.push(`${this.name}_sum${labelText(base)} ${series.sum}`);
      lines.push(`${this.name}_count${labelText(base)} ${series.count}`);
    }
    return lines.join("\n");
  }
}

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** ferry's service metrics. */
export class ServeMetrics {
  readonly requests = new Counter(
    "ferry_requests_total",
    "HTTP requests by route, method and status",
  );
  readonly latency = new Histogram(
    "ferry_request_duration_seconds",
    "HTTP request latency by route",
    SECONDS,
  );
  readonly queueWait = new Histogram(
    "ferry_queue_wait_seconds",
    "Time an image waited in the batch queue",
    SECONDS,
  );
  readonly batchSize = new Histogram(
    "ferry_inference_batch_size",
    "Images per onnxruntime run",
    [1, 2, 4, 8, 16, 32, 64, 128, 256],
  );
  readonly imagesDecoded = new Counter("ferry_images_decoded_total", "Images decoded");
  readonly errors = new Counter("ferry_errors_total", "Errors answered, by kind");

  /** The whole registry in Prometheus text format. */
  render(): string {
    return [
      this.requests,
      this.latency,
      this.queueWait,
      this.batchSize,
      this.imagesDecoded,
      this.errors,
    ].map((m) => m.render()).join("\n") + "\n";
  }
}
