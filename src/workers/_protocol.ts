/** Messages between a {@linkcode WorkerClient} and the worker that answers its calls. */
import type { ErrorData } from "../errors.ts";

/** One call: a method the worker offers and its argument. The owner posts them in arrays. */
export interface Call {
  id: number;
  method: string;
  arg: unknown;
}

/** A call's answer, or an event the worker sends unasked. The worker posts them in arrays. */
export type Reply =
  | { id: number; value: unknown }
  | { id: number; error: ErrorData }
  | { event: unknown };
