/**
 * `deno run -A bench/serve.ts [--duration 5] [--setups 2,1] [--repeat 2] [--pick best] [--soak 0]
 * [--model m.onnx] [--model-only] [--protocol-only] [--deno-server]`: ferry's
 * prediction service under load beside the FastAPI peer (bench/peers/serve_peer.py) serving the
 * same ONNX file. Debian's `hey` sends single-image requests (raw body) of a real 32×32 CIFAR-10
 * JPEG and of a 1024×768 JPEG at concurrency 1, 16 and 64; ferry runs with batching on and off.
 * A setup is a number of server processes (`--workers`), with `+N` decode threads per process for
 * ferry. All servers of a setup run at once and are measured back to back, best of `--repeat`
 * (`--pick median`: the run of median requests/s, for noisy figures such as CPU per request), so
 * that load from elsewhere hits them alike (each run after a second of the same load, unmeasured);
 * the ratios to the peer are taken round by round (the median and range of each round's ferry run
 * against the same round's peer run), and `hey`'s own CPU per request is shown beside the
 * server's (it shares the cores). `--deno-server` adds ferry on `Deno.serve` (`--http-server
 * deno`, batching on). Also prints onnxruntime's model-only throughput at batch 1 and 64, for the
 * model and its int8 copy when there is one (`--model-only`: just that);
 * `--soak S` adds an S-second run at concurrency 64 sampling the server's memory. The protocol
 * table (`--no-protocol` leaves it out, `--protocol-only` prints just it) sends the 32×32 JPEG to
 * one ferry server of the first setup as `/v1/classify`'s body, as v2 binary FP32, as a v2 BYTES
 * JPEG and as v2 JSON FP32 at each of `--protocol-concurrency` (64; a list such as 1,64), with
 * the server's CPU per request beside `/v1/classify`'s.
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import sharp from "sharp";
import {
  type ClassifierSession,
  openClassifier,
  openClassifierWorkers,
} from "../src/runtime/mod.ts";
import { hey, type LoadResult, stop, treeStats, waitReady, which } from "./_load.ts";
import { benchModel, int8Sibling } from "./_model.ts";
import { printProtocolTable } from "./_serve_v2.ts";
import { modelNameOf } from "../src/runtime/mod.ts";
import { peerAvailable, startPeer } from "./_serve_peer.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    duration: { type: "string", default: "5" },
    setups: { type: "string", default: "2,1" },
    repeat: { type: "string", default: "2" },
    pick: { type: "string", default: "best" },
    threads: { type: "string", default: "1" },
    concurrency: { type: "string", default: "1,16,64" },
    soak: { type: "string", default: "0" },
    protocol: { type: "boolean", default: true },
    "protocol-concurrency": { type: "string", default: "64" },
    peer: { type: "boolean", default: true },
    model: { type: "string" },
    "model-only": { type: "boolean", default: false },
    "protocol-only": { type: "boolean", default: false },
    "deno-server": { type: "boolean", default: false },
  },
  allowNegative: true,
});
const DURATION = Number(args.values.duration);
/** Server setups: processes, optionally `+N` decode worker threads per process (ferry only). */
const SETUPS = args.values.setups.split(",").map((setup) => {
  const [processes, decoders] = setup.split("+").map(Number);
  return { processes: processes!, decoders: decoders ?? 0 };
});
const REPEAT = Number(args.values.repeat);
const PICK = args.values.pick;
if (PICK !== "best" && PICK !== "median") throw new Error(`--pick: best or median, got ${PICK}`);
const THREADS = Number(args.values.threads);
const CONCURRENCY = args.values.concurrency.split(",").map(Number);
const CIFAR = "/work/shared/datasets/cifar10/train";
/** Seconds of unmeasured load each server gets once ready. */
const WARM_UP_S = 3;
/** Seconds of unmeasured load right before each measured run. */
const PRIME_S = 1;

function startFerry(
  model: string,
  port: number,
  maxBatch: number,
  setup: { processes: number; decoders: number },
  grpcPort = 0,
  httpServer: "node" | "deno" = "node",
) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "src/cli/main.ts",
      "serve",
      model,
      "--port",
      String(port),
      "--max-batch",
      String(maxBatch),
      "--workers",
      String(setup.processes),
      "--decode-workers",
      String(setup.decoders),
      "--threads",
      String(THREADS),
      "--grpc-port",
      String(grpcPort),
      "--no-access-log",
      "--http-server",
      httpServer,
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

