import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FerryError } from "../../src/errors.ts";
import { createDecodePool, FERRY_INPUT_SPEC, preprocess } from "../../src/image/mod.ts";
import type { ClassifierSession } from "../../src/runtime/mod.ts";
import { type AppOptions, createApp, type LogEntry } from "../../src/serve/mod.ts";
import {
  BLUE,
  GREEN,
  imageForm,
  noisyJpeg,
  openTinyModel,
  RED,
  slowSession,
  solidImage,
  SVG,
} from "./_helpers.ts";

let session: ClassifierSession;

beforeAll(async () => {
  session = await openTinyModel();
});
afterAll(async () => {
  await session.release();
});

async function ready(options: Partial<AppOptions> = {}) {
  const service = createApp({ models: [session], ...options });
  await service.warmUp();
  return service;
}

const post = (body: BodyInit, headers: Record<string, string> = {}) => ({
  method: "POST",
  body,
  headers,
});

describe("createApp() in process", () => {
  it("answers /v1/classify with the same probabilities as the session on the preprocessed file", async () => {
    const service = await ready();
    const jpeg = await noisyJpeg(7);
    const res = await service.app.request(
      "/v1/classify?top_k=3",
      post(jpeg, { "content-type": "image/jpeg" }),
    );
    expect(res.status).toBe(200);
    const body = await res.json();
    const expected = await session.run(await preprocess(jpeg, FERRY_INPUT_SPEC), 1);
    const best = Math.max(...expected);
    expect(body.predictions[0].probability).toBe(best);
    expect(body.predictions[0].top_k.map((t: { probability: number }) => t.probability))
      .toEqual([...expected].sort((a, b) => b - a));
  });

  it("gives the same answers when a decode pool decodes the images", async () => {
    const images = await Promise.all([noisyJpeg(1), noisyJpeg(2, 48), solidImage(BLUE, "png")]);
    const pool = createDecodePool({ workers: 1 });
    try {
      const pooled = await ready({ decodePool: pool });
      const inline = await ready();
      const answer = async (service: typeof inline) =>
        (await (await service.app.request("/v1/classify?top_k=3", post(imageForm(images)))).json())
          .predictions;
      expect(await answer(pooled)).toEqual(await answer(inline));
    } finally {
      pool.close();
    }
  });

  it("keeps upload order for several images in one multipart request", async () => {
    const service = await ready();
    const images = [await solidImage(BLUE), await solidImage(RED, "png"), await solidImage(GREEN)];
    const res = await service.app.request("/v1/classify", post(imageForm(images)));
    const body = await res.json();
    expect(body.model).toBe("tiny");
    expect(body.predictions.map((p: { label: string }) => p.label)).toEqual([
      "blue",
      "red",
      "green",
    ]);
    expect(body.predictions[0].top_k).toHaveLength(3);
    expect(body.timing_ms.total).toBeGreaterThan(0);
  });

  it("reads a multipart body whose boundary has capital letters (as browsers send)", async () => {
    const service = await ready();
    const boundary = "----WebKitFormBoundaryAbCdEf";
    const head = new TextEncoder().encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="r.jpg"\r\n` +
        "Content-Type: image/jpeg\r\n\r\n",
    );
    const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
    const body = new Uint8Array(await new Blob([head, await solidImage(RED), tail]).arrayBuffer());
    const res = await service.app.request(
      "/v1/classify",
      post(body, { "content-type": `multipart/form-data; boundary=${boundary}` }),
    );
    expect(res.status).toBe(200);
    expect((await res.json()).predictions[0].label).toBe("red");
  });

  it("takes top_k from a multipart field and refuses a bad one with 400", async () => {
    const service = await ready();
    const form = imageForm([await solidImage(RED)]);
    form.append("top_k", "2");
    const res = await service.app.request("/v1/classify", post(form));
    expect((await res.json()).predictions[0].top_k).toHaveLength(2);
    const bad = await service.app.request(
      "/v1/classify?top_k=zero",
      post(await solidImage(RED), { "content-type": "image/jpeg" }),
    );
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/top_k/);
  });

  it("accepts SVG only when vector input is enabled", async () => {
    const refused = await (await ready()).app.request(
      "/v1/classify",
      post(SVG, { "content-type": "image/svg+xml" }),
    );
    expect(refused.status).toBe(415);
    const allowed = await (await ready({ limits: { allowVector: true } })).app.request(
      "/v1/classify",
      post(SVG, { "content-type": "image/svg+xml" }),
    );
    expect(allowed.status).toBe(200);
    expect((await allowed.json()).predictions[0].label).toBe("red");
  });

  it("refuses a non-image Content-Type with 415 and a multipart form without images with 400", async () => {
    const service = await ready();
    const json = await service.app.request(
      "/v1/classify",
      post("{}", { "content-type": "application/json" }),
    );
    expect(json.status).toBe(415);
    const form = new FormData();
    form.append("top_k", "1");
    const empty = await service.app.request("/v1/classify", post(form));
    expect(empty.status).toBe(400);
  });

  it("answers 400, not 500, when the body breaks off while it is read", async () => {
    const service = await ready();
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) controller.error(new Error("connection reset"));
        else controller.enqueue(new Uint8Array([0xff, 0xd8, 0xff]));
        sent = true;
      },
    });
    const res = await service.app.request(
      "/v1/classify",
      {
        method: "POST",
        body,
        headers: { "content-type": "image/jpeg" },
        duplex: "half",
      } as RequestInit,
    );
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/Cannot read the request body/);
  });

  it("answers 503 with Retry-After when the queue is full", async () => {
    const service = createApp({
      models: [slowSession(session, 50)],
      limits: { maxQueue: 1 },
    });
    const jpeg = await solidImage(RED);
    const send = () =>
      service.app.request("/v1/classify", post(jpeg, { "content-type": "image/jpeg" }));
    const responses = await Promise.all([send(), send(), send(), send()]);
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toContain(200);
    expect(statuses).toContain(503);
    const refused = responses.find((r) => r.status === 503)!;
    expect(refused.headers.get("retry-after")).toBe("1");
    expect((await refused.json()).error).toMatch(/waiting/);
  });

  it("answers 503 with Retry-After when a request's deadline passes in the queue", async () => {
    const service = createApp({ models: [slowSession(session, 80)], limits: { deadlineMs: 20 } });
    const jpeg = await solidImage(RED);
    const send = () =>
      service.app.request("/v1/classify", post(jpeg, { "content-type": "image/jpeg" }));
    const first = send();
    await new Promise((r) => setTimeout(r, 5));
    const late = await send();
    expect((await first).status).toBe(200);
    expect(late.status).toBe(503);
    expect(late.headers.get("retry-after")).toBe("1");
  });

  it("answers 404 as JSON for an unknown model or route", async () => {
    const service = await ready();
    const model = await service.app.request("/v2/models/nope");
    expect(model.status).toBe(404);
    expect((await model.json()).error).toMatch(/nope.*tiny/);
    const route = await service.app.request("/v3");
    expect(route.status).toBe(404);
    expect(await route.json()).toHaveProperty("error");
  });

  it("reports not ready until warm-up has run every model once, nor while draining", async () => {
    const service = createApp({ models: [session] });
    expect((await service.app.request("/v2/health/ready")).status).toBe(503);
    expect((await service.app.request("/v2/models/tiny/ready")).status).toBe(503);
    await service.warmUp();
    expect((await service.app.request("/v2/health/ready")).status).toBe(200);
    expect(await (await service.app.request("/v2/models/tiny/ready")).json()).toEqual({
      name: "tiny",
      version: "1",
      ready: true,
    });
    await service.drain();
    expect((await service.app.request("/v2/health/ready")).status).toBe(503);
    expect(await (await service.app.request("/v2/models/tiny/ready")).json()).toEqual({
      name: "tiny",
      version: "1",
      ready: false,
    });
    expect((await service.app.request("/v2/models/tiny/ready")).status).toBe(503);
  });

  it("validates v2 infer requests: datatype, shape, data length and output name", async () => {
    const service = await ready();
    const infer = (body: unknown) =>
      service.app.request(
        "/v2/models/tiny/infer",
        post(JSON.stringify(body), { "content-type": "application/json" }),
      );
    const tensor = { name: "image", datatype: "FP32", shape: [1, 32, 32, 3], data: [] as number[] };
    const full = new Array(3072).fill(0.5);
    const cases: [unknown, RegExp][] = [
      [{ inputs: [{ ...tensor, datatype: "INT8", data: full }] }, /FP32/],
      [{ inputs: [{ ...tensor, shape: [1, 3, 32, 32], data: full }] }, /shape/],
      [{ inputs: [{ ...tensor, data: [1, 2] }] }, /'data' must hold 3072 numbers/],
      [{ inputs: [{ ...tensor, data: full }], outputs: [{ name: "logits" }] }, /output 'logits'/],
      [{ nothing: true }, /inputs/],
    ];
    for (const [body, message] of cases) {
      const res = await infer(body);
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatch(message);
    }
    const notJson = await service.app.request("/v2/models/tiny/infer", post("{oops"));
    expect(notJson.status).toBe(400);
  });

  it("logs one JSON access line per request with the request id it answered", async () => {
    const lines: LogEntry[] = [];
    const service = await ready({ log: (entry) => lines.push(entry) });
    const res = await service.app.request("/v2/health/live", {
      headers: { "x-request-id": "abc-123" },
    });
    await service.app.request("/v2");
    expect(res.headers.get("x-request-id")).toBe("abc-123");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ id: "abc-123", method: "GET", status: 200 });
    expect(typeof lines[1]!.id).toBe("string");
    expect(JSON.parse(JSON.stringify(lines[0]))).toEqual(lines[0]);
  });

  it("sends CORS headers only when origins are configured", async () => {
    const origin = { origin: "https://example.org" };
    const off = await (await ready()).app.request("/v2", { headers: origin });
    expect(off.headers.get("access-control-allow-origin")).toBeNull();
    const on = await (await ready({ corsOrigins: ["https://example.org"] })).app.request("/v2", {
      headers: origin,
    });
    expect(on.headers.get("access-control-allow-origin")).toBe("https://example.org");
  });

  it("counts requests, batch sizes, decoded images and errors in /metrics", async () => {
    const service = await ready();
    const jpeg = await solidImage(RED);
    await service.app.request("/v1/classify", post(jpeg, { "content-type": "image/jpeg" }));
    await service.app.request("/v1/classify", post(SVG, { "content-type": "image/svg+xml" }));
    const text = await (await service.app.request("/metrics")).text();
    expect(text).toContain(
      'ferry_requests_total{route="/v1/classify",method="POST",status="200"} 1',
    );
    expect(text).toContain(
      'ferry_requests_total{route="/v1/classify",method="POST",status="415"} 1',
    );
    expect(text).toContain('ferry_inference_batch_size_bucket{model="tiny",le="1"} 1');
    expect(text).toContain("ferry_queue_wait_seconds_count");
    expect(text).toContain("ferry_request_duration_seconds_bucket");
    expect(text).toContain("ferry_images_decoded_total 1");
    expect(text).toContain('ferry_errors_total{kind="unsupported_media"} 1');
  });

  it("describes every route in OpenAPI 3.1", async () => {
    const doc = await (await (await ready()).app.request("/openapi.json")).json();
    expect(doc.openapi).toBe("3.1.0");
    for (
      const path of [
        "/",
        "/v1/classify",
        "/v1/models",
        "/v2",
        "/v2/health/live",
        "/v2/health/ready",
        "/v2/models/{name}",
        "/v2/models/{name}/ready",
        "/v2/models/{name}/infer",
        "/v2/models/{name}/versions/{version}/infer",
        "/v2/models/{name}/config",
        "/v2/models/{name}/versions/{version}/stats",
        "/v2/models/stats",
        "/v2/repository/index",
        "/v2/repository/models/{name}/load",
        "/models/{name}/card",
        "/metrics",
        "/openapi.json",
      ]
    ) {
      expect(doc.paths).toHaveProperty([path]);
    }
  });

  it("serves a page that loads nothing from the network", async () => {
    const html = await (await (await ready()).app.request("/")).text();
    expect(html).toContain('id="drop"');
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|\burl\(/i);
  });

  it("serves a page that leaves top_k to the server's default", async () => {
    const html = await (await (await ready()).app.request("/")).text();
    expect(html).toContain('fetch("v1/classify", ');
    expect(html).not.toContain("top_k=");
  });

  it("refuses a limit, top_k or batching that cannot work, naming the option and the value", () => {
    const refused: [Partial<AppOptions>, RegExp][] = [
      [{ limits: { maxFiles: 0 } }, /'limits\.maxFiles' must be a positive integer, got 0/],
      [{ limits: { maxBodyBytes: 1.5 } }, /'limits\.maxBodyBytes' .* got 1\.5/],
      [{ limits: { deadlineMs: -1 } }, /'limits\.deadlineMs' .* got -1/],
      [{ limits: { maxPixels: NaN } }, /'limits\.maxPixels' .* got NaN/],
      [{ topK: 0 }, /'topK' must be a positive integer, got 0/],
      [{ batching: { maxBatchSize: 0 } }, /'maxBatchSize' must be a positive integer, got 0/],
      [{ batching: { maxWaitMs: -5 } }, /'maxWaitMs' must be 0 or more, got -5/],
    ];
    for (const [options, message] of refused) {
      let error: FerryError | undefined;
      try {
        createApp({ models: [session], ...options });
      } catch (e) {
        error = e as FerryError;
      }
      expect(error?.kind).toBe("usage");
      expect(error?.message).toMatch(message);
    }
  });
});
