/**
 * What the service's routes share, in a file of its own so that the routes, the OpenAPI document
 * and the app that mounts them all import it and none imports another.
 *
 * @module
 */
import type { ModelRegistry } from "./registry.ts";
import type { ModelRepository } from "./repository.ts";
import type { ServeMetrics } from "./metrics.ts";
import type { AppOptions, ServeLimits } from "./options.ts";

/** What route handlers share; kept in one object so that the routes stay plain functions. */
export interface ServeState {
  models: ModelRegistry;
  /** The repository the models come from, when the service has one. */
  repository: ModelRepository | undefined;
  limits: ServeLimits;
  metrics: ServeMetrics;
  topK: number;
  background: AppOptions["background"];
  decodePool: AppOptions["decodePool"];
  jsonPool: AppOptions["jsonPool"];
}

/** Variables a request carries through the middleware. */
export type ServeEnv = { Variables: { requestId: string } };
