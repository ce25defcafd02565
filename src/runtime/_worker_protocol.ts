/** Messages between {@linkcode openClassifierInWorker} and its worker. */
import type { ErrorKind } from "../errors.ts";
import type { ModelInfo } from "./classifier.ts";
import type { FileBatch, FileBatchOptions, FileJob } from "./file_batch.ts";
import type { OpenClassifierOptions } from "./session.ts";

/** A FerryError (with its kind) or any other error, as plain data. */
export interface FailureData {
  kind?: ErrorKind;
  message: string;
}

/** From the owner to the worker. */
export type ToWorker =
  | { type: "open"; path: string; options: Omit<OpenClassifierOptions, "reporter"> }
  | { type: "run"; id: number; input: Float32Array; count: number }
  | { type: "files"; id: number; jobs: FileJob[]; options: FileBatchOptions }
  | { type: "release" };

/** From the worker to the owner. */
export type ToOwner =
  | { type: "opened"; info: ModelInfo }
  | { type: "failed"; error: FailureData }
  | { type: "warn"; message: string }
  | { type: "result"; id: number; output?: Float32Array; error?: FailureData }
  | { type: "files"; id: number; batch?: FileBatch; error?: FailureData }
  | { type: "released" };
