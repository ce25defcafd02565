import { afterEach, describe, expect, it } from "vitest";
import { RED, solidImage } from "../serve/_helpers.ts";
import {
  kill,
  load,
  randomPort,
  rawExchange,
  rawStatus,
  report,
  type Served,
  startServe,
  tinyModel,
} from "./_ferry.ts";

let served: Served | undefined;
afterEach(async () => {
  await served?.stop();
  served = undefined;
});

/** Starts `ferry serve --workers 2 --health-port` (stopped after the case); and its health port. */
async function twoWorkersWithHealthPort(listening: number): Promise<[Served, number]> {
  const healthPort = randomPort();
  const ports = ["--port", String(randomPort()), "--health-port", String(healthPort)];
  served = await startServe([await tinyModel(), "--workers", "2", ...ports], {
    processes: listening,
  });
  return [served, healthPort];
}

describe("ferry serve --workers under worker deaths", () => {
  it("keeps answering and its health port stays ready when one of two workers is killed with SIGKILL, with two again within 2 s", async () => {
    const [running, healthPort] = await twoWorkersWithHealthPort(2);
    const { base, port } = running;
    const image = await solidImage(RED);
    const [victim] = await running.firstWorkerPids();
    type Probe = { at: number; status: number };
    const onHealthPort: Probe[] = [];
    const onServicePort: Probe[] = [];
    let probing = true;
    const probe = async (into: Probe[], to: number) => {
      while (probing) {
        const at = performance.now();
        into.push({ at, status: await rawStatus(to, "/v2/health/ready") });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const probes = Promise.all([probe(onHealthPort, healthPort), probe(onServicePort, port)]);
    const loaded = load({
      concurrency: 16,
      durationMs: 6_000,
      maxRequests: 40_000,
      request: () =>
        new Request(`${base}/v1/classify`, {
          method: "POST",
          body: image,
          headers: { "content-type": "image/jpeg" },
        }),
    });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const killedAt = performance.now();
    kill(victim!, "SIGKILL");
    await running.waitFor(/takes over/, 1, 5_000);
    await running.waitFor(/listening on/, 3, 5_000);
    const back = performance.now() - killedAt;
    const { sent, statuses } = await loaded;
    probing = false;
    await probes;

    const failedAt = (probes: Probe[]) =>
      probes.filter((p) => p.status !== 200).map((p) => Math.round(p.at - killedAt));
    report("sigkill-worker", {
      sent,
      ok: statuses.get(200) ?? 0,
      statuses: Object.fromEntries(statuses),
      healthPortProbes: onHealthPort.length,
      // When each failed probe started, from the kill.
      healthPortFailedFromKillMs: failedAt(onHealthPort),
      servicePortProbes: onServicePort.length,
      servicePortFailedFromKillMs: failedAt(onServicePort),
      backMs: Math.round(back),
    });
    expect(running.said()).toMatch(
      /worker \d \(pid \d+\) died with signal SIGKILL; spare pid \d+ takes over/,
    );
    expect(back).toBeLessThan(2_000);
    // Two serving and a new spare.
    await running.waitFor(/model: tiny/, 4, 10_000);
    expect(await running.workerPids()).toHaveLength(3);
    expect(sent).toBeGreaterThan(500);
    expect((statuses.get(200) ?? 0) / sent).toBeGreaterThanOrEqual(0.99);
    // The supervisor answers the health port: no probe there meets the killed worker.
    expect(onHealthPort.length).toBeGreaterThan(20);
    expect(failedAt(onHealthPort)).toEqual([]);
    // On the service port a probe queued at the killed worker is reset with it (each
    // SO_REUSEPORT socket has its own accept queue), like any request in flight there.
    expect(failedAt(onServicePort).length).toBeLessThanOrEqual(1);
    expect(onServicePort.at(-1)!.status).toBe(200);
  });

  it("answers 503 on its health port before any worker serves and after SIGTERM", async () => {
    const [running, healthPort] = await twoWorkersWithHealthPort(0);
    await running.waitFor(/health on/, 1, 10_000);
    const early = await rawStatus(healthPort, "/v2/health/ready");
    await running.waitFor(/listening on/, 2, 20_000);
    // A worker tells the hub just before it says it listens: the hub may read it a moment later.
    const ready = "GET /v2/health/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let serving = await rawExchange(healthPort, ready, 2_000);
    for (let i = 0; i < 40 && !serving.includes('"workers_ready":2'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      serving = await rawExchange(healthPort, ready, 2_000);
    }
    const live = await rawStatus(healthPort, "/v2/health/live");
    const wrongMethod = await rawExchange(
      healthPort,
      "POST /v2/health/ready HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
      2_000,
    );
    running.child.kill("SIGTERM");
    // The signal takes a moment to arrive: probe until readiness is withdrawn, for at most 1 s.
    const signalledAt = performance.now();
    let stopping = 200;
    while (stopping === 200 && performance.now() - signalledAt < 1_000) {
      stopping = await rawStatus(healthPort, "/v2/health/ready");
    }
    expect(early).toBe(503);
    expect(serving).toMatch(/^HTTP\/1\.1 200/);
    expect(serving).toContain('"workers_ready":2');
    expect(live).toBe(200);
    expect(wrongMethod).toMatch(/^HTTP\/1\.1 405/);
    expect(wrongMethod.toLowerCase()).toContain("allow: get, head");
    // Refused (0) once the supervisor has closed it, or 503 while workers drain.
    expect([0, 503]).toContain(stopping);
    expect((await running.child.status).code).toBe(0);
  });

  it("stops with exit code 70 and says so when workers die five times within a minute", async () => {
    const model = await tinyModel();
    served = await startServe([model, "--port", String(randomPort()), "--workers", "2"], {
      processes: 2,
    });
    for (let death = 1; death <= 5; death++) {
      let pids = await served.workerPids();
      while (pids.length === 0) pids = await served.workerPids();
      kill(pids[0]!, "SIGKILL");
      await served.waitFor(/died with signal SIGKILL/, death, 10_000);
    }
    const status = await served.child.status;
    expect(status.code).toBe(70);
    expect(served.said()).toMatch(/5 deaths in 60 s, a crash loop; stopping the service/);
  });
});
