/**
 * `deno run -A bench/workers.ts [--rounds 3] [--seconds 15] [--kill-at 5] [--concurrency 64]
 * [--model m.onnx]`: does `ferry serve --workers 2` keep serving when one worker is killed?
 * Each round starts a fresh `ferry serve --workers 2 --health-port H`, runs
 * `hey -c 64 -z 15s -m POST -T image/jpeg` on a 32×32 CIFAR-10 JPEG against /v1/classify,
 * sends `kill -9` to one serving worker 5 s in, and probes `/v2/health/ready` on a new
 * connection every 50 ms on the health port (answered by the supervisor) and on the service port
 * (answered by whichever worker the kernel picks). Prints, per round, the requests hey sent, how
 * many got 200, those that got no answer, the failed probes on each port and the time from the
 * kill until the spare said it listens (issue #16: ≥ 99% answered 200, readiness never fails,
 * two workers again within 2 s).
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { childPids, hey, stop, treeStats, waitReady, which } from "./_load.ts";
import { benchModel } from "./_model.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "15" },
    "kill-at": { type: "string", default: "5" },
    concurrency: { type: "string", default: "64" },
    model: { type: "string" },
  },
});
const CIFAR = "../shared/datasets/cifar10/train/cat";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const randomPort = () => 20_000 + Math.floor(Math.random() * 30_000);

/** The status of one probe on a new connection (0: reset, refused or no answer in 2 s). */
async function probe(port: number): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/v2/health/ready`, {
      headers: { connection: "close" },
      signal: AbortSignal.timeout(2_000),
    });
    await res.body?.cancel();
    return res.status;
  } catch {
    return 0;
  }
}

/** Workers of a supervisor that are serving (not the warmed-up spare). */
async function servingWorkers(supervisor: number): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of await childPids(supervisor)) {
    const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "--standby");
    if (!cmdline.includes("--standby")) pids.push(pid);
  }
  return pids;
}

async function round(model: string, image: string) {
  const [port, healthPort] = [randomPort(), randomPort()];
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", "-A", "src/cli/main.ts", "serve", model, "--no-access-log"],
      ...["--port", String(port), "--workers", "2", "--health-port", String(healthPort)],
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let said = "";
  const reading = server.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (said += chunk) }),
  );
  try {
    await waitReady(`http://127.0.0.1:${healthPort}/v2/health/ready`, server);
    // Two workers and the spare, warmed up.
    while ((said.match(/model: /g)?.length ?? 0) < 3) await sleep(200);
    const seconds = Number(args.values.seconds);
    const loaded = hey(
      `http://127.0.0.1:${port}/v1/classify`,
      image,
      Number(args.values.concurrency),
      { seconds },
    );
    const failed = { health: 0, service: 0, probes: 0 };
    let probing = true;
    const probes = (async () => {
      while (probing) {
        const [onHealth, onService] = await Promise.all([probe(healthPort), probe(port)]);
        failed.probes++;
        if (onHealth !== 200) failed.health++;
        if (onService !== 200) failed.service++;
        await sleep(50);
      }
    })();
    await sleep(Number(args.values["kill-at"]) * 1000);
    const [victim] = await servingWorkers(server.pid);
    const killedAt = performance.now();
    const listening = said.match(/listening on/g)?.length ?? 0;
    Deno.kill(victim!, "SIGKILL");
    while ((said.match(/listening on/g)?.length ?? 0) <= listening) await sleep(5);
    const backMs = performance.now() - killedAt;
    const result = await loaded;
    probing = false;
    await probes;
    return { ...result, ...failed, backMs, processes: (await treeStats(server.pid)).processes };
  } finally {
    await stop(server);
    await reading.catch(() => {});
  }
}

if (import.meta.main) {
  if (!(await which("hey"))) throw new Error("bench workers needs hey on the PATH");
  const model = await benchModel(args.values.model);
  const dir = await Deno.makeTempDir({ prefix: "ferry-bench-workers-" });
  const first = (await Array.fromAsync(Deno.readDir(CIFAR))).map((e) => e.name).sort()[0]!;
  const image = join(dir, "cat.jpg");
  await Deno.copyFile(join(CIFAR, first), image);
  const cpu = /model name\s*:\s*(.*)/.exec(await Deno.readTextFile("/proc/cpuinfo"))?.[1];
  console.log(
    `model: ${model.path} (${model.source}); CPU: ${cpu}, ${navigator.hardwareConcurrency} cores`,
  );
  console.log(
    `hey -c ${args.values.concurrency} -z ${args.values.seconds}s POST /v1/classify (32×32 JPEG); ` +
      `kill -9 of one of two workers ${args.values["kill-at"]} s in\n`,
  );
  console.log(
    "| round | requests | 200 | no answer | 200 share | probes | failed on health port | " +
      "failed on service port | spare listening after |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  try {
    for (let r = 1; r <= Number(args.values.rounds); r++) {
      const x = await round(model.path, image);
      const sent = x.total + x.errors;
      console.log(
        `| ${r} | ${sent} | ${x.ok} | ${x.errors} | ${(100 * x.ok / sent).toFixed(2)}% | ` +
          `${x.probes} | ${x.health} | ${x.service} | ${Math.round(x.backMs)} ms |`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
