/**
 * ferry's small family of named errors. Each kind maps to one exit code, one HTTP status and one
 * gRPC status, here and nowhere else, so the CLI and both protocols answer the same condition the
 * same way.
 *
 * @module
 */

/** What went wrong, as a caller would handle it. */
export type ErrorKind =
  | "usage" // bad flag, bad option value, bad request parameter
  | "not_found" // a model, dataset, run or file that does not exist
  | "unsupported_media" // bytes that are no image format ferry accepts
  | "undecodable" // an image format ferry accepts, but broken or truncated
  | "too_large" // body or file count limits
  | "too_many_pixels" // an image over the pixel limit (a decompression bomb): well-formed, refused
  | "unauthorized"
  | "overloaded" // queue full or deadline passed
  | "dataset" // a dataset that cannot be used as given (empty class, no images, bad archive)
  | "model" // a model file that is corrupt or cannot be run, an unsupported layer
  | "download" // a transfer that failed or did not verify
  | "training" // training that cannot go on (NaN loss)
  | "locked"; // a file that another run holds (two runs on one --out)

interface KindInfo {
  exitCode: number;
  httpStatus: number;
  /** The gRPC status code (google.rpc.Code): what gRPC clients retry on, or not. */
  grpcStatus: number;
}

// google.rpc.Code numbers.
const INVALID_ARGUMENT = 3, NOT_FOUND = 5, RESOURCE_EXHAUSTED = 8, FAILED_PRECONDITION = 9;
const INTERNAL = 13, UNAVAILABLE = 14, UNAUTHENTICATED = 16;

const KINDS: Record<ErrorKind, KindInfo> = {
  usage: { exitCode: 2, httpStatus: 400, grpcStatus: INVALID_ARGUMENT },
  not_found: { exitCode: 3, httpStatus: 404, grpcStatus: NOT_FOUND },
  unsupported_media: { exitCode: 4, httpStatus: 415, grpcStatus: INVALID_ARGUMENT },
  undecodable: { exitCode: 4, httpStatus: 422, grpcStatus: INVALID_ARGUMENT },
  too_large: { exitCode: 4, httpStatus: 413, grpcStatus: RESOURCE_EXHAUSTED },
  too_many_pixels: { exitCode: 4, httpStatus: 422, grpcStatus: INVALID_ARGUMENT },
  unauthorized: { exitCode: 5, httpStatus: 401, grpcStatus: UNAUTHENTICATED },
  overloaded: { exitCode: 6, httpStatus: 503, grpcStatus: UNAVAILABLE },
  dataset: { exitCode: 7, httpStatus: 422, grpcStatus: FAILED_PRECONDITION },
  model: { exitCode: 8, httpStatus: 500, grpcStatus: INTERNAL },
  download: { exitCode: 9, httpStatus: 502, grpcStatus: UNAVAILABLE },
  training: { exitCode: 10, httpStatus: 500, grpcStatus: INTERNAL },
  locked: { exitCode: 11, httpStatus: 409, grpcStatus: FAILED_PRECONDITION },
};

/** The one error class callers catch; `kind` says what happened. */
export class FerryError extends Error {
  override name = "FerryError";
  readonly kind: ErrorKind;
  readonly exitCode: number;
  readonly httpStatus: number;

  constructor(kind: ErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
    this.exitCode = KINDS[kind].exitCode;
    this.httpStatus = KINDS[kind].httpStatus;
  }
}

/** Exit code for anything thrown: a FerryError's own, 1 for the unexpected. */
export function exitCodeOf(error: unknown): number {
  return error instanceof FerryError ? error.exitCode : 1;
}

/** HTTP status for anything thrown: a FerryError's own, 500 for the unexpected. */
export function httpStatusOf(error: unknown): number {
  return error instanceof FerryError ? error.httpStatus : 500;
}

/** gRPC status code for anything thrown: a FerryError's own, INTERNAL for the unexpected. */
export function grpcStatusOf(error: unknown): number {
  return error instanceof FerryError ? KINDS[error.kind].grpcStatus : INTERNAL;
}

/**
 * Throws a `usage` FerryError, "Cannot ACTION: 'KEY' must be a positive integer, got VALUE", for
 * the first of `values` that is not one; an undefined value is left to its default.
 */
export function checkPositiveIntegers(
  action: string,
  values: Record<string, number | undefined>,
): void {
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new FerryError(
        "usage",
        `Cannot ${action}: '${key}' must be a positive integer, got ${value}`,
      );
    }
  }
}

/** An error as plain data, to cross between threads: a FerryError keeps its kind. */
export interface ErrorData {
  kind?: ErrorKind;
  message: string;
}

/** Anything thrown as {@linkcode ErrorData}. */
export function toData(error: unknown): ErrorData {
  return error instanceof FerryError
    ? { kind: error.kind, message: error.message }
    : { message: (error as Error)?.message ?? String(error) };
}

/** The error that {@linkcode toData} described: a FerryError of the same kind, or an Error. */
export function fromData(data: ErrorData): Error {
  return data.kind ? new FerryError(data.kind, data.message) : new Error(data.message);
}
