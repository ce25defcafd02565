/**
 * The WebAssembly fallback's training speed: the notebook's CNN (batch 64, Adam 1e-3, dropout
 * on) on the wasm backend with ferry's training kernels, on one thread and sharded across the
 * main thread and Deno workers, beside tfjs' JavaScript `cpu` backend (timed on one batch: it
 * takes minutes). Random pixels: the speed does not depend on them.
 *
 *   deno run -A bench/train_wasm.ts [--steps 20] [--workers 1] [--cpu-steps 1]
 *
 * Besides wall-clock ms/step it prints the process' CPU time per step and that of its busiest
 * thread, which other work sharing the machine inflates far less than wall time (the busiest
 * thread's is roughly the step time on otherwise idle cores), and the load average.
 */
import { parseArgs } from "node:util";
import process from "node:process";
import * as tf from "@tensorflow/tfjs";
import { buildModel, resolveModelOptions } from "../src/model/mod.ts";
import { batchLoss, initBackend, WasmGradientPool } from "../src/train/mod.ts";
import { silentReporter } from "../src/progress/mod.ts";
import type { Batch } from "../src/data/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    steps: { type: "string", default: "20" },
    workers: { type: "string", default: String(Math.max(1, navigator.hardwareConcurrency - 1)) },
    "cpu-steps": { type: "string", default: "1" },
  },
});
const BATCH = 64;
const WARMUP = 3;
const OPTIONS = resolveModelOptions({});

type Step = (m: tf.LayersModel, o: tf.Optimizer, v: tf.Variable[], b: Batch) => Promise<unknown>;

function randomBatch(seed: number): Batch {
  let s = seed;
  const x = new Float32Array(BATCH * 32 * 32 * 3).map(() => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  });
  return { x, y: Uint8Array.from({ length: BATCH }, (_, i) => (i * 7 + seed) % 10), size: BATCH };
}

/** Single-thread step, as ferry's fit loop takes it: `optimizer.minimize` on the whole batch. */
const singleStep: Step = (model, optimizer, variables, batch) => {
  const xs = tf.tensor4d(batch.x, [batch.size, 32, 32, 3]);
  const ys = tf.tensor1d(Int32Array.from(batch.y), "int32");
  const cost = optimizer.minimize(
    () => {
      const probs = model.apply(xs, { training: true }) as tf.Tensor2D;
      return batchLoss("categorical_crossentropy", ys, probs);
    },
    true,
    variables,
  )!;
  cost.dataSync();
  tf.dispose([xs, ys, cost]);
  return Promise.resolve();
};

/** CPU seconds of each thread of this process (Linux' /proc; empty elsewhere). */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const entry of Deno.readDirSync("/proc/self/task")) {
      const stat = Deno.readTextFileSync(`/proc/self/task/${entry.name}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime and stime, fields 14 and 15 of stat(5), in clock ticks (100 per second).
      out.set(entry.name, (Number(fields[11]) + Number(fields[12])) / 100);
    }
  } catch {
    // Not Linux: no per-thread figures.
  }
  return out;
}

/** CPU ms per step of the busiest thread between two {@linkcode threadCpu} readings. */
function busiest(before: Map<string, number>, after: Map<string, number>, steps: number): number {
  let most = 0;
  for (const [tid, seconds] of after) most = Math.max(most, seconds - (before.get(tid) ?? 0));
  return most * 1000 / steps;
}

/**
 * [wall ms/step, CPU ms/step, busiest thread's CPU ms/step] over `steps` steps after `warmup`.
 * The last is what a step would take on otherwise idle cores, give or take the waits.
 */
async function time(
  step: Step,
  steps: number,
  warmup: number,
): Promise<[number, number, number]> {
  const model = buildModel("notebook_cnn", OPTIONS);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(1e-3);
  const batches = [randomBatch(1), randomBatch(2)];
  for (let i = 0; i < warmup; i++) await step(model, optimizer, variables, batches[i % 2]!);
  const cpu0 = process.cpuUsage();
  const threads0 = threadCpu();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step(model, optimizer, variables, batches[i % 2]!);
  const wall = (performance.now() - t0) / steps;
  const cpu = process.cpuUsage(cpu0);
  const thread = busiest(threads0, threadCpu(), steps);
  optimizer.dispose();
  model.dispose();
  return [wall, (cpu.user + cpu.system) / 1000 / steps, thread];
}

const load = () => Deno.loadavg().map((l) => l.toFixed(2)).join(" ");
const steps = Number(values.steps);
const workers = Number(values.workers);
const cpuSteps = Number(values["cpu-steps"]);
console.log(`before: load average ${load()}, ${navigator.hardwareConcurrency} cores`);
const rows: [string, number, number, number, string][] = [];

await initBackend("wasm", silentReporter);
const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT") ? "SIMD" : "no SIMD";
rows.push(["wasm, 1 thread", ...await time(singleStep, steps, WARMUP), `${simd}, ${steps} steps`]);

const pool = await WasmGradientPool.create("notebook_cnn", OPTIONS, workers);
const sharded: Step = (model, optimizer, variables, batch) =>
  pool.step(model, optimizer, { variables, loss: "categorical_crossentropy", batch });
rows.push([
  `wasm, main + ${workers} worker(s)`,
  ...await time(sharded, steps, WARMUP),
  `${simd}, ${steps} steps`,
]);
pool.close();

if (cpuSteps > 0) {
  await initBackend("cpu", silentReporter);
  rows.push(["cpu (JavaScript)", ...await time(singleStep, cpuSteps, 0), `${cpuSteps} step(s)`]);
}

console.log(`Notebook CNN, batch ${BATCH}, Adam 1e-3, random pixels`);
console.log("| backend | ms/step | images/s | CPU ms/step | busiest thread ms/step | note |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const [name, wall, cpu, thread, note] of rows) {
  const rate = (BATCH / wall * 1000).toFixed(0);
  const cells = [name, wall.toFixed(1), rate, cpu.toFixed(1), thread.toFixed(1), note];
  console.log(`| ${cells.join(" | ")} |`);
}
console.log(`after: load average ${load()}`);
