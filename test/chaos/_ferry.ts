/**
 * The chaos suite's parts: real `ferry` processes on loopback, a bounded load generator, a
 * fresh-connection health probe and raw sockets for hostile clients.
 *
 * @module
 */
import { writeTinyModel } from "../_fixtures/tiny_model.ts";

/** A started `ferry serve`, with everything it has said on stderr so far. */
export interface Served {
  child: Deno.ChildProcess;
  port: number;
  base: string;
  said(): string;
  /** Resolves once `pattern` has matched `times` times in stderr. */
  waitFor(pattern: RegExp, times?: number, timeoutMs?: number): Promise<void>;
  /** Pids of the worker processes under a supervisor (`--workers N`), spare included. */
  workerPids(): Promise<number[]>;
  /** Pids of the workers started as such (not as the spare). */
  firstWorkerPids(): Promise<number[]>;
  /** Kills the process tree and waits for the exit status. */
  stop(): Promise<Deno.CommandStatus>;
}

/** Writes the tiny three-colour classifier to a new temporary folder and returns its path. */
export async function tinyModel(): Promise<string> {
  return await writeTinyModel(await Deno.makeTempDir({ prefix: "ferry-chaos-" }));
}

/** A random high port, for `--workers`, which needs a known one. */
export const randomPort = () => 20_000 + Math.floor(Math.random() * 30_000);

/** Options of {@linkcode startServe}. */
export interface StartOptions {
  /** Servers that must say they listen before it resolves (0: resolve at once, port unknown). @default 1 */
  processes?: number;
  /** Run under this open-file limit (soft and hard, as `ulimit -n` sets them). */
  openFiles?: number;
}

/** Starts `ferry serve <args>` and resolves once its servers say they listen. */
export async function startServe(args: string[], options: StartOptions = {}): Promise<Served> {
  const processes = options.processes ?? 1;
  const ferry = [Deno.execPath(), "run", "-A", "src/cli/main.ts", "serve", ...args];
  const argv = options.openFiles === undefined
    ? ferry
    : ["bash", "-c", `ulimit -n ${options.openFiles} && exec "$@"`, "ulimit", ...ferry];
  const child = new Deno.Command(argv[0]!, {
    args: [...argv.slice(1), "--no-access-log"],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let said = "";
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const waiters = new Set<() => void>();
  let ended = false;
  (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      said += r.value;
      for (const wake of waiters) wake();
    }
    ended = true;
    for (const wake of waiters) wake();
  })();
  const waitFor = (pattern: RegExp, times = 1, timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const global = new RegExp(pattern.source, "g");
      const check = () => {
        const found = (said.match(global)?.length ?? 0) >= times;
        if (!found && !ended) return false;
        waiters.delete(check);
        clearTimeout(timer);
        if (found) resolve();
        else reject(new Error(`exited before ${times}× ${pattern}; stderr:\n${said}`));
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${times}× ${pattern} within ${timeoutMs} ms; stderr:\n${said}`));
      }, timeoutMs);
      if (!check()) waiters.add(check);
    });
  const workerPids = async () => {
    const pids: number[] = [];
    for await (const task of Deno.readDir(`/proc/${child.pid}/task`)) {
      const text = await Deno.readTextFile(`/proc/${child.pid}/task/${task.name}/children`)
        .catch(() => ""); // A thread that ended meanwhile.
      pids.push(...text.split(" ").filter(Boolean).map(Number));
    }
    return pids;
  };
  const firstWorkerPids = async () => {
    const pids: number[] = [];
    for (const pid of await workerPids()) {
      const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "--standby");
      if (!cmdline.includes("--standby")) pids.push(pid);
    }
    return pids;
  };
  const stop = async () => {
    for (const pid of await workerPids().catch(() => [])) kill(pid, "SIGKILL");
    kill(child.pid, "SIGKILL");
    return await child.status;
  };
  // A server that never says it listens is stopped, not left running after the case.
  await waitFor(/listening on/, processes).catch(async (error) => {
    await stop();
    throw error;
  });
  const port = processes > 0 ? Number(/listening on http:\/\/[\d.]+:(\d+)/.exec(said)![1]) : 0;
  return {
    child,
    port,
    base: `http://127.0.0.1:${port}`,
    said: () => said,
    waitFor,
    workerPids,
    firstWorkerPids,
    stop,
  };
}

/** Sends `signal` to `pid`, ignoring a process that is already gone. */
export function kill(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(pid, signal);
  } catch {
    // Already exited.
  }
}

/** What a bounded load got back. */
export interface LoadResult {
  sent: number;
  /** Count per status code; `0` counts transport errors (refused, reset). */
  statuses: Map<number, number>;
}

/** Options of {@linkcode load}. */
export interface LoadOptions {
  concurrency: number;
  /** Stops after this long… */
  durationMs: number;
  /** …or after this many requests, whichever comes first. */
  maxRequests: number;
  /** Builds the n-th request. */
  request: (n: number) => Request;
}

/** Sends requests from `concurrency` loops until the time or count bound, and tallies statuses. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const end = performance.now() + options.durationMs;
  const statuses = new Map<number, number>();
  let sent = 0;
  const loop = async () => {
    while (performance.now() < end && sent < options.maxRequests) {
      const request = options.request(sent++);
      let status = 0;
      try {
        const res = await fetch(request, { signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        status = 0;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  return { sent, statuses };
}

/**
 * Sends a request on a new connection (as an orchestrator's probe does) and returns the status
 * code, or 0 when the connection failed or `timeoutMs` passed.
 */
export async function rawStatus(port: number, path: string, timeoutMs = 2_000): Promise<number> {
  const answer = await rawExchange(
    port,
    `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    timeoutMs,
  );
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
}

/** Writes `text` on a new connection and reads until the server closes it or the timeout. */
export async function rawExchange(port: number, text: string, timeoutMs: number): Promise<string> {
  let conn: Deno.TcpConn | undefined;
  const timer = setTimeout(() => conn?.close(), timeoutMs);
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode(text));
    const chunks: string[] = [];
    const buffer = new Uint8Array(16_384);
    const decoder = new TextDecoder();
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      chunks.push(decoder.decode(buffer.subarray(0, n)));
    }
    return chunks.join("");
  } catch {
    return "";
  } finally {
    clearTimeout(timer);
    try {
      conn?.close();
    } catch {
      // Closed by the timer.
    }
  }
}

/** Resident memory of these processes together, in MiB (0 for any that has exited). */
export async function rssMiB(pids: number[]): Promise<number> {
  let kib = 0;
  for (const pid of pids) {
    const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
    kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return Math.round(kib / 1024);
}

/** Prints one case's figures as a JSON line, for docs/reliability.md. */
export function report(name: string, figures: Record<string, unknown>): void {
  console.info(`chaos ${JSON.stringify({ case: name, ...figures })}`);
}
