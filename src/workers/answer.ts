/// <reference lib="deno.worker" />
import { toData } from "../errors.ts";
import type { Call, Reply } from "./_protocol.ts";

/** An answer and the buffers in it to move to the owner rather than copy. */
class Transferring {
  constructor(readonly value: unknown, readonly transfer: Transferable[]) {}
}

/** Marks `value` to be answered with the buffers in `transfer` moved, not copied. */
export function withTransfer(value: unknown, transfer: Transferable[]): unknown {
  return new Transferring(value, transfer);
}

/** A method a worker offers: its argument in, its answer (or a promise of it) out. */
// deno-lint-ignore no-explicit-any
export type Method = (arg: any) => unknown;

/** Options of {@linkcode answerCalls}. */
export interface AnswerOptions {
  /**
   * One call at a time, in the order posted, each answered as it ends (a session that must
   * not run twice at once, a release that must not overtake the runs before it); otherwise a
   * message's calls run at once and are answered together. @default false
   */
  inOrder?: boolean;
}

/** Sends `data` to the owner's `onEvent`, unasked. */
export function postEvent(data: unknown): void {
  self.postMessage([{ event: data }] satisfies Reply[]);
}

/**
 * The worker's side of a {@linkcode WorkerClient}: answers each call with what `methods` gives,
 * or with the error it throws (a FerryError keeps its kind). Call it once, from the module the
 * worker starts with. A message that is no array of calls crashes the worker, as a bug would.
 *
 * @example
 * ```ts
 * // my_worker.ts
 * import { answerCalls } from "./mod.ts";
 *
 * answerCalls({ sum: (values: number[]) => values.reduce((a, b) => a + b, 0) });
 * ```
 */
export function answerCalls(methods: Record<string, Method>, options: AnswerOptions = {}): void {
  const answer = async ({ id, method, arg }: Call, transfer: Transferable[]): Promise<Reply> => {
    try {
      const run = Object.hasOwn(methods, method) ? methods[method]! : undefined;
      if (!run) throw new Error(`Cannot call '${method}': the worker has no such method`);
      const value = await run(arg);
      if (!(value instanceof Transferring)) return { id, value };
      transfer.push(...value.transfer);
      return { id, value: value.value };
    } catch (error) {
      return { id, error: toData(error) };
    }
  };
  let queue = Promise.resolve();
  self.onmessage = options.inOrder
    ? ({ data }: MessageEvent<Call[]>) => {
      queue = queue.then(async () => {
        for (const call of data) {
          const transfer: Transferable[] = [];
          self.postMessage([await answer(call, transfer)], transfer);
        }
      });
    }
    : async ({ data }: MessageEvent<Call[]>) => {
      const transfer: Transferable[] = [];
      self.postMessage(await Promise.all(data.map((call) => answer(call, transfer))), transfer);
    };
}
