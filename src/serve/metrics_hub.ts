/**
 * One `/metrics` for a server of several processes. The supervisor runs a hub on a Unix socket
 * (in a private temporary folder); each worker process joins it. A scrape that reaches any worker
 * asks the hub, which collects a fresh snapshot from every worker and answers their sum. A worker
 * that leaves (stopped or dead) leaves its last counts behind, so counters never go down while
 * the server runs. Workers also tell the hub when they start and stop taking requests, which is
 * how a supervisor's health port knows how many serve. Messages are JSON lines.
 *
 * @module
 */
import { join } from "node:path";
import { type MetricsSnapshot, ServeMetrics } from "./metrics.ts";

/** The variable through which a supervisor tells its workers where its hub listens. */
export const METRICS_HUB_ENV = "FERRY_METRICS_HUB";

/** How long a scrape waits for each worker before using its last snapshot instead. */
const COLLECT_TIMEOUT_MS = 2_000;

/** A running hub. */
export interface MetricsHub {
  /** The socket's path, for {@linkcode METRICS_HUB_ENV}. */
  path: string;
  /** How many joined workers say they take requests. */
  readyMembers(): number;
  close(): Promise<void>;
}

/** A worker's membership of a hub. */
export interface HubMember {
  /** The whole server's metrics in Prometheus text format. */
  scrape(): Promise<string>;
  /** Tells the hub whether this worker takes requests (after listening; not once draining). */
  setReady(ready: boolean): Promise<void>;
  /** Sends this process's final counts and leaves. */
  leave(): Promise<void>;
}

type Message =
  | { t: "collect"; id: number }
  | { t: "snapshot"; id: number; s: MetricsSnapshot }
  | { t: "final"; s: MetricsSnapshot }
  | { t: "scrape"; id: number }
  | { t: "ready"; ready: boolean }
  | { t: "text"; id: number; text: string };

/** A connection as a writer of messages and a stream of the messages it receives. */
function channel(conn: Deno.Conn) {
  const writer = conn.writable.getWriter();
  const encoder = new TextEncoder();
  const send = (message: Message) =>
    writer.write(encoder.encode(JSON.stringify(message) + "\n")).catch(() => {});
  async function* receive(): AsyncGenerator<Message> {
    let buffer = "";
    try {
      for await (const chunk of conn.readable.pipeThrough(new TextDecoderStream())) {
        buffer += chunk;
        let newline: number;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          yield JSON.parse(buffer.slice(0, newline));
          buffer = buffer.slice(newline + 1);
        }
      }
    } catch {
      // A connection reset ends the stream like a close.
    }
  }
  return { send, receive, close: () => writer.close().catch(() => {}) };
}

/** Starts a hub (the supervisor's side). */
export async function startMetricsHub(): Promise<MetricsHub> {
  const dir = await Deno.makeTempDir({ prefix: "ferry-metrics-" });
  await Deno.chmod(dir, 0o700);
  const path = join(dir, "hub.sock");
  const listener = Deno.listen({ transport: "unix", path });
  const registry = new ServeMetrics();
  const members = new Set<Member>();
  let retired: MetricsSnapshot = { counters: {}, gauges: {}, histograms: {} };
  let nextId = 0;

  class Member {
    last: MetricsSnapshot | undefined;
    ready = false;
    waiting = new Map<number, (s: MetricsSnapshot | undefined) => void>();
    readonly link: ReturnType<typeof channel>;
    constructor(readonly conn: Deno.Conn) {
      this.link = channel(conn);
    }

    collect(): Promise<MetricsSnapshot | undefined> {
      const id = nextId++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => done(this.last), COLLECT_TIMEOUT_MS);
        const done = (s: MetricsSnapshot | undefined) => {
          clearTimeout(timer);
          this.waiting.delete(id);
          resolve(s);
        };
        this.waiting.set(id, done);
        this.link.send({ t: "collect", id });
      });
    }
  }

  const scrape = async () => {
    const fresh = await Promise.all([...members].map((m) => m.collect()));
    const live = fresh.filter((s): s is MetricsSnapshot => s !== undefined);
    return registry.render(registry.merge([retired, ...live]));
  };

  const serve = async (conn: Deno.Conn) => {
    const member = new Member(conn);
    members.add(member);
    for await (const message of member.link.receive()) {
      if (message.t === "snapshot") {
        member.last = message.s;
        member.waiting.get(message.id)?.(message.s);
      } else if (message.t === "final") {
        member.last = message.s;
      } else if (message.t === "ready") {
        member.ready = message.ready;
      } else if (message.t === "scrape") {
        scrape().then((text) => member.link.send({ t: "text", id: message.id, text }));
      }
    }
    members.delete(member);
    for (const done of member.waiting.values()) done(member.last);
    // What it counted stays counted; its gauges (queue, memory) leave with it.
    if (member.last) {
      const { counters, histograms } = member.last;
      retired = registry.merge([retired, { counters, histograms, gauges: {} }]);
    }
  };
  const accepting = (async () => {
    for await (const conn of listener) serve(conn);
  })().catch(() => {});

  return {
    path,
    readyMembers: () => [...members].filter((m) => m.ready).length,
    close: async () => {
      listener.close();
      await accepting;
      for (const member of members) member.conn.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Joins the hub at `path` (a worker's side); `snapshot` gives this process's values. */
export async function joinMetricsHub(
  path: string,
  snapshot: () => MetricsSnapshot,
): Promise<HubMember> {
  const conn = await Deno.connect({ transport: "unix", path });
  const link = channel(conn);
  const scrapes = new Map<number, (text: string) => void>();
  let nextId = 0;
  let hubGone = false;
  // Without its hub (the supervisor is gone) a worker still answers, with its own counts.
  const own = () => new ServeMetrics().render(snapshot());
  const reading = (async () => {
    for await (const message of link.receive()) {
      if (message.t === "collect") link.send({ t: "snapshot", id: message.id, s: snapshot() });
      else if (message.t === "text") scrapes.get(message.id)?.(message.text);
    }
    hubGone = true;
    for (const answer of scrapes.values()) answer(own());
  })();
  return {
    scrape: () => {
      if (hubGone) return Promise.resolve(own());
      const id = nextId++;
      return new Promise<string>((resolve) => {
        scrapes.set(id, (text) => {
          scrapes.delete(id);
          resolve(text);
        });
        link.send({ t: "scrape", id });
      });
    },
    setReady: (ready) => link.send({ t: "ready", ready }),
    leave: async () => {
      await link.send({ t: "final", s: snapshot() });
      await link.close();
      await reading;
    },
  };
}
