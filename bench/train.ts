/**
 * Training speed: the notebook's CNN and recipe (Adam 1e-3, categorical cross-entropy, accuracy,
 * batch 64, dropout on) on each of ferry's backends, side by side with Keras on TensorFlow
 * (bench/keras_reference.py, run on the very same decoded images). Prints ms/step, images/s and
 * s/epoch (extrapolated to the whole folder) with the ratio to Keras' epoch time.
 * `--architecture airbench` times the shipped model's network instead (batch normalisation after
 * every convolution, no dropout), the same layers on both sides; `--batch` sets the batch size.
 *
 *   deno run -A bench/train.ts [--dir ../shared/datasets/cifar10/train] [--images 6400]
 *     [--architecture notebook_cnn|airbench] [--batch 64]
 *     [--backends tensorflow,tensorflow-tfjs-adam,tensorflow-stock,wasm,wasm-pool,cpu]
 *     [--cpu-steps 1]
 *     [--rounds 1] [--python python3]
 *
 * Rows: `tensorflow` is ferry's native backend as `ferry train` runs it (`initBackend`'s faster
 * ReLU and max-pool kernels, TensorFlow's fused Adam); `tensorflow-tfjs-adam` the same with tfjs'
 * Adam; `tensorflow-stock` is tfjs-node with tfjs' own gradients and Adam;
 * `wasm` is the WebAssembly fallback on one thread, `wasm-pool` the same with a gradient worker
 * per other core (as `ferry train` runs it); `cpu` is tfjs' JavaScript backend, timed on `--cpu-steps`
 * batches only, without warm-up (one takes a minute and a half on an idle 2-core machine).
 * A backend that does not load is listed with the reason. Keras is skipped, saying why, when
 * Python, TensorFlow or Keras are missing. With `--rounds R` every row is measured R times,
 * interleaved, and the fastest is kept, which evens out other work sharing the machine.
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  createBatches,
  createRng,
  type ImageDataset,
  loadImageFolder,
  shuffleInPlace,
  subsetDataset,
} from "../src/data/mod.ts";
import { buildModel, type ModelOptions, resolveModelOptions } from "../src/model/mod.ts";
import {
  createOptimizer,
  initBackend,
  useNativeGradients,
  WasmGradientPool,
} from "../src/train/mod.ts";
import { silentReporter } from "../src/progress/mod.ts";
import { PYTHON } from "./_python.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    dir: { type: "string", default: "../shared/datasets/cifar10/train" },
    images: { type: "string", default: "6400" },
    backends: {
      type: "string",
      default: "tensorflow,tensorflow-tfjs-adam,tensorflow-stock,wasm,wasm-pool,cpu",
    },
    "cpu-steps": { type: "string", default: "1" },
    rounds: { type: "string", default: "1" },
    python: { type: "string", default: PYTHON },
    architecture: { type: "string", default: "notebook_cnn" },
    batch: { type: "string", default: "64" },
  },
});
const BATCH = Number(values.batch);
const ARCHITECTURE = values.architecture;
if (ARCHITECTURE !== "notebook_cnn" && ARCHITECTURE !== "airbench") {
  throw new Error(`Cannot bench training: --architecture must be notebook_cnn or airbench`);
}
/** The network's options: airbench trains without dropout, as the shipped recipe does. */
const modelOptions = (classes: number): ModelOptions =>
  resolveModelOptions({
    numClasses: classes,
    ...(ARCHITECTURE === "airbench" ? { dropout: 0 } : {}),
  });
const WARMUP_STEPS = 3;

interface Row {
  name: string;
  msPerStep?: number;
  /** Process CPU time per step, all threads: less sensitive than wall time to other work. */
  cpuMsPerStep?: number;
  steps?: number;
  note: string;
}

interface Timing {
  msPerStep: number;
  cpuMsPerStep: number;
  steps: number;
}

const load = () => `load average ${Deno.loadavg().map((l) => l.toFixed(2)).join(" ")}`;

