/** Messages between {@linkcode openClassifierInWorker} and its worker. */
import type { ErrorKind } from "../errors.ts";
import type { ModelInfo } from "./classifier.ts";
import type { OpenClassifierOptions } from "./session.ts";

/** A FerryError (with its kind) or any other error, as plain data. */
export interface FailureData {
  kind?: ErrorKind;
  message: string;
  httpStatus?: number;
}

/** From the owner to the worker. */
export type ToWorker =
  | { type: "open"; path: string; options: Omit<OpenClassifierOptions, "reporter"> }
  | { type: "run"; id: number; input: Float32Array; count: number }
  | { type: "call"; id: number; job: string; arg: unknown }
  | { type: "release" };

/** From the worker to the owner. */
export type ToOwner =
  | { type: "opened"; info: ModelInfo }
  | { type: "failed"; error: FailureData }
  | { type: "warn"; message: string }
  | { type: "result"; id: number; output?: Float32Array; error?: FailureData }
  | { type: "called"; id: number; value?: unknown; error?: FailureData }
  | { type: "released" };
