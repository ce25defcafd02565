/**
 * ferry's small family of named errors. Each kind maps to one exit code and one HTTP status,
 * here and nowhere else, so the CLI and the server answer the same condition the same way.
 *
 * @module
 */

/** What went wrong, as a caller would handle it. */
export type ErrorKind =
  | "usage" // bad flag, bad option value, bad request parameter
  | "not_found" // a model, dataset, run or file that does not exist
  | "unsupported_media" // bytes that are no image format ferry accepts
  | "undecodable" // an image format ferry accepts, but broken or truncated
  | "too_large" // body, file count or pixel limits
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
}

const KINDS: Record<ErrorKind, KindInfo> = {
  usage: { exitCode: 2, httpStatus: 400 },
  not_found: { exitCode: 3, httpStatus: 404 },
  unsupported_media: { exitCode: 4, httpStatus: 415 },
  undecodable: { exitCode: 4, httpStatus: 422 },
  too_large: { exitCode: 4, httpStatus: 413 },
  unauthorized: { exitCode: 5, httpStatus: 401 },
  overloaded: { exitCode: 6, httpStatus: 503 },
  dataset: { exitCode: 7, httpStatus: 422 },
  model: { exitCode: 8, httpStatus: 500 },
  download: { exitCode: 9, httpStatus: 502 },
  training: { exitCode: 10, httpStatus: 500 },
  locked: { exitCode: 11, httpStatus: 409 },
};

/** Options of {@linkcode FerryError}. */
export interface FerryErrorOptions extends ErrorOptions {
  /** Overrides the kind's HTTP status where one kind has two answers (a pixel bomb is 422, not 413). */
  httpStatus?: number;
}

/** The one error class callers catch; `kind` says what happened. */
export class FerryError extends Error {
  override name = "FerryError";
  readonly kind: ErrorKind;
  readonly exitCode: number;
  readonly httpStatus: number;

  constructor(kind: ErrorKind, message: string, options: FerryErrorOptions = {}) {
    super(message, options);
    this.kind = kind;
    this.exitCode = KINDS[kind].exitCode;
    this.httpStatus = options.httpStatus ?? KINDS[kind].httpStatus;
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
