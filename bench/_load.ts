/**
 * Load-generation helpers of the serving benchmarks: `hey` runs, readiness waits, and the CPU
 * time and memory of a server's process tree.
 *
 * @module
 */

/** One `hey` run's summary. */
export interface LoadResult {
  rps: number;
  /** Server CPU time per request (all its processes and threads), in microseconds. */
  cpuUs?: number;
  /**
   * `hey`'s own CPU time per request, in microseconds: on one machine the load generator takes
   * its share of the cores the server would otherwise have.
   */
  clientCpuUs: number;
  p50: number;
  p99: number;
  ok: number;
  /** Responses of any status. */
  total: number;
  /** Requests that got no response (reset, refused, timed out). */
  errors: number;
}

/** Whether a command is on the PATH. */
export async function which(name: string): Promise<boolean> {
  const out = await new Deno.Command("sh", { args: ["-c", `command -v ${name}`] }).output();
  return out.success;
}

/** Options of {@linkcode hey} besides the target. */
export interface HeyOptions {
  seconds: number;
  /** @default "image/jpeg" */
  contentType?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

/** Runs `hey` posting the file `body` for `seconds` and reads its summary. */
export async function hey(
  url: string,
  body: string,
  concurrency: number,
  options: HeyOptions,
): Promise<LoadResult> {
  const headers = Object.entries(options.headers ?? {}).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
  const reaped = await reapedChildSeconds();
  const out = await new Deno.Command("hey", {
    args: [
      "-z",
      `${options.seconds}s`,
      "-c",
      String(concurrency),
      "-m",
      "POST",
      "-T",
      options.contentType ?? "image/jpeg",
      ...headers,
      "-D",
      body,
      url,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  // hey is the only child that exits (and is waited for) during the run.
  const clientSeconds = await reapedChildSeconds() - reaped;
  const text = new TextDecoder().decode(out.stdout);
  const number = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  const codes = [...text.matchAll(/\[(\d+)\]\s+(\d+) responses/g)];
  const total = codes.reduce((n, m) => n + Number(m[2]), 0);
  const ok = codes.filter((m) => m[1] === "200").reduce((n, m) => n + Number(m[2]), 0);
  const failures = text.split("Error distribution:")[1] ?? "";
  const errors = [...failures.matchAll(/^\s+\[(\d+)\]/gm)].reduce((n, m) => n + Number(m[1]), 0);
  return {
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    p50: number(/50%+ in ([\d.]+) secs/) * 1000,
    // hey leaves out the 99% line below 100 responses; the slowest stands in for it then.
    p99: (number(/99%+ in ([\d.]+) secs/) || number(/Slowest:\s+([\d.]+) secs/)) * 1000,
    ok,
    total,
    errors,
    clientCpuUs: clientSeconds / total * 1e6,
  };
}

/** CPU seconds of this process's children that have exited and been waited for (cutime + cstime). */
async function reapedChildSeconds(): Promise<number> {
  const stat = await Deno.readTextFile("/proc/self/stat");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** Waits until `url` answers 200, or throws with the end of the server's stderr. */
export async function waitReady(
  url: string,
  child: Deno.ChildProcess,
  seconds = 120,
): Promise<void> {
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

/** Resident memory (MiB), CPU time used so far (s) and count of a process and its descendants. */
export async function treeStats(
  pid: number,
): Promise<{ rssMiB: number; cpuSeconds: number; processes: number }> {
  let rssMiB = 0;
  let ticks = 0;
  let processes = 0;
  const visit = async (p: number) => {
    const status = await Deno.readTextFile(`/proc/${p}/status`).catch(() => "");
    if (status) processes++;
    rssMiB += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    // utime and stime (all threads), the 14th and 15th fields, counted after the command name.
    const stat = await Deno.readTextFile(`/proc/${p}/stat`).catch(() => "");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    for (const kid of await childPids(p)) await visit(kid);
  };
  await visit(pid);
  // Linux reports CPU time in clock ticks of 1/100 s (USER_HZ).
  return { rssMiB, cpuSeconds: ticks / 100, processes };
}

/** The process ids of `pid`'s children (of all its threads); none once it has exited. */
export async function childPids(pid: number): Promise<number[]> {
  const tasks = await Array.fromAsync(Deno.readDir(`/proc/${pid}/task`)).catch(() => []);
  const pids: number[] = [];
  for (const task of tasks) {
    const kids = await Deno.readTextFile(`/proc/${pid}/task/${task.name}/children`).catch(() => "");
    pids.push(...kids.trim().split(/\s+/).filter(Boolean).map(Number));
  }
  return pids;
}

/** Sends SIGTERM and waits for the process to exit. */
export async function stop(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    // Already gone.
  }
  await child.status;
}