/** Images per second of `session` on batches of `batch`, with `inFlight` runs started at once. */
async function throughput(session: ClassifierSession, batch: number, inFlight: number) {
  const x = new Float32Array(batch * 3072);
  for (let i = 0; i < x.length; i++) x[i] = (i % 251) / 251;
  for (let i = 0; i < 20; i++) await session.run(x, batch);
  let runs = 0;
  const started = performance.now();
  while (performance.now() - started < 2000) {
    await Promise.all(Array.from({ length: inFlight }, () => session.run(x, batch)));
    runs += inFlight;
  }
  const ms = performance.now() - started;
  return { imagesPerSecond: (runs * batch) / ms * 1000, msPerRun: ms / runs * inFlight };
}

/**
 * onnxruntime alone on each model: one session with 1 and 2 threads (on the calling thread),
 * and one single-threaded copy per core on worker threads (as `ferry classify` runs it).
 */
async function modelOnly(paths: string[]): Promise<string[]> {
  const rows: string[] = [];
  const cores = navigator.hardwareConcurrency;
  for (const path of paths) {
    const setups = [
      {
        label: "1 session, 1 thread",
        open: () => openClassifier(path, { threads: 1 }),
        inFlight: 1,
      },
      {
        label: "1 session, 2 threads",
        open: () => openClassifier(path, { threads: 2 }),
        inFlight: 1,
      },
      {
        label: `${cores} worker copies, 1 thread each`,
        open: () => openClassifierWorkers(path, cores, { threads: 1 }),
        inFlight: cores,
      },
    ];
    for (const setup of setups) {
      const session = await setup.open();
      for (const batch of [1, 64]) {
        const { imagesPerSecond, msPerRun } = await throughput(session, batch, setup.inFlight);
        rows.push(
          `| ${path} | ${setup.label} | ${batch} | ${Math.round(imagesPerSecond)} | ${
            msPerRun.toFixed(3)
          } |`,
        );
      }
      await session.release();
    }
  }
  return rows;
}

async function images(dir: string): Promise<{ small: string; large: string }> {
  const first = (await Array.fromAsync(Deno.readDir(join(CIFAR, "cat")))).map((e) => e.name).sort()[
    0
  ]!;
  const small = join(dir, "cifar_32x32.jpg");
  await Deno.copyFile(join(CIFAR, "cat", first), small);
  // A photo-like 1024×768 JPEG: smooth gradients with texture, quality 85.
  const [w, h] = [1024, 768];
  const pixels = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      pixels[i] = (x * 255 / w + 20 * Math.sin(y / 9)) & 0xff;
      pixels[i + 1] = (y * 255 / h + 15 * Math.cos(x / 7)) & 0xff;
      pixels[i + 2] = ((x + y) * 127 / (w + h) + ((x * y) % 37)) & 0xff;
    }
  }
  const large = join(dir, "photo_1024x768.jpg");
  await sharp(pixels, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 85 }).toFile(
    large,
  );
  return { small, large };
}

const fmt = (r: LoadResult) =>
  `${Math.round(r.rps)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${
    Math.round(r.cpuUs ?? NaN)
  } | ${Math.round(r.clientCpuUs)} | ${r.ok}/${r.total}`;

/** One server under test: how to start it and where it answers. */
interface Contender {
  name: string;
  batching: string;
  port: number;
  ready: string;
  start(): Deno.ChildProcess;
  /** Set once started. */
  pid?: number;
}

/** What {@linkcode compare} keeps of a contender's runs. */
interface Compared {
  /** The best (or median) run. */
  picked: LoadResult;
  /** The contender's run of each round, in round order. */
  rounds: LoadResult[];
}

/**
 * Runs every contender on one image and concurrency, `REPEAT` times in alternating order, and
 * keeps each one's best (or median) run and its runs by round: the servers are measured back to
 * back, so load from other processes on the machine hits them alike, and the ratios of one
 * round's runs hold however the machine's speed drifts between rounds.
 */
