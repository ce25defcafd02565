/**
 * `deno run -A bench/memory.ts [--duration 60] [--wait 30] [--warmup 10] [--concurrency 8]
 * [--model m.onnx]`: does `ferry serve` give its memory back after a mixed load? Starts a real
 * `ferry serve` with its default processes (one worker per core and a warmed-up spare), sends
 * the chaos suite's mixed load (good JPEGs, truncated JPEGs, 64-image forms, forms of 8 PNG
 * bombs, v2 bodies nested 50,000 deep: test/_fixtures/mixed_load.ts) for `--warmup` seconds,
 * then for `--duration` seconds, waits `--wait` seconds, and prints the total resident memory
 * of the server's process tree at each point (sampled every second during the load for the
 * peak), the ratio that issue #16 bounds (1.3×: after the wait over after the warm-up) and the
 * requests by status.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { modelNameOf } from "../src/runtime/mod.ts";
import { mixedLoad } from "../test/_fixtures/mixed_load.ts";
import { stop, treeStats, waitReady } from "./_load.ts";
import { benchModel } from "./_model.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    duration: { type: "string", default: "60" },
    wait: { type: "string", default: "30" },
    warmup: { type: "string", default: "10" },
    concurrency: { type: "string", default: "8" },
    model: { type: "string" },
  },
});
const seconds = (name: "duration" | "wait" | "warmup") => Number(args.values[name]) * 1000;
// `--workers` needs a known port: a random high one, away from other benchmarks' fixed ones.
const PORT = 20_000 + Math.floor(Math.random() * 30_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (import.meta.main) {
  const model = await benchModel(args.values.model);
  const load = await Deno.readTextFile("/proc/loadavg");
  console.log(`model: ${model.path} (${model.source}); ${Deno.args.join(" ")}`);
  console.log(`load average at start: ${load.trim()}; ${navigator.hardwareConcurrency} cores\n`);
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/cli/main.ts", "serve", model.path, "--port", String(PORT)],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitReady(`http://127.0.0.1:${PORT}/v2/health/ready`, server);
    // The supervisor, its workers and the spare, which warms up beside them.
    const processes = 1 + navigator.hardwareConcurrency + 1;
    while ((await treeStats(server.pid)).processes < processes) await sleep(500);
    const mixed = await mixedLoad(`http://127.0.0.1:${PORT}`, {
      model: modelNameOf(model.path),
      concurrency: Number(args.values.concurrency),
      maxRequests: Number.MAX_SAFE_INTEGER,
    });
    await mixed(seconds("warmup"));
    const warm = (await treeStats(server.pid)).rssMiB;
    let peak = warm;
    const sampler = setInterval(async () => {
      peak = Math.max(peak, (await treeStats(server.pid)).rssMiB);
    }, 1000);
    const statuses = await mixed(seconds("duration"));
    clearInterval(sampler);
    const end = (await treeStats(server.pid)).rssMiB;
    await sleep(seconds("wait"));
    const after = (await treeStats(server.pid)).rssMiB;
    const sent = [...statuses.values()].reduce((a, b) => a + b, 0);
    const byStatus = [...statuses].sort(([a], [b]) => a - b)
      .map(([status, count]) => `${count} × ${status || "error"}`).join(", ");
    console.log(
      `Mixed load, ${args.values.concurrency} loops, ${args.values.warmup} s warm-up, ` +
        `${args.values.duration} s load, ${args.values.wait} s wait; RSS of ${processes} ` +
        `processes in MiB\n`,
    );
    console.log(
      "| warm-up RSS | peak | end of load | " + `${args.values.wait} s later | ratio | ` +
        "requests | by status |",
    );
    console.log("|---|---|---|---|---|---|---|");
    console.log(
      `| ${Math.round(warm)} | ${Math.round(peak)} | ${Math.round(end)} | ${Math.round(after)} | ` +
        `${(after / warm).toFixed(2)}× | ${sent} | ${byStatus} |`,
    );
  } finally {
    await stop(server);
  }
  const end = await Deno.readTextFile("/proc/loadavg");
  console.log(`\nload average at the end: ${end.trim()}`);
}
