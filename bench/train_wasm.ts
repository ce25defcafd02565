/**
 * The WebAssembly fallback's training speed: the notebook's CNN (batch 64, Adam 1e-3, dropout
 * on) on the wasm backend with ferry's training kernels, on one thread and sharded across the
 * main thread and Deno workers, beside tfjs' JavaScript `cpu` backend (timed on one batch: it
 * takes minutes). Random pixels: the speed does not depend on them.
 *
 *   deno run -A bench/train_wasm.ts [--steps 20] [--workers 1] [--cpu-steps 1]
 *
 * Besides wall-clock ms/step it prints the process' CPU time per step, which other work
 * sharing the machine inflates far less than wall time, and the load average.
 */
import { parseArgs } from "node:util";
import process from "node:process";
import * as tf from "@tensorflow/tfjs";
import { buildModel, resolveModelOptions } from "../src/model/mod.ts";
import { initBackend } from "../src/train/mod.ts";
import { silentReporter } from "../src/progress/mod.ts";
import { WasmGradientPool } from "../src/train/_wasm_workers.ts";
import { applyGradientArrays, shardGradients } from "../src/train/_wasm_shard.ts";
import type { Batch } from "../src/data/dataset.ts";

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

/** Single-thread step: the gradient of the whole batch, then one optimiser step. */
const singleStep: Step = (model, optimizer, variables, batch) => {
  const r = shardGradients(model, variables, "categorical_crossentropy", batch, 0);
  applyGradientArrays(optimizer, variables, r.gradients);
  return Promise.resolve(r);
};

/** [wall ms/step, CPU ms/step] over `steps` steps after `warmup`. */
async function time(step: Step, steps: number, warmup: number): Promise<[number, number]> {
  const model = buildModel("notebook_cnn", OPTIONS);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(1e-3);
  const batches = [randomBatch(1), randomBatch(2)];
  for (let i = 0; i < warmup; i++) await step(model, optimizer, variables, batches[i % 2]!);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step(model, optimizer, variables, batches[i % 2]!);
  const wall = (performance.now() - t0) / steps;
  const cpu = process.cpuUsage(cpu0);
  optimizer.dispose();
  model.dispose();
  return [wall, (cpu.user + cpu.system) / 1000 / steps];
}

const load = () => Deno.loadavg().map((l) => l.toFixed(2)).join(" ");
const steps = Number(values.steps);
const workers = Number(values.workers);
const cpuSteps = Number(values["cpu-steps"]);
console.log(`before: load average ${load()}, ${navigator.hardwareConcurrency} cores`);
const rows: [string, number, number, string][] = [];

await initBackend("wasm", silentReporter);
const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT") ? "SIMD" : "no SIMD";
const [w1, c1] = await time(singleStep, steps, WARMUP);
rows.push(["wasm, 1 thread", w1, c1, `${simd}, ${steps} steps`]);

const pool = await WasmGradientPool.create("notebook_cnn", OPTIONS, workers);
const sharded: Step = (model, optimizer, variables, batch) =>
  pool.step(model, optimizer, { variables, loss: "categorical_crossentropy", batch });
const [wn, cn] = await time(sharded, steps, WARMUP);
rows.push([`wasm, main + ${workers} worker(s)`, wn, cn, `${simd}, ${steps} steps`]);
pool.close();

if (cpuSteps > 0) {
  await initBackend("cpu", silentReporter);
  const [wc, cc] = await time(singleStep, cpuSteps, 0);
  rows.push(["cpu (JavaScript)", wc, cc, `${cpuSteps} step(s), no warm-up`]);
}

console.log(`Notebook CNN, batch ${BATCH}, Adam 1e-3, random pixels`);
console.log("| backend | ms/step | images/s | CPU ms/step | note |");
console.log("| --- | --- | --- | --- | --- |");
for (const [name, wall, cpu, note] of rows) {
  const rate = (BATCH / wall * 1000).toFixed(0);
  console.log(`| ${name} | ${wall.toFixed(1)} | ${rate} | ${cpu.toFixed(1)} | ${note} |`);
}
console.log(`after: load average ${load()}`);
