/**
 * `bench/classify`: images per second of `ferry classify` on 10,000 real 32×32 CIFAR-10 JPEGs
 * and on 500 photo-sized (1024×768) JPEGs, beside the Python peer (walk + Pillow + onnxruntime
 * in batches of 256, `bench/peers/classify_peer.py`) on the same files and the same model, and
 * the peak memory (RSS) of the CLI over a folder of 100,000 files.
 *
 * Usage: deno run -A bench/classify.ts [--rounds 3] [--skip-memory] [--skip-photos] [--model m.onnx]
 *
 * Every figure is the best of `rounds` runs, ferry and the peer alternating so that both see
 * the same machine. The model is `--model`, else the shipped one, else the notebook's CNN with
 * random weights (same cost per image); the peer runs the same file. Files live in a temporary
 * folder, never in the repository.
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { classifyPaths, openClassifyModel } from "../src/classify/mod.ts";
import { benchModel } from "./_model.ts";
import { PYTHON } from "./_python.ts";

const CIFAR_TRAIN = "/work/shared/datasets/cifar10/train";
const PEER = new URL("./peers/classify_peer.py", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;

const args = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "3" },
    "skip-memory": { type: "boolean", default: false },
    "skip-photos": { type: "boolean", default: false },
    model: { type: "string" },
  },
});
const rounds = Number(args.values.rounds);

interface Row {
  workload: string;
  ferry: number;
  peer?: number;
}

/** 1,000 JPEGs of each CIFAR-10 class, copied (they are small) into `dir/<class>/`. */
async function copyCifar(dir: string, perClass: number): Promise<number> {
  let count = 0;
  for (const entry of await Array.fromAsync(Deno.readDir(CIFAR_TRAIN))) {
    if (!entry.isDirectory) continue;
    const names = (await Array.fromAsync(Deno.readDir(join(CIFAR_TRAIN, entry.name))))
      .map((e) => e.name).sort().slice(0, perClass);
    await Deno.mkdir(join(dir, entry.name), { recursive: true });
    for (const name of names) {
      await Deno.copyFile(join(CIFAR_TRAIN, entry.name, name), join(dir, entry.name, name));
      count++;
    }
  }
  return count;
}

/** `count` photo-sized JPEGs: CIFAR images scaled up to 1024×768 with grain, quality 85. */
async function makePhotos(dir: string, cifar: string, count: number): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const sources: string[] = [];
  for await (const e of Deno.readDir(join(cifar, "cat"))) sources.push(join(cifar, "cat", e.name));
  const distinct = 25;
  const encoded: Uint8Array[] = [];
  for (let i = 0; i < distinct; i++) {
    const base = await sharp(sources[i]!).resize(1024, 768, { kernel: "cubic" }).raw()
      .toBuffer({ resolveWithObject: true });
    for (let p = 0; p < base.data.length; p++) {
      base.data[p] = Math.max(0, Math.min(255, base.data[p]! + ((p * 7919 + i) % 23) - 11));
    }
    encoded.push(
      new Uint8Array(await sharp(base.data, { raw: base.info }).jpeg({ quality: 85 }).toBuffer()),
    );
  }
  for (let i = 0; i < count; i++) {
    await Deno.writeFile(join(dir, `photo_${i}.jpg`), encoded[i % distinct]!);
  }
}

/** `count` files in one folder, hard links to the files under `source`. */
async function makeHugeFolder(dir: string, source: string, count: number): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const files: string[] = [];
  for await (const c of Deno.readDir(source)) {
    for await (const f of Deno.readDir(join(source, c.name))) {
      files.push(join(source, c.name, f.name));
    }
  }
  for (let i = 0; i < count; i++) await Deno.link(files[i % files.length]!, join(dir, `${i}.jpg`));
}

