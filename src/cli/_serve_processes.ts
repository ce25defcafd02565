/**
 * The serve command's process plumbing: worker processes sharing one port, and the access log.
 *
 * @module
 */
import { type LogEntry, METRICS_HUB_ENV, startMetricsHub } from "../serve/mod.ts";

/**
 * Runs `count` copies of `ferry serve <serveArgs>` as child processes on one port
 * (`--reuse-port`), each with `threads` onnxruntime threads and the first alone on `--grpc-port`;
 * passes SIGTERM/SIGINT on to them, stops the others when one fails, and returns the worst exit
 * code. The workers join a metrics hub, so that `/metrics` on any of them sums all of them (where
 * no hub can start, say on a read-only /tmp, each answers for itself).
 */
export async function superviseWorkers(
  serveArgs: string[],
  count: number,
  threads: number,
): Promise<number> {
  const args: string[] = ["serve"];
  for (let i = 0; i < serveArgs.length; i++) {
    const arg = serveArgs[i]!;
    if (arg === "--workers" || arg === "--threads") i++;
    else if (!/^--(workers|threads)=/.test(arg)) args.push(arg);
  }
  const script = new URL("./main.ts", import.meta.url).pathname;
  const hub = await startMetricsHub().catch(() => undefined);
  const children = Array.from({ length: count }, (_, i) =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        // SO_REUSEPORT in Deno.serve is still behind this flag (Deno 2.9).
        "--unstable-net",
        script,
        ...args,
        "--workers",
        "1",
        "--threads",
        String(threads),
        "--reuse-port",
        // grpc-js cannot share a port (no SO_REUSEPORT), so the first worker alone serves gRPC.
        ...(i > 0 ? ["--grpc-port", "0"] : []),
      ],
      stdin: "null",
      env: hub ? { [METRICS_HUB_ENV]: hub.path } : {},
    }).spawn());
  const forward = (signal: Deno.Signal) => () => {
    for (const child of children) {
      try {
        child.kill(signal);
      } catch {
        // Already exited.
      }
    }
  };
  const handlers = (["SIGTERM", "SIGINT"] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) Deno.addSignalListener(s, h);
  // One worker that fails (a port in use, a model that will not load) takes the others down,
  // rather than leaving a service that answers on fewer processes than asked for.
  const statuses = await Promise.all(children.map((c) =>
    c.status.then((status) => {
      if (status.code !== 0) forward("SIGTERM")();
      return status;
    })
  ));
  for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
  await hub?.close();
  return Math.max(...statuses.map((s) => s.code));
}

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
