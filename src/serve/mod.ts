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
  createJsonPool,
  JSON_POOL_DEFAULTS,
  type JsonPool,
  type JsonPoolOptions,
} from "./json_pool.ts";
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
export {
  checkServerOptions,
  HTTP_SERVERS,
  type HttpServer,
  type RunningServer,
  SERVER_DEFAULTS,
  type ServerOptions,
  startServer,
} from "./server.ts";
export {
  type HealthServer,
  type HealthServerOptions,
  type HealthStatus,
  startHealthServer,
} from "./health_server.ts";
export { type GrpcServerOptions, type RunningGrpcServer, startGrpcServer } from "./grpc.ts";
export { OIP_GRPC_DEFINITION, OIP_GRPC_ROOT, OIP_GRPC_SERVICE } from "./_grpc_schema.ts";
export {
  type AddOptions,
  ModelRegistry,
  type RegistryEvent,
  type RegistryOptions,
  type ServedModel,
} from "./registry.ts";
export {
  type IndexEntry,
  MODEL_CONTROL_MODES,
  type ModelControlMode,
  ModelRepository,
  REPOSITORY_DEFAULTS,
  type RepositoryOptions,
} from "./repository.ts";
export { type RepositoryEntry, scanRepository } from "./repository_scan.ts";
