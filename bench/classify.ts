/**
 * `bench/classify`: `ferry classify` beside the Python peer (walk + Pillow + onnxruntime in
 * batches of 256, `bench/peers/classify_peer.py`) on the same files and the same model, both
 * timed as whole processes started the same way every round, as a user runs them:
 * `deno task classify --model M --out F DIR` against `python3 classify_peer.py M DIR F 256`,
 * from spawn to exit (start-up included), with each one's CPU time and peak memory (RSS) from
 * `/usr/bin/time`. Folders: 10 CIFAR-10 JPEGs (start-up), 10,000 (32×32), 100,000 (hard links to
 * the 10,000, in one folder) and 500 photo-sized (1024×768) JPEGs. A second table gives ferry's
 * in-process rate (model already open and warm, rounds reusing the JIT), labelled as such: it
 * is no like-for-like comparison, since the peer starts afresh each round.
 *
 * Usage: deno run -A bench/classify.ts [--rounds 3] [--huge-rounds 1] [--skip-huge]
 * [--skip-photos] [--skip-in-process] [--model m.onnx]
 *
 * Every figure is the best of `rounds` runs (`huge-rounds` for 100,000 files), ferry and the
 * peer alternating, so that both see the same machine. The model is `--model`, else the shipped
 * one, else the notebook's CNN with random weights (same cost per image); the peer runs the same
 * file. Files live in a temporary folder, never in the repository.
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
    "huge-rounds": { type: "string", default: "1" },
    "skip-huge": { type: "boolean", default: false },
    "skip-photos": { type: "boolean", default: false },
    "skip-in-process": { type: "boolean", default: false },
    model: { type: "string" },
  },
});
const rounds = Number(args.values.rounds);
const hugeRounds = Number(args.values["huge-rounds"]);

/** One whole process: wall seconds from spawn to exit, CPU seconds and peak RSS (MiB). */
interface ProcessRun {
  seconds: number;
  cpuSeconds: number;
  peakMiB: number;
  rows: number;
}

interface ProcessRow {
  workload: string;
  images: number;
  ferry: ProcessRun;
  peer?: ProcessRun;
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

/**
 * Runs `command` once under `/usr/bin/time` (wall from spawn to exit, CPU, peak RSS) and
 * counts the rows of the CSV it wrote to `out`.
 */
async function timeProcess(command: string[], out: string, label: string): Promise<ProcessRun> {
  const started = performance.now();
  const result = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%U %S %M", ...command],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  const stderr = new TextDecoder().decode(result.stderr).trim().split("\n");
  if (!result.success) throw new Error(`${label} failed: ${stderr.slice(-3).join("\n")}`);
  const [user, system, kib] = stderr.at(-1)!.split(" ").map(Number);
  const rows = (await Deno.readTextFile(out)).trimEnd().split("\n").length - 1;
  return { seconds, cpuSeconds: user! + system!, peakMiB: kib! / 1024, rows };
}

/** `deno task classify` as a user runs it, with the task's V8 flags. */
const ferryProcess = (model: string, folder: string, out: string) =>
  timeProcess(
    [Deno.execPath(), "task", "classify", "--model", model, "--out", out, folder],
    out,
    "ferry classify",
  );

const peerProcess = (model: string, folder: string, out: string) =>
  timeProcess([PYTHON, PEER, model, folder, out, "256"], out, "the Python peer");

/** Best (shortest) whole-process runs of ferry and the peer over `folder`, alternating. */
async function compareProcesses(
  workload: string,
  model: string,
  folder: string,
  tmp: string,
  peer: boolean,
  times: number,
): Promise<ProcessRow> {
  const best = (a: ProcessRun | undefined, b: ProcessRun) => !a || b.seconds < a.seconds ? b : a;
  let ferry: ProcessRun | undefined;
  let python: ProcessRun | undefined;
  for (let round = 0; round < times; round++) {
    const ferryFirst = round % 2 === 0;
    const one = async (side: "ferry" | "peer") => {
      if (side === "ferry") {
        ferry = best(ferry, await ferryProcess(model, folder, join(tmp, "f.csv")));
      } else if (peer) python = best(python, await peerProcess(model, folder, join(tmp, "p.csv")));
    };
    for (const side of ferryFirst ? ["ferry", "peer"] as const : ["peer", "ferry"] as const) {
      await one(side);
    }
    console.error(
      `  ${workload} round ${round + 1}: ferry ${ferry!.seconds.toFixed(2)} s` +
        (python ? `, peer ${python.seconds.toFixed(2)} s` : "") + " (best so far)",
    );
  }
  return { workload, images: ferry!.rows, ferry: ferry!, ...(python ? { peer: python } : {}) };
}

/** Best images/s of ferry in one process, its model open and warm across rounds. */
async function inProcess(model: string, folder: string, tmp: string): Promise<number> {
  const session = await openClassifyModel(model);
  let best = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      const summary = await classifyPaths(session, [folder], { out: join(tmp, "ferry.csv") });
      best = Math.max(best, summary.imagesPerSecond);
    }
  } finally {
    await session.release();
  }
  return best;
}

