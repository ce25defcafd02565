/** Messages between a decode pool and its workers. */
import type { ErrorKind } from "../errors.ts";
import type { DecodedImage, DecodeOptions } from "./decode.ts";

/** One job: bytes to decode, or a path the worker reads. */
export interface WorkerRequest {
  id: number;
  bytes?: Uint8Array;
  path?: string;
  options: DecodeOptions;
}

/** A FerryError (with its kind) or any other error, as plain data. */
export interface WorkerFailure {
  kind?: ErrorKind;
  message: string;
}

/** The answer to one job. */
export type WorkerReply =
  | { id: number; image: DecodedImage; error?: undefined }
  | { id: number; error: WorkerFailure; image?: undefined };
