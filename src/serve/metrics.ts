/**
 * ferry's service metrics, and their state as plain data: a server with several worker processes
 * sums the workers' snapshots into one scrape (see `metrics_hub.ts`).
 *
 * @module
 */
import {
  Counter,
  Gauge,
  Histogram,
  type HistogramSeries,
  type MetricsSnapshot,
} from "./_prometheus.ts";

export { Counter, Gauge, Histogram, type MetricsSnapshot };

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
  readonly inference = new Histogram(
    "ferry_inference_duration_seconds",
    "Time of one onnxruntime run (a batch)",
    SECONDS,
  );
  readonly batchSize = new Histogram(
    "ferry_inference_batch_size",
    "Images per onnxruntime run",
    [1, 2, 4, 8, 16, 32, 64, 128, 256],
  );
  readonly imagesDecoded = new Counter("ferry_images_decoded_total", "Images decoded");
  readonly errors = new Counter("ferry_errors_total", "Errors answered, by kind");
  readonly queueDepth = new Gauge(
    "ferry_queue_depth",
    "Images waiting for inference now, by model (summed over processes)",
  );
  readonly modelReady = new Gauge(
    "ferry_model_ready",
    "1 when the model is loaded and warmed up in every process, else 0",
    "min",
  );
  readonly residentMemory = new Gauge(
    "ferry_process_resident_memory_bytes",
    "Resident memory of the server's processes (summed)",
  );
  readonly processes = new Gauge("ferry_processes", "Server processes answering for this port");

  #collectors: (() => void)[] = [];

  /** Runs `collect` before each snapshot, to set gauges that are read rather than counted. */
  onCollect(collect: () => void): void {
    this.#collectors.push(collect);
  }

  /** This process's values now. */
  snapshot(): MetricsSnapshot {
    for (const collect of this.#collectors) collect();
    this.residentMemory.set(Deno.memoryUsage().rss);
    this.processes.set(1);
    const out: MetricsSnapshot = { counters: {}, gauges: {}, histograms: {} };
    for (const metric of this.#all()) {
      if (metric instanceof Counter) out.counters[metric.name] = metric.snapshot();
      else if (metric instanceof Gauge) out.gauges[metric.name] = metric.snapshot();
      else out.histograms[metric.name] = metric.snapshot();
    }
    return out;
  }

  /**
   * Several processes' snapshots as one: counters and histograms added, gauges added or (where
   * the gauge says `min`) the lowest kept.
   */
  merge(snapshots: MetricsSnapshot[]): MetricsSnapshot {
    const out: MetricsSnapshot = { counters: {}, gauges: {}, histograms: {} };
    for (const metric of this.#all()) {
      const name = metric.name;
      if (metric instanceof Histogram) {
        const merged: Record<string, HistogramSeries> = {};
        for (const s of snapshots) {
          for (const [key, series] of Object.entries(s.histograms[name] ?? {})) {
            const into = merged[key] ??= {
              labels: series.labels,
              buckets: series.buckets.map(() => 0),
              sum: 0,
              count: 0,
            };
            series.buckets.forEach((n, i) => into.buckets[i] = (into.buckets[i] ?? 0) + n);
            into.sum += series.sum;
            into.count += series.count;
          }
        }
        out.histograms[name] = merged;
        continue;
      }
      const kind = metric instanceof Counter ? "counters" : "gauges";
      const min = metric instanceof Gauge && metric.across === "min";
      const merged: Record<string, number> = {};
      for (const s of snapshots) {
        for (const [key, value] of Object.entries(s[kind][name] ?? {})) {
          merged[key] = key in merged
            ? (min ? Math.min(merged[key]!, value) : merged[key]! + value)
            : value;
        }
      }
      out[kind][name] = merged;
    }
    return out;
  }

  /** A snapshot (this process's own by default) in Prometheus text format. */
  render(snapshot: MetricsSnapshot = this.snapshot()): string {
    return this.#all().map((metric) => {
      if (metric instanceof Histogram) return metric.render(snapshot.histograms[metric.name] ?? {});
      const kind = metric instanceof Counter ? "counters" : "gauges";
      return metric.render(snapshot[kind][metric.name] ?? {});
    }).join("\n") + "\n";
  }

  #all(): (Counter | Gauge | Histogram)[] {
    return [
      this.requests,
      this.latency,
      this.queueWait,
      this.inference,
      this.batchSize,
      this.imagesDecoded,
      this.errors,
      this.queueDepth,
      this.modelReady,
      this.residentMemory,
      this.processes,
    ];
  }
}