/** The first `count` files under `source`, copied into `dir`. */
async function copyFirst(dir: string, source: string, count: number): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  let copied = 0;
  for (const c of (await Array.fromAsync(Deno.readDir(source))).map((e) => e.name).sort()) {
    for (const f of (await Array.fromAsync(Deno.readDir(join(source, c)))).map((e) => e.name)) {
      if (copied === count) return;
      await Deno.copyFile(join(source, c, f), join(dir, `${copied++}_${f}`));
    }
  }
}

const seconds = (run: ProcessRun | undefined) => run ? run.seconds.toFixed(2) : "skipped";
const cpu = (run: ProcessRun | undefined) => run ? run.cpuSeconds.toFixed(2) : "skipped";
const mib = (run: ProcessRun | undefined) => run ? run.peakMiB.toFixed(0) : "skipped";

const tmp = await Deno.makeTempDir({ prefix: "ferry-bench-classify-" });
try {
  const hasTime = await Deno.stat("/usr/bin/time").then(() => true, () => false);
  if (!hasTime) throw new Error("bench/classify needs /usr/bin/time (apt-get install time)");
  const { path: model, source } = await benchModel(args.values.model);
  const missing = await pythonPeerAvailable();
  if (missing) console.error(`Python peer skipped: ${missing} (pip install pillow onnxruntime)`);
  const peer = !missing;
  const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  const cpuFlags: string[] =
    (await Deno.readTextFile("/proc/cpuinfo")).match(/avx512_vnni|avx2/g) ?? [];
  const cpuName = /model name\s*:\s*(.*)/.exec(await Deno.readTextFile("/proc/cpuinfo"))?.[1];
  console.error(`model: ${model} (${source})`);
  console.error(`load average before: ${load}`);
  const cifar = join(tmp, "cifar10k");
  console.error(`copying ${await copyCifar(cifar, 1000)} CIFAR-10 JPEGs…`);
  const ten = join(tmp, "ten");
  await copyFirst(ten, cifar, 10);
  const rows: ProcessRow[] = [
    await compareProcesses("10 CIFAR-10 JPEGs (start-up)", model, ten, tmp, peer, rounds),
    await compareProcesses("10,000 CIFAR-10 JPEGs, 32×32", model, cifar, tmp, peer, rounds),
  ];
  if (!args.values["skip-huge"]) {
    const huge = join(tmp, "huge");
    await makeHugeFolder(huge, cifar, 100_000);
    rows.push(
      await compareProcesses("100,000 files, 32×32 JPEG", model, huge, tmp, peer, hugeRounds),
    );
    await Deno.remove(huge, { recursive: true });
  }
  const photos = join(tmp, "photos");
  if (!args.values["skip-photos"]) {
    await makePhotos(photos, cifar, 500);
    rows.push(
      await compareProcesses("500 photos, 1024×768 JPEG", model, photos, tmp, peer, rounds),
    );
  }
  console.log(
    `\nWhole processes, spawn to exit (best of ${rounds}; ${hugeRounds} for 100,000 files); ` +
      `${navigator.hardwareConcurrency} cores, ${cpuName ?? "CPU unknown"} ` +
      `(${
        cpuFlags.includes("avx512_vnni") ? "AVX-512 VNNI" : cpuFlags.length ? "AVX2" : "no AVX2"
      })`,
  );
  console.log(
    "\n| workload | rows | ferry s | peer s | ferry / peer speed | ferry CPU s | peer CPU s | " +
      "ferry peak RSS MiB | peer peak RSS MiB |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const ratio = r.peer ? `${(r.peer.seconds / r.ferry.seconds).toFixed(2)}×` : "skipped";
    console.log(
      `| ${r.workload} | ${r.images.toLocaleString("en-US")} | ${seconds(r.ferry)} | ` +
        `${seconds(r.peer)} | ${ratio} | ${cpu(r.ferry)} | ${cpu(r.peer)} | ${mib(r.ferry)} | ` +
        `${mib(r.peer)} |`,
    );
  }
  if (!args.values["skip-in-process"]) {
    console.log(
      `\nIn-process, ferry only (model open and warm, classifyPaths, best of ${rounds}): ` +
        "not comparable with the peer's whole process",
    );
    console.log("\n| workload | ferry images/s in-process |\n|---|---:|");
    const folders: [string, string][] = [["10,000 CIFAR-10 JPEGs, 32×32", cifar]];
    if (!args.values["skip-photos"]) folders.push(["500 photos, 1024×768 JPEG", photos]);
    for (const [workload, folder] of folders) {
      const rate = await inProcess(model, folder, tmp);
      console.log(`| ${workload} | ${Math.round(rate).toLocaleString("en-US")} |`);
    }
  }
  const after = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  console.log(`\nload average before: ${load}; after: ${after}`);
} finally {
  await Deno.remove(tmp, { recursive: true });
}
