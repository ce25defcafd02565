/**
 * Data pipeline benchmark: cold decode and cached load of an image folder (by default the 50,000
 * CIFAR-10 training JPEGs), and batch throughput with and without augmentation. Prints a table.
 *
 *   deno run -A bench/data.ts [--dir ../shared/datasets/cifar10/train] [--repeats 3]
 *
 * The cache goes to a temporary folder that is removed afterwards; the user's cache is untouched.
 */
import { parseArgs } from "node:util";
import { createBatches, type ImageDataset, loadImageFolder } from "../src/data/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    dir: { type: "string", default: "../shared/datasets/cifar10/train" },
    repeats: { type: "string", default: "3" },
  },
});
const dir = values.dir;
const repeats = Number(values.repeats);
const rows: [string, string, string][] = [];
const rate = (n: number, ms: number) => Math.round(n / (ms / 1000)).toLocaleString("en-US");
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function timed<T>(run: () => Promise<T> | T): Promise<[T, number]> {
  const start = performance.now();
  const result = await run();
  return [result, performance.now() - start];
}

const load = () => `load average ${Deno.loadavg().map((l) => l.toFixed(2)).join(" ")}`;
console.error(`before: ${load()}, ${navigator.hardwareConcurrency} cores`);
const cacheDir = await Deno.makeTempDir({ prefix: "ferry-bench-data-" });
try {
  // Cold: every file read and decoded, no cache involved (the page cache may hold the files),
  // on this thread (loadImageFolder's default) and on a decode pool with one worker per core.
  let dataset: ImageDataset | undefined;
  let count = 0;
  for (const workers of [1, navigator.hardwareConcurrency]) {
    let best = Infinity;
    for (let i = 0; i < repeats; i++) {
      const [loaded, ms] = await timed(() => loadImageFolder(dir, { cache: false, workers }));
      dataset = loaded.dataset;
      best = Math.min(best, ms);
    }
    count = dataset!.count;
    const how = workers === 1 ? "this thread" : `pool of ${workers} workers`;
    rows.push([
      `cold decode of ${count} images, ${how} (best of ${repeats})`,
      seconds(best),
      `${rate(count, best)} images/s`,
    ]);
  }
  const [, writeMs] = await timed(() => loadImageFolder(dir, { cacheDir }));
  rows.push(["decode + write cache", seconds(writeMs), `${rate(count, writeMs)} images/s`]);
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const [loaded, ms] = await timed(() => loadImageFolder(dir, { cacheDir }));
    if (!loaded.fromCache) throw new Error("the second load did not come from the cache");
    best = Math.min(best, ms);
  }
  rows.push([
    `cached load (fingerprint + read, best of ${repeats})`,
    seconds(best),
    `${rate(count, best)} images/s`,
  ]);

  for (const augment of [false, {}] as const) {
    best = Infinity;
    for (let i = 0; i < repeats; i++) {
      const [, ms] = await timed(() => {
        for (
          const _batch of createBatches(dataset!, { batchSize: 128, seed: i, epoch: i, augment })
        ) {
          // Only the production of batches is measured.
        }
      });
      best = Math.min(best, ms);
    }
    const label = augment
      ? "batches, augmented (flip + shift 0.1, bilinear)"
      : "batches, normalised only";
    rows.push([`${label}, one epoch`, seconds(best), `${rate(count, best)} images/s`]);
  }
} finally {
  await Deno.remove(cacheDir, { recursive: true });
}

console.log(`\nferry data pipeline, ${dir}\n`);
console.log("| step | time | throughput |\n|---|---:|---:|");
for (const [step, time, throughput] of rows) console.log(`| ${step} | ${time} | ${throughput} |`);
console.log(`\nafter: ${load()}`);
