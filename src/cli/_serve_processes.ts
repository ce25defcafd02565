/**
 * The serve command's process plumbing: worker processes sharing one port, and the access log.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import {
  type LogEntry,
  METRICS_HUB_ENV,
  startHealthServer,
  startMetricsHub,
} from "../serve/mod.ts";

/** How the supervisor treats workers that die. */
export interface SuperviseOptions {
  /** Deaths within {@linkcode SuperviseOptions.crashWindowMs} that stop the service. @default 5 */
  crashLoopDeaths?: number;
  /** The window in which deaths count as a crash loop, in milliseconds. @default 60_000 */
  crashWindowMs?: number;
  /** Wait before the first restart; doubles with each recent death. @default 50 */
  restartDelayMs?: number;
  /** Longest wait before a restart. @default 2_000 */
  maxRestartDelayMs?: number;
  /** Warmed-up spare workers that replace a dead one at once (0 or 1). @default 1 */
  spares?: number;
  /** Receives the supervisor's status lines. @default stderr */
  say?: (line: string) => void;
  /**
   * Where the supervisor answers health itself: ready while at least one worker serves, so that
   * a worker's death never fails a probe. @default off
   */
  health?: { hostname: string; port: number };
}

/** Defaults of {@linkcode SuperviseOptions}. */
export const SUPERVISE_DEFAULTS = {
  crashLoopDeaths: 5,
  crashWindowMs: 60_000,
  restartDelayMs: 50,
  maxRestartDelayMs: 2_000,
  spares: 1,
} as const;

/** Exit code of a service stopped by a crash loop (FerryError kinds use 2 to 10). */
export const CRASH_LOOP_EXIT = 70;

/**
 * Runs `count` copies of `ferry serve <serveArgs>` as child processes on one port
 * (`--reuse-port`), each with `threads` onnxruntime threads, and passes SIGTERM/SIGINT on to
 * them. The first slot alone serves `--grpc-port` (grpc-js cannot share a port), and every worker
 * joins a metrics hub, so that `/metrics` on any of them sums all of them (where no hub can start,
 * say on a read-only /tmp, each answers for itself). A worker that dies unexpectedly (a signal, an uncaught error) is replaced while the others
 * keep serving: by a warmed-up spare at once (`--standby`; a cold start takes seconds), or after
 * a back-off. One that exits with a FerryError's code (a port in use, a model that will not load)
 * would only fail again, so it stops the others, as does a crash loop. With `health`, the
 * supervisor answers health probes on a port of its own. Returns the exit code.
 */
