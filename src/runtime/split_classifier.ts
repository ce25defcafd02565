import { FerryError } from "../errors.ts";
import { valuesPerImage } from "../image/mod.ts";
import { silentReporter } from "../progress/mod.ts";
import type { ClassifierSession } from "./classifier.ts";
import { openClassifier } from "./session.ts";
import { openClassifierInWorker, type WorkerClassifierOptions } from "./worker_classifier.ts";

/** Options of {@linkcode openSplitClassifier}. */
export interface SplitClassifierOptions extends WorkerClassifierOptions {
  /**
   * Longest run of one image, in milliseconds (measured when the model opens), that may block
   * the calling thread; a slower model runs every batch on its worker. @default 2
   */
  maxLocalRunMs?: number;
}

/** Defaults of {@linkcode SplitClassifierOptions}. */
export const SPLIT_DEFAULTS = { maxLocalRunMs: 2 } as const;

/**
 * A model opened twice: runs of one image on the calling thread, larger batches on a worker
 * thread ({@linkcode openClassifierInWorker}). The hop to a worker and back costs more server
 * CPU than the model itself for a 32×32 image (2 AVX-512 cores, `hey` at concurrency 1: 655–705
 * µs per request against 770–1,135 when every image went through the worker), and a lone image
 * is what a server sees below full load; under load the batches that gather while the worker
 * runs keep the event loop free for HTTP and decoding. A model whose single-image run takes
 * longer than `maxLocalRunMs` would stall the event loop (health checks included), so it keeps
 * only its worker copy, and so does a model on a GPU, whose memory a second copy would double. Both
 * copies give the same answers (same file, CPU provider and threads).
 *
 * @example
 * ```ts
 * import { openSplitClassifier } from "./mod.ts";
 * declare const image: Float32Array; // one image as the model takes it
 * declare const batch: Float32Array; // 64 of them
 * const model = await openSplitClassifier("models/cifar10/model.onnx", { threads: 1 });
 * await model.run(image, 1); // on this thread
 * await model.run(batch, 64); // on the worker
 * await model.release();
 * ```
 */
export async function openSplitClassifier(
  path: string,
  options: SplitClassifierOptions = {},
): Promise<ClassifierSession> {
  const { maxLocalRunMs = SPLIT_DEFAULTS.maxLocalRunMs, ...workerOptions } = options;
  const { script: _, ...sessionOptions } = workerOptions;
  if (!(maxLocalRunMs >= 0)) {
    throw new FerryError(
      "usage",
      `Cannot open model '${path}': 'maxLocalRunMs' must be 0 or more, got ${maxLocalRunMs}`,
    );
  }
  const worker = await openClassifierInWorker(path, workerOptions);
  // A second copy on a GPU would hold the model's device memory twice.
  if (worker.info.provider !== "cpu") return worker;
  let local: ClassifierSession | undefined;
  try {
    local = await openClassifier(path, {
      ...sessionOptions,
      providers: ["cpu"],
      reporter: silentReporter,
    });
    if (await oneImageMs(local) > maxLocalRunMs) {
      await local.release();
      local = undefined;
    }
  } catch (error) {
    await local?.release();
    await worker.release();
    throw error;
  }
  return {
    info: worker.info,
    run: (input, count, options) =>
      (count === 1 && local ? local : worker).run(input, count, options),
    async release() {
      await Promise.all([worker.release(), local?.release()]);
    },
  };
}

/** The fastest of a few runs of one image, after a first that pays for onnxruntime's set-up. */
async function oneImageMs(session: ClassifierSession): Promise<number> {
  const input = new Float32Array(valuesPerImage(session.info.inputSpec)).fill(0.5);
  await session.run(input, 1);
  let fastest = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await session.run(input, 1);
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}
