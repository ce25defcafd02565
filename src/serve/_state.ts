/**
 * What the service's routes share, in a file of its own so that the routes, the OpenAPI document
 * and the app that mounts them all import it and none imports another.
 *
 * @module
 */
import type { ModelSet } from "./_models.ts";
import type { ServeMetrics } from "./metrics.ts";
import type { AppOptions, ServeLimits } from "./options.ts";

/** What route handlers share; kept in one object so that the routes stay plain functions. */
export interface ServeState {
  models: ModelSet;
  limits: ServeLimits;
  metrics: ServeMetrics;
  topK: number;
  background: AppOptions["background"];
  decodePool: AppOptions["decodePool"];
}

/** Variables a request carries through the middleware. */
export type ServeEnv = { Variables: { requestId: string } };