export async function superviseWorkers(
  serveArgs: string[],
  count: number,
  threads: number,
  options: SuperviseOptions = {},
): Promise<number> {
  const settings = { ...SUPERVISE_DEFAULTS, ...options };
  const say = options.say ?? ((line: string) => console.error(line));
  const args = workerArgs(serveArgs, threads);
  const hub = await startMetricsHub().catch(() => undefined);
  if (options.health && !hub) {
    throw new FerryError(
      "usage",
      "Cannot use --health-port: the supervisor could not open its socket for the workers " +
        "(is the temporary folder, TMPDIR, writable?)",
    );
  }
  let stopping = false;
  const health = options.health && hub
    ? await startHealthServer({
      ...options.health,
      status: () => {
        const serving = hub.readyMembers();
        return {
          ready: !stopping && serving > 0,
          detail: { workers_ready: serving, workers: count },
        };
      },
    }).catch(async (error) => {
      await hub.close();
      throw error;
    })
    : undefined;
  if (health) say(`health on http://${options.health?.hostname}:${health.port}/v2/health/ready`);
  // A spare keeps the gRPC flag: it opens that port only if it takes over the first slot.
  const spawn = (slot: number | "standby") =>
    new Deno.Command(Deno.execPath(), {
      args: slot === "standby"
        ? [...args, "--standby"]
        : slot === 0
        ? args
        : [...args, "--grpc-port", "0"],
      stdin: slot === "standby" ? "piped" : "null",
      env: hub ? { [METRICS_HUB_ENV]: hub.path } : {},
    }).spawn();
  const children = new Set<Deno.ChildProcess>();
  let spare: Deno.ChildProcess | undefined;
  let worst = 0;
  // Set when the supervisor itself decides to stop: the workers' own exit codes then matter less.
  let verdict: number | undefined;
  const deaths: number[] = [];
  const stopAll = (signal: Deno.Signal) => {
    stopping = true;
    for (const child of [...children, ...(spare ? [spare] : [])]) {
      try {
        child.kill(signal);
      } catch {
        // Already exited.
      }
    }
  };
  const handlers = (["SIGTERM", "SIGINT"] as const).map((s) => [s, () => stopAll(s)] as const);
  for (const [s, h] of handlers) Deno.addSignalListener(s, h);

  /** Logs a death; returns the back-off before a replacement, or undefined to stop the service. */
  const died = (who: string, status: Deno.CommandStatus): number | undefined => {
    const how = howItEnded(status);
    if (isFerryExit(status)) {
      say(`${who} failed with ${how}; stopping the others`);
      verdict = status.code;
      stopAll("SIGTERM");
      return undefined;
    }
    const now = performance.now();
    deaths.push(now);
    while (deaths[0]! < now - settings.crashWindowMs) deaths.shift();
    if (deaths.length >= settings.crashLoopDeaths) {
      say(
        `${who} died with ${how}: ${deaths.length} deaths in ${settings.crashWindowMs / 1000} s, ` +
          `a crash loop; stopping the service (exit code ${CRASH_LOOP_EXIT})`,
      );
      verdict = CRASH_LOOP_EXIT;
      stopAll("SIGTERM");
      return undefined;
    }
    const delay = settings.restartDelayMs * 2 ** (deaths.length - 1);
    return Math.min(delay, settings.maxRestartDelayMs);
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const keepSpare = async (delay: number): Promise<void> => {
    await sleep(delay);
    if (stopping) return;
    const standby = spawn("standby");
    spare = standby;
    const status = await standby.status;
    if (spare !== standby || stopping) return; // Promoted: its slot watches it now.
    spare = undefined;
    const next = died(`spare worker (pid ${standby.pid})`, status);
    if (next !== undefined) {
      say(
        `spare worker (pid ${standby.pid}) died with ${
          howItEnded(status)
        }; starting another in ${next} ms`,
      );
      await keepSpare(next);
    }
  };
  const spares: Promise<void>[] = [];
  const run = async (slot: number): Promise<void> => {
    let child = spawn(slot);
    while (true) {
      children.add(child);
      const status = await child.status;
      children.delete(child);
      if (stopping) {
        worst = Math.max(worst, status.code);
        return;
      }
      const delay = died(`worker ${slot + 1} (pid ${child.pid})`, status);
      if (delay === undefined) return;
      const standby = spare;
      if (standby) {
        spare = undefined;
        say(
          `worker ${slot + 1} (pid ${child.pid}) died with ${
            howItEnded(status)
          }; spare pid ${standby.pid} takes over`,
        );
        await promote(standby, slot === 0);
        child = standby;
        spares.push(keepSpare(delay));
        continue;
      }
      say(
        `worker ${slot + 1} (pid ${child.pid}) died with ${
          howItEnded(status)
        }; restarting in ${delay} ms`,
      );
      await sleep(delay);
      if (stopping) return;
      child = spawn(slot);
    }
  };
  if (settings.spares > 0) spares.push(keepSpare(0));
  await Promise.all(Array.from({ length: count }, (_, slot) => run(slot)));
  await Promise.all(spares);
  for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
  await health?.close();
  await hub?.close();
  return verdict ?? worst;
}

/** Tells a `--standby` worker to listen (one line on its stdin), on the gRPC port too if `grpc`. */
async function promote(standby: Deno.ChildProcess, grpc: boolean): Promise<void> {
  const writer = standby.stdin.getWriter();
  try {
    await writer.write(new TextEncoder().encode(grpc ? "listen grpc\n" : "listen\n"));
    await writer.close();
  } catch {
    // It died meanwhile: its status says so to the slot that now watches it.
  }
}

/** The worker's own command line: the serve flags less the supervisor's, as one process. */
function workerArgs(serveArgs: string[], threads: number): string[] {
  const args: string[] = ["serve"];
  for (let i = 0; i < serveArgs.length; i++) {
    const arg = serveArgs[i]!;
    if (arg === "--workers" || arg === "--threads" || arg === "--health-port") i++;
    else if (!/^--(workers|threads|health-port)=/.test(arg)) args.push(arg);
  }
  const script = new URL("./main.ts", import.meta.url).pathname;
  // The supervisor answers health; a worker must not take the port (or FERRY_HEALTH_PORT).
  const flags = [
    ...["--workers", "1", "--threads", String(threads), "--health-port", "0"],
    "--reuse-port",
  ];
  // SO_REUSEPORT in Deno.serve (`--http-server deno`) is behind this flag (Deno 2.9).
  return ["run", "-A", "--unstable-net", script, ...args, ...flags];
}

const howItEnded = (status: Deno.CommandStatus) =>
  status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;

/** FerryError kinds exit with 2 to 10: a condition that a restart would meet again. */
const isFerryExit = (status: Deno.CommandStatus) =>
  status.signal === null && status.code >= 2 && status.code <= 10;
/** A JSON-lines writer that batches writes, so that logging costs little per request. */
export function jsonLines(stream: { writeSync(p: Uint8Array): number }) {
  const encoder = new TextEncoder();
  let buffer: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (buffer.length === 0) return;
    const bytes = encoder.encode(buffer.join(""));
    buffer = [];
    for (let offset = 0; offset < bytes.length;) offset += stream.writeSync(bytes.subarray(offset));
  };
  const write = (entry: LogEntry) => {
    buffer.push(JSON.stringify(entry) + "\n");
    if (buffer.length >= 256) flush();
    else timer ??= setTimeout(flush, 50);
  };
  return { write, flush };
}
