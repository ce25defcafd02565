/**
 * The worker side of {@linkcode openClassifierInWorker}: opens one classifier on this thread and
 * runs it on the batches its owner posts. onnxruntime-node's `run` executes on the calling
 * thread (its promise only defers the call with `setImmediate`), so running it here keeps the
 * owner's event loop free. A worker script may add jobs of its own that use the open session
 * (classify's reads, decodes and runs whole batches of files), which its owner starts with `call`.
 *
 * @module
 */
import { answerCalls, postEvent, withTransfer } from "../workers/mod.ts";
import type { ClassifierSession } from "./classifier.ts";
import { openClassifier, type OpenClassifierOptions } from "./session.ts";

/**
 * A job that a worker script adds beside open, run and release: the open session and the
 * owner's argument in, the answer out (`withTransfer` from `workers/` moves its buffers).
 */
// deno-lint-ignore no-explicit-any
export type ClassifierJob = (session: ClassifierSession, arg: any) => Promise<unknown>;

/**
 * Serves a classifier on this worker thread, with `jobs` beside (never instead of) open, run and
 * release. Call it once, from the module a worker starts with; calls are answered one at a time,
 * in order, so that a release never overtakes the runs posted before it.
 *
 * @example
 * ```ts
 * // my_worker.ts, for openClassifierInWorker(path, { script: new URL("./my_worker.ts", import.meta.url) })
 * serveClassifier({ classes: async (session) => session.info.classNames.length });
 * ```
 */
export function serveClassifier(jobs: Record<string, ClassifierJob> = {}): void {
  let session: ClassifierSession | undefined;
  const extra = Object.entries(jobs).map((
    [name, job],
  ) => [name, (arg: unknown) => job(session!, arg)]);
  answerCalls({
    ...Object.fromEntries(extra),
    async open({ path, options }: { path: string; options: OpenClassifierOptions }) {
      session = await openClassifier(path, {
        ...options,
        reporter: { info: () => {}, warn: postEvent, task: () => ({ tick() {}, done() {} }) },
      });
      return session.info;
    },
    async run({ input, count }: { input: Float32Array; count: number }) {
      const output = await session!.run(input, count);
      return withTransfer(output, [output.buffer]);
    },
    release: () => session?.release(),
  }, { inOrder: true });
}