async function compare(contenders: Contender[], body: string, concurrency: number) {
  const runs = new Map<string, LoadResult[]>();
  for (let round = 0; round < REPEAT; round++) {
    const order = round % 2 ? [...contenders].reverse() : contenders;
    for (const contender of order) {
      const url = `http://127.0.0.1:${contender.port}/v1/classify`;
      // A server that sat idle while the others ran is slower for its first seconds (15 s idle
      // before each 5 s run: 3,228–4,120 requests/s, back to back 3,800–4,425): each run counts
      // only after a second of the same load.
      await hey(url, body, concurrency, { seconds: PRIME_S });
      const before = await treeStats(contender.pid!);
      const r = await hey(url, body, concurrency, { seconds: DURATION });
      const after = await treeStats(contender.pid!);
      r.cpuUs = (after.cpuSeconds - before.cpuSeconds) / r.total * 1e6;
      const key = `${contender.name}/${contender.batching}`;
      runs.set(key, [...runs.get(key) ?? [], r]);
    }
  }
  const compared = new Map<string, Compared>();
  for (const [key, rounds] of runs) {
    const sorted = [...rounds].sort((a, b) => b.rps - a.rps);
    compared.set(key, {
      picked: sorted[PICK === "best" ? 0 : Math.floor(sorted.length / 2)]!,
      rounds,
    });
  }
  return compared;
}

/**
 * A contender against the peer, round by round: the median ratio of requests/s and of the peer's
 * CPU per request to the contender's, each with its range over the rounds.
 */
function pairedRatios(ferry: LoadResult[], peer: LoadResult[]): string {
  const spread = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    return `${median.toFixed(2)}× (${sorted[0]!.toFixed(2)}–${sorted.at(-1)!.toFixed(2)})`;
  };
  return `${spread(ferry.map((r, i) => r.rps / peer[i]!.rps))} | ${
    spread(ferry.map((r, i) => peer[i]!.cpuUs! / r.cpuUs!))
  }`;
}

/**
 * The single-image table: each setup's ferry servers, batching on and off, beside the FastAPI
 * peer, on both images at each concurrency.
 */