/** A seeded subset of `count` images, so every run and Keras see the same ones. */
function pickSubset(dataset: ImageDataset, count: number): ImageDataset {
  const order = shuffleInPlace(
    Int32Array.from({ length: dataset.count }, (_, i) => i),
    createRng(7),
  );
  return subsetDataset(dataset, order.subarray(0, Math.min(count, dataset.count)));
}

/**
 * Time per training step of the notebook recipe on the active backend, over `maxSteps` batches;
 * with `pool`, each step's gradient is computed in shards across this thread and its workers.
 */
async function timeTraining(
  data: ImageDataset,
  maxSteps: number,
  warmup: number,
  tfjsAdam = false,
  pool?: WasmGradientPool,
): Promise<Timing> {
  const model = buildModel(ARCHITECTURE, modelOptions(data.classNames.length));
  // ferry's Adam as `ferry train` builds it (the fused one on the native backend), or tfjs' own.
  const optimizer = tfjsAdam
    ? tf.train.adam(1e-3, 0.9, 0.999, 1e-7)
    : createOptimizer({ name: "adam", learningRate: 1e-3, momentum: 0 });
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = (x: Float32Array, labels: Uint8Array, size: number) => {
    const xs = tf.tensor4d(x, [size, data.height, data.width, 3]);
    const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(labels), "int32"), 10));
    let correct: tf.Scalar | undefined;
    const loss = optimizer.minimize(() => {
      const probs = model.apply(xs, { training: true }) as tf.Tensor2D;
      correct = tf.keep(
        tf.sum(tf.cast(tf.equal(tf.argMax(probs, -1), tf.argMax(ys, -1)), "int32")),
      );
      return tf.mean(tf.metrics.categoricalCrossentropy(ys, probs)) as tf.Scalar;
    }, true)!;
    loss.dataSync();
    correct!.dataSync();
    tf.dispose([xs, ys, loss, correct!]);
  };
  let done = 0;
  let start = 0;
  let cpuStart = process.cpuUsage();
  for (const batch of createBatches(data, { batchSize: BATCH, seed: 1 })) {
    if (done === warmup) [start, cpuStart] = [performance.now(), process.cpuUsage()];
    if (done === warmup + maxSteps) break;
    if (pool) {
      await pool.step(model, optimizer, { variables, loss: "categorical_crossentropy", batch });
    } else step(batch.x, batch.y, batch.size);
    done++;
  }
  const steps = done - warmup;
  const cpu = process.cpuUsage(cpuStart);
  const timing = {
    msPerStep: (performance.now() - start) / steps,
    cpuMsPerStep: (cpu.user + cpu.system) / 1000 / steps,
    steps,
  };
  optimizer.dispose();
  model.dispose();
  return timing;
}

async function tfjsRow(name: string, data: ImageDataset, cpuSteps: number): Promise<Row> {
  const choice = name === "cpu" ? "cpu" : name.startsWith("wasm") ? "wasm" : "tensorflow";
  let pool: WasmGradientPool | undefined;
  try {
    const info = await initBackend(choice, silentReporter);
    if (choice === "tensorflow") useNativeGradients(name !== "tensorflow-stock");
    if (name === "wasm-pool") {
      const options = modelOptions(data.classNames.length);
      pool = await WasmGradientPool.create(ARCHITECTURE, options, cores - 1);
    }
    const all = Math.ceil(data.count / BATCH);
    const timing = name === "cpu"
      ? await timeTraining(data, cpuSteps, 0)
      : await timeTraining(data, all, WARMUP_STEPS, name.startsWith("tensorflow-"), pool);
    const gradients = name === "tensorflow-stock"
      ? ", tfjs' own gradients and Adam"
      : name === "tensorflow-tfjs-adam"
      ? ", tfjs' Adam"
      : name === "tensorflow"
      ? ", TensorFlow's fused Adam"
      : pool
      ? `, gradients on ${pool.size + 1} threads (as \`ferry train\` runs it)`
      : name === "wasm"
      ? ", one thread"
      : "";
    return { name, ...timing, note: `${info.reason}${gradients}` };
  } catch (error) {
    return { name, note: `not measured: ${(error as Error).message}` };
  } finally {
    pool?.close();
  }
}

