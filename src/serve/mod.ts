/**
 * The prediction service: a Hono app factory with ferry's v1 API and the Open Inference Protocol
 * (v2), limits, bearer auth, Prometheus metrics, OpenAPI and a web page, plus a server runner
 * with graceful shutdown.
 *
 * @module
 */
export { createApp, type ServeApp } from "./app.ts";
export type { ServeState } from "./_state.ts";
export {
  type Counter,
  type Gauge,
  type Histogram,
  type MetricsSnapshot,
  ServeMetrics,
} from "./metrics.ts";
export {
  type HubMember,
  joinMetricsHub,
  METRICS_HUB_ENV,
  type MetricsHub,
  startMetricsHub,
} from "./metrics_hub.ts";
export {
  APP_DEFAULTS,
  type AppOptions,
  checkAppOptions,
  LIMIT_DEFAULTS,
  type LogEntry,
  type ServeLimits,
} from "./options.ts";
export { type RunningServer, SERVER_DEFAULTS, type ServerOptions, startServer } from "./server.ts";
