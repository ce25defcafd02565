/**
 * ServeMetrics' snapshots and their sum, the metrics hub over its Unix socket, and the gauges
 * an operator watches (inference time, queue depth, model loaded, resident memory).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClassifierSession } from "../../src/runtime/mod.ts";
import { createApp, joinMetricsHub, ServeMetrics, startMetricsHub } from "../../src/serve/mod.ts";
import { openTinyModel, RED, solidImage, valueOf } from "./_helpers.ts";

let session: ClassifierSession;
beforeAll(async () => {
  session = await openTinyModel();
});
afterAll(async () => {
  await session.release();
});

const OK = 'ferry_requests_total{route="/v1/classify",method="POST",status="200"}';

function registry(requests: number, queued: number): ServeMetrics {
  const metrics = new ServeMetrics();
  metrics.requests.inc({ route: "/v1/classify", method: "POST", status: "200" }, requests);
  metrics.latency.observe(0.002, { route: "/v1/classify" });
  metrics.onCollect(() => metrics.queueDepth.set(queued, { model: "tiny" }));
  return metrics;
}

describe("ServeMetrics", () => {
  it("merge() adds counters, histograms and sum gauges, and keeps the lowest of a min gauge", () => {
    const [a, b] = [registry(3, 2), registry(4, 5)];
    a.modelReady.set(1, { model: "tiny" });
    b.modelReady.set(0, { model: "tiny" });
    const text = a.render(a.merge([a.snapshot(), JSON.parse(JSON.stringify(b.snapshot()))]));
    expect(valueOf(text, OK)).toBe(7);
    expect(valueOf(text, 'ferry_request_duration_seconds_count{route="/v1/classify"}')).toBe(2);
    expect(valueOf(text, 'ferry_request_duration_seconds_bucket{route="/v1/classify",le="0.0025"}'))
      .toBe(2);
    expect(valueOf(text, 'ferry_queue_depth{model="tiny"}')).toBe(7);
    expect(valueOf(text, 'ferry_model_ready{model="tiny"}')).toBe(0);
    expect(valueOf(text, "ferry_processes")).toBe(2);
    expect(valueOf(text, "ferry_process_resident_memory_bytes")).toBeGreaterThan(2 * 10e6);
  });

  it("a served app reports inference time, queue depth, model readiness and resident memory", async () => {
    const service = createApp({ models: [session] });
    const before = await (await service.app.request("/metrics")).text();
    expect(valueOf(before, 'ferry_model_ready{model="tiny"}')).toBe(0);
    await service.warmUp();
    await service.app.request("/v1/classify", {
      method: "POST",
      body: await solidImage(RED),
      headers: { "content-type": "image/jpeg" },
    });
    const text = await (await service.app.request("/metrics")).text();
    expect(valueOf(text, 'ferry_model_ready{model="tiny"}')).toBe(1);
    expect(valueOf(text, 'ferry_queue_depth{model="tiny"}')).toBe(0);
    expect(valueOf(text, 'ferry_inference_duration_seconds_count{model="tiny"}')).toBe(1);
    expect(valueOf(text, "ferry_process_resident_memory_bytes")).toBeGreaterThan(10e6);
    expect(text).toContain("# TYPE ferry_queue_depth gauge");
    await service.drain();
    const drained = await (await service.app.request("/metrics")).text();
    expect(valueOf(drained, 'ferry_model_ready{model="tiny"}')).toBe(0);
  });
});

/** A hub and two members whose registries count `first` and `second` requests (queues 1, 2). */
async function hubWithTwo(first: number, second: number) {
  const hub = await startMetricsHub();
  const [a, b] = [registry(first, 1), registry(second, 2)];
  const ma = await joinMetricsHub(hub.path, () => a.snapshot());
  const mb = await joinMetricsHub(hub.path, () => b.snapshot());
  return { hub, a, b, ma, mb };
}

const countOne = (metrics: ServeMetrics, by = 1) =>
  metrics.requests.inc({ route: "/v1/classify", method: "POST", status: "200" }, by);

describe("the metrics hub", () => {
  it("answers a scrape from either member with the sum of both, fresh at each scrape", async () => {
    const { hub, b, ma, mb } = await hubWithTwo(10, 5);
    try {
      expect(valueOf(await ma.scrape(), OK)).toBe(15);
      countOne(b);
      const text = await mb.scrape();
      expect(valueOf(text, OK)).toBe(16);
      expect(valueOf(text, "ferry_processes")).toBe(2);
      expect(valueOf(text, 'ferry_queue_depth{model="tiny"}')).toBe(3);
    } finally {
      await ma.leave();
      await mb.leave();
      await hub.close();
    }
  });

  it("keeps the counts of a member that leaves, and drops its gauges", async () => {
    const { hub, b, ma, mb } = await hubWithTwo(10, 5);
    try {
      expect(valueOf(await ma.scrape(), OK)).toBe(15);
      countOne(b, 3);
      await mb.leave();
      // Its final snapshot (8, sent on leaving) stays counted.
      let text = await ma.scrape();
      for (let i = 0; i < 50 && valueOf(text, "ferry_processes") !== 1; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        text = await ma.scrape();
      }
      expect(valueOf(text, "ferry_processes")).toBe(1);
      expect(valueOf(text, OK)).toBe(18);
      expect(valueOf(text, 'ferry_queue_depth{model="tiny"}')).toBe(1);
    } finally {
      await ma.leave();
      await hub.close();
    }
  });

  it("counts the members that say they serve, and forgets one as soon as it leaves", async () => {
    const { hub, ma, mb } = await hubWithTwo(1, 1);
    const settled = async (want: number) => {
      for (let i = 0; i < 100 && hub.readyMembers() !== want; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return hub.readyMembers();
    };
    try {
      expect(hub.readyMembers()).toBe(0);
      await ma.setReady(true);
      await mb.setReady(true);
      expect(await settled(2)).toBe(2);
      await ma.setReady(false);
      expect(await settled(1)).toBe(1);
      await ma.setReady(true);
      expect(await settled(2)).toBe(2);
      await mb.leave();
      expect(await settled(1)).toBe(1);
    } finally {
      await ma.leave();
      await hub.close();
    }
  });

  it("a member whose hub is gone answers with its own counts", async () => {
    const { hub, a, ma, mb } = await hubWithTwo(4, 10);
    expect(valueOf(await ma.scrape(), OK)).toBe(14);
    await hub.close();
    countOne(a);
    expect(valueOf(await ma.scrape(), OK)).toBe(5);
    await ma.leave();
    await mb.leave();
  });
});
