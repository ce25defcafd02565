import { FerryError } from "../errors.ts";
import { type Reporter, silentReporter } from "../progress/mod.ts";
import { leastBusy } from "../workers/mod.ts";
import {
  openClassifierInWorker,
  type WorkerClassifier,
  type WorkerClassifierOptions,
} from "./worker_classifier.ts";

/**
 * Several open copies of one model as a single classifier: each run or job goes to the copy with
 * the fewest pending, and `parallelRuns` tells a caller how many runs to keep in flight to keep
 * every copy busy. Releasing the pool releases every copy.
 */
export function poolClassifiers(copies: WorkerClassifier[]): WorkerClassifier {
  if (copies.length === 0) throw new Error("Cannot pool classifiers: none given");
  const onLeastBusy = () => leastBusy(copies, (copy) => copy.pending);
  return {
    info: copies[0]!.info,
    parallelRuns: copies.reduce((sum, copy) => sum + (copy.parallelRuns ?? 1), 0),
    get pending() {
      return copies.reduce((sum, copy) => sum + copy.pending, 0);
    },
    run: (input, count, options) => onLeastBusy().run(input, count, options),
    call: (job, arg) => onLeastBusy().call(job, arg),
    async release() {
      await Promise.all(copies.map((copy) => copy.release()));
    },
  };
}

/**
 * `copies` single-model worker threads ({@linkcode openClassifierInWorker}) pooled into one
 * classifier. A copy with one onnxruntime thread never waits at an operator's barrier for a thread
 * that the scheduler gave to other work: with decoding on the same 2 cores, `ferry classify` ran 7%
 * faster with a copy per core than with one two-thread copy, at the memory of one more isolate
 * and session per copy (docs/benchmarks.md). When one copy fails to open, the others are released.
 *
 * @example
 * ```ts
 * const model = await openClassifierWorkers("models/cifar10/model.onnx", 2, { threads: 1 });
 * model.parallelRuns; // 2
 * await model.release();
 * ```
 */
export async function openClassifierWorkers(
  path: string,
  copies: number,
  options: WorkerClassifierOptions = {},
): Promise<WorkerClassifier> {
  if (!Number.isInteger(copies) || copies < 1) {
    throw new FerryError("usage", `Cannot open model workers: expected 1 or more, got ${copies}`);
  }
  // Every copy meets the same provider trouble: say it once.
  const reporter = options.reporter ?? silentReporter;
  const said = new Set<string>();
  const once: Reporter = {
    task: (label, total) => reporter.task(label, total),
    info: (message) => reporter.info(message),
    warn(message) {
      if (!said.has(message)) reporter.warn(message);
      said.add(message);
    },
  };
  const opened = await Promise.allSettled(
    Array.from(
      { length: copies },
      () => openClassifierInWorker(path, { ...options, reporter: once }),
    ),
  );
  const sessions = opened.flatMap((result) => result.status === "fulfilled" ? [result.value] : []);
  const failed = opened.find((result) => result.status === "rejected");
  if (failed) {
    await Promise.all(sessions.map((session) => session.release()));
    throw failed.reason;
  }
  return sessions.length === 1 ? sessions[0]! : poolClassifiers(sessions);
}
