/**
 * `deno run -A bench/serve.ts [--duration 5] [--setups 2,1] [--repeat 2] [--soak 0]
 * [--model m.onnx] [--model-only]`: ferry's
 * prediction service under load beside the FastAPI peer (bench/peers/serve_peer.py) serving the
 * same ONNX file. Debian's `hey` sends single-image requests (raw body) of a real 32×32 CIFAR-10
 * JPEG and of a 1024×768 JPEG at concurrency 1, 16 and 64; ferry runs with batching on and off.
 * A setup is a number of server processes (`--workers`), with `+N` decode threads per process for
 * ferry. All servers of a setup run at once and are measured back to back, best of `--repeat`, so
 * that load from elsewhere hits them alike. Also prints onnxruntime's model-only throughput at
 * batch 1 and 64, for the model and its int8 copy when there is one (`--model-only`: just that);
 * `--soak S` adds an S-second run at concurrency 64 sampling the server's memory.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import sharp from "sharp";
import {
  type ClassifierSession,
  openClassifier,
  openClassifierWorkers,
} from "../src/runtime/mod.ts";
import { grpcInferLoad } from "./_grpc_infer.ts";
import { benchModel, int8Sibling } from "./_model.ts";
import { PYTHON } from "./_python.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    duration: { type: "string", default: "5" },
    setups: { type: "string", default: "2,1" },
    repeat: { type: "string", default: "2" },
    threads: { type: "string", default: "1" },
    concurrency: { type: "string", default: "1,16,64" },
    soak: { type: "string", default: "0" },
    peer: { type: "boolean", default: true },
    model: { type: "string" },
    "model-only": { type: "boolean", default: false },
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
const THREADS = Number(args.values.threads);
const CONCURRENCY = args.values.concurrency.split(",").map(Number);
const CIFAR = "/work/shared/datasets/cifar10/train";

interface LoadResult {
  rps: number;
  /** Server CPU time per request (all its processes and threads), in microseconds. */
  cpuUs?: number;
  p50: number;
  p99: number;
  ok: number;
  total: number;
}

async function which(name: string): Promise<boolean> {
  const out = await new Deno.Command("sh", { args: ["-c", `command -v ${name}`] }).output();
  return out.success;
}