async function pythonPeerAvailable(): Promise<string | undefined> {
  try {
    const probe = await new Deno.Command(PYTHON, {
      args: ["-c", "import PIL, onnxruntime, numpy"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (probe.success) return undefined;
    return new TextDecoder().decode(probe.stderr).trim().split("\n").at(-1);
  } catch (error) {
    return (error as Error).message;
  }
}

async function runPeer(model: string, folder: string, out: string): Promise<number> {
  const result = await new Deno.Command(PYTHON, {
    args: [PEER, model, folder, out, "256"],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!result.success) throw new Error(`the Python peer failed on ${folder}`);
  return JSON.parse(new TextDecoder().decode(result.stdout)).images_per_second;
}

/** Best images/s of ferry (in-process, session already open) and the peer, alternating. */
async function compare(
  workload: string,
  model: string,
  folder: string,
  tmp: string,
  peer: boolean,
): Promise<Row> {
  const session = await openClassifyModel(model);
  let ferry = 0;
  let python: number | undefined;
  try {
    for (let round = 0; round < rounds; round++) {
      const summary = await classifyPaths(session, [folder], { out: join(tmp, "ferry.csv") });
      ferry = Math.max(ferry, summary.imagesPerSecond);
      if (peer) python = Math.max(python ?? 0, await runPeer(model, folder, join(tmp, "peer.csv")));
      console.error(
        `  ${workload} round ${round + 1}: ferry ${Math.round(summary.imagesPerSecond)}/s` +
          (peer ? `, peer ${Math.round(python!)}/s (best so far)` : ""),
      );
    }
  } finally {
    await session.release();
  }
  return { workload, ferry, ...(python !== undefined ? { peer: python } : {}) };
}

/**
 * Peak RSS of `deno task classify` (as a user runs it, with the task's V8 flags) over `folder`,
 * in MiB: the largest process under the task runner.
 */
async function peakMemory(model: string, folder: string, out: string) {
  const started = performance.now();
  const result = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%M", Deno.execPath(), "task", "classify", "--model", model, "--out", out, folder],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(result.stderr).trim().split("\n");
  if (!result.success) throw new Error(`ferry classify failed: ${stderr.slice(-3).join("\n")}`);
  const rows = (await Deno.readTextFile(out)).split("\n").length - 2;
  return {
    peakMiB: Number(stderr.at(-1)) / 1024,
    rows,
    seconds: (performance.now() - started) / 1000,
    summary: stderr.findLast((l) => l.includes("classified")) ?? "",
  };
}

const tmp = await Deno.makeTempDir({ prefix: "ferry-bench-classify-" });
try {
  const { path: model, source } = await benchModel(args.values.model);
  const missing = await pythonPeerAvailable();
  if (missing) console.error(`Python peer skipped: ${missing} (pip install pillow onnxruntime)`);
  const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  console.error(`model: ${model} (${source})`);
  console.error(`load average before: ${load}`);
  const cifar = join(tmp, "cifar10k");
  console.error(`copying ${await copyCifar(cifar, 1000)} CIFAR-10 JPEGs…`);
  const rows: Row[] = [await compare("10,000 CIFAR-10 JPEGs, 32×32", model, cifar, tmp, !missing)];
  if (!args.values["skip-photos"]) {
    const photos = join(tmp, "photos");
    await makePhotos(photos, cifar, 500);
    rows.push(await compare("500 photos, 1024×768 JPEG", model, photos, tmp, !missing));
  }
  console.log(`\n| workload | ferry images/s | Python peer images/s | ferry / peer |`);
  console.log(`|---|---:|---:|---:|`);
  for (const r of rows) {
    const ratio = r.peer ? `${(r.ferry / r.peer).toFixed(2)}×` : "skipped";
    const peer = r.peer ? Math.round(r.peer).toLocaleString("en-US") : "skipped";
    console.log(
      `| ${r.workload} | ${Math.round(r.ferry).toLocaleString("en-US")} | ${peer} | ${ratio} |`,
    );
  }
  const hasTime = await Deno.stat("/usr/bin/time").then(() => true, () => false);
  if (!hasTime) {
    console.log("\nPeak memory skipped: /usr/bin/time is missing (apt-get install time)");
  }
  if (!args.values["skip-memory"] && hasTime) {
    const huge = join(tmp, "huge");
    await makeHugeFolder(huge, cifar, 100_000);
    const memory = await peakMemory(model, huge, join(tmp, "huge.csv"));
    console.log(`\n| folder | rows written | peak RSS | wall time (CLI, incl. start) |`);
    console.log(`|---|---:|---:|---:|`);
    console.log(
      `| 100,000 files, 32×32 JPEG | ${memory.rows.toLocaleString("en-US")} | ` +
        `${memory.peakMiB.toFixed(0)} MiB | ${memory.seconds.toFixed(1)} s |`,
    );
    console.log(`\nferry's own summary: ${memory.summary}`);
  }
  const after = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  console.log(`\nload average before: ${load}; after: ${after} (2 cores)`);
} finally {
  await Deno.remove(tmp, { recursive: true });
}