async function kerasRow(python: string, raw: string, images: number): Promise<Row> {
  const script = join(import.meta.dirname!, "keras_reference.py");
  try {
    const out = await new Deno.Command(python, {
      args: [
        script,
        ...["--raw", raw, "--images", String(images)],
        ...["--architecture", ARCHITECTURE, "--batch", String(BATCH)],
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      const lines = new TextDecoder().decode(out.stderr).trim().split("\n");
      return { name: "keras", note: `skipped: ${lines.at(-1)}` };
    }
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
    const result = JSON.parse(lines.at(-1)!);
    return {
      name: "keras",
      msPerStep: Math.min(...result.ms_per_step),
      cpuMsPerStep: Math.min(...result.cpu_ms_per_step),
      steps: result.steps,
      note: `Keras ${result.keras} on TensorFlow ${result.tensorflow}, model.fit`,
    };
  } catch (error) {
    return { name: "keras", note: `skipped: ${python} cannot run (${(error as Error).message})` };
  }
}

function best(a: Row | undefined, b: Row): Row {
  if (a?.msPerStep === undefined) return b;
  return b.msPerStep !== undefined && b.msPerStep < a.msPerStep ? b : a;
}

function formatRate(imagesPerSecond: number): string {
  if (imagesPerSecond >= 10) return Math.round(imagesPerSecond).toLocaleString("en-US");
  return imagesPerSecond.toPrecision(2);
}

function printTable(rows: Row[], epochImages: number): void {
  const keras = rows.find((r) => r.name === "keras");
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? "-" : `${(a / b).toFixed(2)}×`;
  const epochSteps = Math.ceil(epochImages / BATCH);
  const header = [
    "backend",
    "ms/step",
    "images/s",
    `s/epoch (${epochImages})`,
    "× Keras",
    "CPU ms/step",
    "× Keras (CPU)",
    "note",
  ];
  const body = rows.map((r) => {
    if (r.msPerStep === undefined) return [r.name, "-", "-", "-", "-", "-", "-", r.note];
    return [
      r.name,
      r.msPerStep.toFixed(1),
      formatRate(BATCH / (r.msPerStep / 1000)),
      (r.msPerStep * epochSteps / 1000).toFixed(1),
      ratio(r.msPerStep, keras?.msPerStep),
      r.cpuMsPerStep?.toFixed(1) ?? "-",
      ratio(r.cpuMsPerStep, keras?.cpuMsPerStep),
      `${r.note} (${r.steps} steps timed)`,
    ];
  });
  const table = [header, header.map(() => "---"), ...body];
  console.log(table.map((cells) => `| ${cells.join(" | ")} |`).join("\n"));
}

const cores = navigator.hardwareConcurrency;
console.error(`before: ${load()}, ${cores} cores`);
const { dataset } = await loadImageFolder(values.dir, { reporter: silentReporter });
const data = pickSubset(dataset, Number(values.images));
const raw = await Deno.makeTempFile({ prefix: "ferry-bench-train-", suffix: ".u8" });
try {
  const bytes = new Uint8Array(data.images.length + data.labels.length);
  bytes.set(data.images);
  bytes.set(data.labels, data.images.length);
  await Deno.writeFile(raw, bytes);
  const names = values.backends.split(",").filter((n) => n !== "");
  const rows = new Map<string, Row>();
  for (let round = 0; round < Number(values.rounds); round++) {
    rows.set("keras", best(rows.get("keras"), await kerasRow(values.python, raw, data.count)));
    for (const name of names) {
      if (name === "cpu" && round > 0) continue;
      rows.set(name, best(rows.get(name), await tfjsRow(name, data, Number(values["cpu-steps"]))));
    }
  }
  console.log(
    `${ARCHITECTURE === "airbench" ? "airbench" : "Notebook CNN"}, batch ${BATCH}, Adam 1e-3: ` +
      `${data.count} of the ${dataset.count} images of ` +
      `${values.dir}, ${values.rounds} round(s), fastest kept; s/epoch for all ${dataset.count}.`,
  );
  printTable([...rows.values()], dataset.count);
} finally {
  await Deno.remove(raw);
}
console.error(`after: ${load()}`);