/** Runs `hey` for DURATION seconds and reads its summary. */
async function hey(
  url: string,
  body: string,
  concurrency: number,
  seconds = DURATION,
): Promise<LoadResult> {
  const out = await new Deno.Command("hey", {
    args: [
      "-z",
      `${seconds}s`,
      "-c",
      String(concurrency),
      "-m",
      "POST",
      "-T",
      "image/jpeg",
      "-D",
      body,
      url,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const number = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  const codes = [...text.matchAll(/\[(\d+)\]\s+(\d+) responses/g)];
  const total = codes.reduce((n, m) => n + Number(m[2]), 0);
  const ok = codes.filter((m) => m[1] === "200").reduce((n, m) => n + Number(m[2]), 0);
  return {
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    p50: number(/50%+ in ([\d.]+) secs/) * 1000,
    // hey leaves out the 99% line below 100 responses; the slowest stands in for it then.
    p99: (number(/99%+ in ([\d.]+) secs/) || number(/Slowest:\s+([\d.]+) secs/)) * 1000,
    ok,
    total,
  };
}

async function waitReady(url: string, child: Deno.ChildProcess, seconds = 120): Promise<void> {
  const until = Date.now() + seconds * 1000;
  let exited = false;
  child.status.then(() => exited = true);
  while (Date.now() < until && !exited) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  let said = "";
  if (exited && child.stderr) {
    said = (await new Response(child.stderr).text()).split("\n").slice(-8).join("\n");
  }
  throw new Error(`server at ${url} did not become ready${said ? `:\n${said}` : ""}`);
}

/** Resident memory (MiB) and CPU time used so far (s) of a process and its descendants. */
async function treeStats(pid: number): Promise<{ rssMiB: number; cpuSeconds: number }> {
  let rssMiB = 0;
  let ticks = 0;
  const visit = async (p: number) => {
    const status = await Deno.readTextFile(`/proc/${p}/status`).catch(() => "");
    rssMiB += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    // utime and stime (all threads), the 14th and 15th fields, counted after the command name.
    const stat = await Deno.readTextFile(`/proc/${p}/stat`).catch(() => "");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    const tasks = await Array.fromAsync(Deno.readDir(`/proc/${p}/task`)).catch(() => []);
    for (const task of tasks) {
      const kids = await Deno.readTextFile(`/proc/${p}/task/${task.name}/children`).catch(() => "");
      for (const kid of kids.trim().split(/\s+/).filter(Boolean)) await visit(Number(kid));
    }
  };
  await visit(pid);
  // Linux reports CPU time in clock ticks of 1/100 s (USER_HZ).
  return { rssMiB, cpuSeconds: ticks / 100 };
}

async function stop(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    // Already gone.
  }
  await child.status;
}

function startFerry(
  model: string,
  port: number,
  maxBatch: number,
  setup: { processes: number; decoders: number },
  grpcPort = 0,
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
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

function startPeer(model: string, port: number, workers: number) {
  return new Deno.Command(PYTHON, {
    args: [
      "-m",
      "uvicorn",
      "serve_peer:app",
      "--port",
      String(port),
      "--workers",
      String(workers),
      "--loop",
      "uvloop",
      "--http",
      "httptools",
      "--no-access-log",
      "--log-level",
      "warning",
    ],
    cwd: new URL("./peers/", import.meta.url).pathname,
    // The peer runs from bench/peers/, so a relative model path must be made absolute.
    env: { PEER_MODEL: resolve(model), PEER_THREADS: String(THREADS) },
    stdout: "null",
    stderr: "null",
  }).spawn();
}

async function peerAvailable(): Promise<string | undefined> {
  if (!(await which(PYTHON))) return `${PYTHON} is missing`;
  const probe = await new Deno.Command(PYTHON, {
    args: ["-c", "import fastapi, uvicorn, uvloop, httptools, PIL, onnxruntime, numpy"],
    stderr: "piped",
  }).output();
  if (!probe.success) {
    return "its Python packages are missing (pip install fastapi uvicorn uvloop httptools " +
      "python-multipart pillow onnxruntime)";
  }
  return undefined;
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
  } | ${r.ok}/${r.total}`;

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

/**
 * Runs every contender on one image and concurrency, `REPEAT` times in alternating order, and
 * keeps each one's best run: the servers are measured back to back, so load from other
 * processes on the machine hits them alike.
 */
async function compare(contenders: Contender[], body: string, concurrency: number) {
  const best = new Map<string, LoadResult>();
  for (let round = 0; round < REPEAT; round++) {
    const order = round % 2 ? [...contenders].reverse() : contenders;
    for (const contender of order) {
      const before = await treeStats(contender.pid!);
      const r = await hey(`http://127.0.0.1:${contender.port}/v1/classify`, body, concurrency);
      const after = await treeStats(contender.pid!);
      r.cpuUs = (after.cpuSeconds - before.cpuSeconds) / r.total * 1e6;
      const key = `${contender.name}/${contender.batching}`;
      const previous = best.get(key);
      if (!previous || r.rps > previous.rps) best.set(key, r);
    }
  }
  return best;
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

  console.log("Model only (onnxruntime-node, one process)\n");
  console.log("| model | setup | batch | images/s | ms per run |\n|---|---|---|---|---|");
  const int8 = await int8Sibling(model.path);
  for (const row of await modelOnly([model.path, ...(int8 ? [int8] : [])])) console.log(row);
  if (args.values["model-only"]) Deno.exit(0);

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
        start: () => startFerry(model.path, base, 64, setup),
      },
      {
        name: "ferry",
        batching: "off",
        port: base + 1,
        ready: "/v2/health/ready",
        start: () => startFerry(model.path, base + 1, 1, setup),
      },
    ];
    // The peer has no decode threads; it runs once per process count.
    const peerRuns = !peerMissing &&
      !SETUPS.slice(0, s).some((o) => o.processes === setup.processes);
    if (peerRuns) {
      contenders.push({
        name: "FastAPI peer",
        batching: "–",
        port: base + 2,
        ready: "/health",
        start: () => startPeer(model.path, base + 2, setup.processes),
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
      await new Promise((r) => setTimeout(r, 1000));
      for (const [name, body] of bodies) {
        for (const c of CONCURRENCY) {
          const best = await compare(contenders, body, c);
          const peer = best.get("FastAPI peer/–");
          for (const [key, r] of best) {
            const [server, batching] = key.split("/");
            // Requests per second, and how much less CPU per request ferry needed than the peer:
            // the second holds however busy the machine is.
            const ratio = peer && server === "ferry"
              ? `${(r.rps / peer.rps).toFixed(2)}× (CPU ${(peer.cpuUs! / r.cpuUs!).toFixed(2)}×)`
              : "";
            const shown = server === "ferry" ? label : String(setup.processes);
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
  // A 2-second smoke row of gRPC ModelInfer (grpc-js client, raw FP32), one process, batching on.
  const grpcServer = startFerry(model.path, 18480, 64, { processes: 1, decoders: 0 }, 18481);
  try {
    await waitReady("http://127.0.0.1:18480/v2/health/ready", grpcServer);
    const r = await grpcInferLoad({
      address: "127.0.0.1:18481",
      image: small,
      pid: grpcServer.pid,
      cpuSeconds: async (pid) => (await treeStats(pid)).cpuSeconds,
    });
    rows.push(`| ferry gRPC ModelInfer | 1 | on | 32×32 raw FP32 | 16 | ${fmt(r)} | |`);
  } finally {
    await stop(grpcServer);
  }
  console.log(
    `\nSingle-image requests (hey, ${DURATION} s per run, best of ${REPEAT}, raw JPEG body; ` +
      "the gRPC row: grpc-js client, 2 s)\n",
  );
  console.log(
    "| server | processes | batching | image | concurrency | req/s | p50 ms | p99 ms | server CPU µs/req | 200s | vs peer |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const row of rows) console.log(row);

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
      const r = await hey("http://127.0.0.1:18490/v1/classify", small, 64, soak);
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
