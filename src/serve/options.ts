import { checkPositiveIntegers } from "../errors.ts";
import type { RepositoryOptions } from "./repository.ts";
import type { JsonPool } from "./json_pool.ts";
import { DECODE_DEFAULTS, type DecodePool } from "../image/mod.ts";
import {
  BATCHER_DEFAULTS,
  type BatcherOptions,
  checkBatcherOptions,
  type ClassifierSession,
} from "../runtime/mod.ts";

/** What a request may ask of the service before it is refused. */
export interface ServeLimits {
  /** Largest request body in bytes (413). @default 16 MiB */
  maxBodyBytes: number;
  /** Most images in one request (413). @default 64 */
  maxFiles: number;
  /** Largest source image in pixels, against decompression bombs (422). @default 40_000_000 */
  maxPixels: number;
  /**
   * Most pixels one request's images may declare in all, against many large images at once
   * (413): 64 PNGs of 6000×6000 in one request took 650 MB to decode. @default 100_000_000
   */
  maxRequestPixels: number;
  /**
   * Most request-body bytes the process holds at once (by Content-Length, or `maxBodyBytes` for
   * a chunked body); past it new requests get 503 with Retry-After. @default 256 MiB
   */
  maxBytesInFlight: number;
  /** Most images waiting for inference per model; more get 503. @default 1024 */
  maxQueue: number;
  /** Milliseconds a request may wait for inference before it gets 503. @default 10_000 */
  deadlineMs: number;
  /** Accept SVG and other vector input (runs a renderer on untrusted XML). @default false */
  allowVector: boolean;
  /** Largest `top_k` a client may ask for. @default 100 */
  maxTopK: number;
}

/** Defaults of {@linkcode ServeLimits}. */
export const LIMIT_DEFAULTS: Readonly<ServeLimits> = Object.freeze({
  maxBodyBytes: 16 * 1024 * 1024,
  maxFiles: 64,
  maxPixels: DECODE_DEFAULTS.maxPixels,
  maxRequestPixels: 100_000_000,
  maxBytesInFlight: 256 * 1024 * 1024,
  maxQueue: BATCHER_DEFAULTS.maxQueue,
  deadlineMs: 10_000,
  allowVector: DECODE_DEFAULTS.allowVector,
  maxTopK: 100,
});

/** One JSON access-log entry (or any other line the service logs). */
export type LogEntry = Record<string, unknown>;

/** Options of {@linkcode createApp}. */
export interface AppOptions {
  /** Open classifier sessions; each is addressed by `session.info.name`, as version 1. */
  models: ClassifierSession[];
  /**
   * A model repository whose versions are served beside `models`, loaded by
   * the service's `warmUp()` as its control mode says. @default none
   */
  repository?: RepositoryOptions;
  /** Name of the model that `/v1/classify` uses when none is named. @default the first */
  defaultModel?: string;
  /** Request limits; missing fields take {@linkcode LIMIT_DEFAULTS}. */
  limits?: Partial<ServeLimits>;
  /** A bearer token required on every route except health and the page. @default none */
  token?: string;
  /** Origins allowed by CORS (`*` for any). @default [] (CORS off) */
  corsOrigins?: string[];
  /** Batching options; `maxBatchSize: 1` turns batching off. */
  batching?: Partial<Pick<BatcherOptions, "maxBatchSize" | "maxWaitMs" | "maxInFlight">>;
  /** Predictions listed per image when the client does not say. @default 3 */
  topK?: number;
  /** Receives one JSON access-log entry per request, and errors. @default none */
  log?: (entry: LogEntry) => void;
  /** Colour transparent pixels are flattened onto. @default white */
  background?: { r: number; g: number; b: number };
  /**
   * Answers `/metrics` instead of this process's own registry: a worker process returns the sum
   * over all the server's processes this way (see `joinMetricsHub`).
   * @default this process's metrics
   */
  scrape?: () => Promise<string>;
  /**
   * Decode images on these worker threads (the caller owns and closes the pool).
   * @default none: decode on the event loop's thread
   */
  decodePool?: DecodePool;
  /**
   * Parse large v2 JSON bodies on these worker threads (the caller owns and closes the pool).
   * @default none: parse on the event loop's thread
   */
  jsonPool?: JsonPool;
}

/** Defaults of {@linkcode AppOptions} besides limits. */
export const APP_DEFAULTS = {
  topK: 3,
  batching: {
    maxBatchSize: BATCHER_DEFAULTS.maxBatchSize,
    maxWaitMs: BATCHER_DEFAULTS.maxWaitMs,
    maxInFlight: BATCHER_DEFAULTS.maxInFlight,
  },
} as const;

/**
 * Throws a `usage` error naming the first of `options` that cannot work (a limit or `topK` that
 * is not a positive integer, batching that the batcher refuses); {@linkcode createApp} calls it first,
 * and a caller may call it before opening any model.
 */
export function checkAppOptions(options: Omit<AppOptions, "models">): void {
  const limits = { ...LIMIT_DEFAULTS, ...options.limits };
  checkPositiveIntegers("serve", {
    "limits.maxBodyBytes": limits.maxBodyBytes,
    "limits.maxFiles": limits.maxFiles,
    "limits.maxPixels": limits.maxPixels,
    "limits.maxRequestPixels": limits.maxRequestPixels,
    "limits.maxBytesInFlight": limits.maxBytesInFlight,
    "limits.maxQueue": limits.maxQueue,
    "limits.deadlineMs": limits.deadlineMs,
    "limits.maxTopK": limits.maxTopK,
    topK: options.topK ?? APP_DEFAULTS.topK,
  });
  checkBatcherOptions({ ...APP_DEFAULTS.batching, ...options.batching, maxQueue: limits.maxQueue });
}