async function printSingleImageTable(modelPath: string, small: string, large: string) {
  const peerMissing = args.values.peer ? await peerAvailable() : "--no-peer";
  if (peerMissing) console.log(`\nFastAPI peer skipped: ${peerMissing}`);
  const bodies = [["32×32", small], ["1024×768", large]] as const;
  const rows: string[] = [];
  for (const [s, setup] of SETUPS.entries()) {
    const base = 18400 + s * 10;
    const label = setup.decoders
      ? `${setup.processes} + ${setup.decoders} decode threads`
      : `${setup.processes}`;
    const contenders: Contender[] = [
      {
        name: "ferry",
        batching: "on",
        port: base,
        ready: "/v2/health/ready",
        start: () => startFerry(modelPath, base, 64, setup),
      },
      {
        name: "ferry",
        batching: "off",
        port: base + 1,
        ready: "/v2/health/ready",
        start: () => startFerry(modelPath, base + 1, 1, setup),
      },
    ];
    if (args.values["deno-server"]) {
      contenders.push({
        name: "ferry, Deno.serve",
        batching: "on",
        port: base + 3,
        ready: "/v2/health/ready",
        start: () => startFerry(modelPath, base + 3, 64, setup, 0, "deno"),
      });
    }
    // The peer has no decode threads; it runs once per process count.
    const peerRuns = !peerMissing &&
      !SETUPS.slice(0, s).some((o) => o.processes === setup.processes);
    if (peerRuns) {
      contenders.push({
        name: "FastAPI peer",
        batching: "–",
        port: base + 2,
        ready: "/health",
        start: () => startPeer(modelPath, base + 2, setup.processes, THREADS),
      });
    }
    const children = contenders.map((c) => {
      const child = c.start();
      c.pid = child.pid;
      return child;
    });
    try {
      await Promise.all(
        contenders.map((c, i) => waitReady(`http://127.0.0.1:${c.port}${c.ready}`, children[i]!)),
      );
      // Servers speed up over their first thousands of requests (JIT): each gets them before
      // any run counts.
      for (const c of contenders) {
        await hey(`http://127.0.0.1:${c.port}/v1/classify`, small, 64, { seconds: WARM_UP_S });
      }
      for (const [name, body] of bodies) {
        for (const c of CONCURRENCY) {
          const compared = await compare(contenders, body, c);
          const peer = compared.get("FastAPI peer/–");
          for (const [key, { picked: r, rounds }] of compared) {
            const [server, batching] = key.split("/");
            // Requests per second, and how much less CPU per request ferry needed than the peer,
            // from the runs of the same round: the second holds however busy the machine is.
            const ratio = peer && server !== "FastAPI peer"
              ? pairedRatios(rounds, peer.rounds)
              : " | ";
            const shown = server === "FastAPI peer" ? String(setup.processes) : label;
            rows.push(
              `| ${server} | ${shown} | ${batching} | ${name} | ${c} | ${fmt(r)} | ${ratio} |`,
            );
          }
        }
      }
    } finally {
      await Promise.all(children.map(stop));
    }
  }
  console.log(
    `\nSingle-image requests (hey, ${DURATION} s per run, ${PICK} of ${REPEAT}, raw JPEG body)\n`,
  );
  console.log(
    "| server | processes | batching | image | concurrency | req/s | p50 ms | p99 ms | server CPU µs/req | hey CPU µs/req | 200s | req/s vs peer, by round | peer's CPU/req ÷ ferry's, by round |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const row of rows) console.log(row);
}

if (import.meta.main) {
  if (!(await which("hey"))) {
    console.log("bench/serve: skipped, Debian's `hey` is missing (apt-get install -y hey)");
    Deno.exit(0);
  }
  const model = await benchModel(args.values.model);
  const dir = await Deno.makeTempDir({ prefix: "ferry-bench-serve-" });
  const { small, large } = await images(dir);
  const load = await Deno.readTextFile("/proc/loadavg");
  console.log(`model: ${model.path} (${model.source}); ${Deno.args.join(" ")}`);
  console.log(`load average at start: ${load.trim()}; ${navigator.hardwareConcurrency} cores\n`);

  if (!args.values["protocol-only"]) {
    console.log("Model only (onnxruntime-node, one process)\n");
    console.log("| model | setup | batch | images/s | ms per run |\n|---|---|---|---|---|");
    const int8 = await int8Sibling(model.path);
    for (const row of await modelOnly([model.path, ...(int8 ? [int8] : [])])) console.log(row);
    if (args.values["model-only"]) Deno.exit(0);
    await printSingleImageTable(model.path, small, large);
  }

  if (args.values.protocol) {
    await printProtocolTable({
      start: (port, grpcPort) => startFerry(model.path, port, 64, SETUPS[0]!, grpcPort),
      model: modelNameOf(model.path),
      jpeg: small,
      dir,
      seconds: DURATION,
      repeat: REPEAT,
      concurrencies: args.values["protocol-concurrency"].split(",").map(Number),
      setup: JSON.stringify(SETUPS[0]),
    });
  }

  const soak = Number(args.values.soak);
  if (soak > 0) {
    const setup = SETUPS[0]!;
    const server = startFerry(model.path, 18490, 64, setup);
    try {
      await waitReady("http://127.0.0.1:18490/v2/health/ready", server);
      const samples: number[] = [];
      const sampler = setInterval(
        async () => samples.push((await treeStats(server.pid)).rssMiB),
        5000,
      );
      const r = await hey("http://127.0.0.1:18490/v1/classify", small, 64, { seconds: soak });
      clearInterval(sampler);
      const first = samples[1] ?? samples[0] ?? 0;
      const last = samples.at(-1) ?? 0;
      console.log(
        `\nMemory over a ${soak} s run at concurrency 64 (${JSON.stringify(setup)}): ` +
          `${Math.round(r.rps)} req/s, ${r.ok}/${r.total} 200s; RSS ${
            first.toFixed(0)
          } MiB after 10 s → ` +
          `${last.toFixed(0)} MiB at the end (${((last / first - 1) * 100).toFixed(1)}%), ` +
          `min ${Math.min(...samples).toFixed(0)}, max ${Math.max(...samples).toFixed(0)}`,
      );
    } finally {
      await stop(server);
    }
  }
  const end = await Deno.readTextFile("/proc/loadavg");
  console.log(`\nload average at the end: ${end.trim()}`);
  await Deno.remove(dir, { recursive: true });
}
