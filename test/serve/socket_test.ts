import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClassifierSession, openClassifierInWorker } from "../../src/runtime/mod.ts";
import { createApp, type RunningServer, startServer } from "../../src/serve/mod.ts";
import {
  BLUE,
  GREEN,
  imageForm,
  noisyJpeg,
  openTinyModel,
  pngDeclaring,
  RED,
  slowSession,
  solidImage,
  SVG,
} from "./_helpers.ts";
import { writeSlowTinyModel } from "./_slow_model.ts";

const TOKEN = "s3cret-token";
let session: ClassifierSession;
let server: RunningServer;
let base: string;

beforeAll(async () => {
  session = await openTinyModel();
  const service = createApp({ models: [session], token: TOKEN, limits: { maxFiles: 64 } });
  await service.warmUp();
  server = await startServer(service, { port: 0 });
  base = `http://127.0.0.1:${server.addr.port}`;
});
afterAll(async () => {
  await server.shutdown();
  await session.release();
});

const auth = { authorization: `Bearer ${TOKEN}` };

async function call(path: string, init: RequestInit = {}) {
  const res = await fetch(base + path, {
    ...init,
    headers: { ...auth, ...(init.headers as Record<string, string>) },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

const raw = (bytes: Uint8Array, type = "image/jpeg"): RequestInit => ({
  method: "POST",
  body: bytes as Uint8Array<ArrayBuffer>,
  headers: { "content-type": type },
});

describe("the service on a real socket", () => {
  it("binds 127.0.0.1 by default", () => {
    expect(server.addr.hostname).toBe("127.0.0.1");
  });

  it("classifies a JPEG sent as the raw body", async () => {
    const res = await call("/v1/classify", raw(await solidImage(GREEN)));
    expect(res.status).toBe(200);
    expect(res.json().predictions[0].label).toBe("green");
    expect(res.headers.get("x-request-id")).toMatch(/^[\w-]{8,}$/);
  });

  it("classifies PNG and WebP uploads as multipart, in upload order", async () => {
    const images = [await solidImage(RED, "webp"), await solidImage(BLUE, "png")];
    const res = await call("/v1/classify", { method: "POST", body: imageForm(images) });
    expect(res.status).toBe(200);
    expect(res.json().predictions.map((p: { label: string }) => p.label)).toEqual(["red", "blue"]);
  });

  it("answers every GET route", async () => {
    const routes = [
      "/",
      "/v1/models",
      "/v2",
      "/v2/health/live",
      "/v2/health/ready",
      "/v2/models/tiny",
      "/v2/models/tiny/ready",
      "/metrics",
      "/openapi.json",
    ];
    for (const route of routes) {
      const res = await call(route);
      expect([route, res.status]).toEqual([route, 200]);
      expect(res.headers.get("x-request-id")).toBeTruthy();
    }
    const model = (await call("/v2/models/tiny")).json();
    expect(model).toMatchObject({
      name: "tiny",
      platform: "onnxruntime_onnx",
      provider: "cpu",
      classes: ["red", "green", "blue"],
      inputs: [{ datatype: "FP32", shape: [-1, 32, 32, 3] }],
      training: {},
    });
  });

  it("runs v2 infer on an FP32 [N,32,32,3] tensor and names the output", async () => {
    const pixels = (r: number, g: number, b: number) =>
      Array.from({ length: 32 * 32 }, () => [r, g, b]).flat();
    const body = {
      id: "req-1",
      inputs: [{
        name: "image",
        datatype: "FP32",
        shape: [2, 32, 32, 3],
        data: [...pixels(0.9, 0.1, 0.1), ...pixels(0.1, 0.1, 0.9)],
      }],
    };
    const res = await call("/v2/models/tiny/infer", {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(200);
    const answer = res.json();
    expect(answer).toMatchObject({ model_name: "tiny", id: "req-1" });
    const output = answer.outputs[0];
    expect(output).toMatchObject({ name: "probabilities", datatype: "FP32", shape: [2, 3] });
    expect(output.data[0]).toBeGreaterThan(0.9);
    expect(output.data[5]).toBeGreaterThan(0.9);
    const direct = await session.run(Float32Array.from(body.inputs[0]!.data), 2);
    expect(output.data).toEqual([...direct]);
  });

  it("refuses crafted inputs with their own status and a JSON error, and stays up", async () => {
    const jpeg = await noisyJpeg(3, 64);
    const cases: [string, RequestInit, number, string?][] = [
      ["truncated JPEG", raw(jpeg.subarray(0, jpeg.length / 2)), 422],
      ["text file named .jpg", {
        method: "POST",
        body: imageForm([new TextEncoder().encode("just some text\n")], ["photo.jpg"]),
      }, 415],
      ["0-byte body", raw(new Uint8Array(0)), 400],
      ["PNG declaring 30000×30000 pixels", raw(pngDeclaring(30_000), "image/png"), 422],
      ["SVG", raw(SVG, "image/svg+xml"), 415],
      ["100 files", {
        method: "POST",
        body: imageForm(await Promise.all(Array.from({ length: 100 }, () => solidImage(RED)))),
      }, 413],
      ["no image field", { method: "POST", body: new FormData() }, 400],
      [
        "wrong token",
        { ...raw(await solidImage(RED)), headers: { authorization: "Bearer nope" } },
        401,
      ],
    ];
    for (const [what, init, status] of cases) {
      const res = await call("/v1/classify", init);
      expect([what, res.status]).toEqual([what, status]);
      expect(res.headers.get("content-type")).toMatch(/application\/json/);
      expect(res.headers.get("x-request-id")).toBeTruthy();
      expect(typeof res.json().error).toBe("string");
    }
    expect((await call("/v2/health/live")).status).toBe(200);
  });

  it("refuses a chunked body over the size limit with 413 while streaming it", async () => {
    const small = createApp({ models: [session], limits: { maxBodyBytes: 10_000 } });
    const limited = await startServer(small, { port: 0 });
    try {
      const chunks = Array.from({ length: 40 }, () => new Uint8Array(1000).fill(0xff));
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = chunks.shift();
          if (next) controller.enqueue(next);
          else controller.close();
        },
      });
      const res = await fetch(`http://127.0.0.1:${limited.addr.port}/v1/classify`, {
        method: "POST",
        body: stream,
        headers: { "content-type": "application/octet-stream" },
      });
      expect(res.status).toBe(413);
      expect((await res.json()).error).toMatch(/limit is 10000/);
    } finally {
      await limited.shutdown();
    }
  });

  it("asks for the token everywhere but health and the page", async () => {
    for (const path of ["/v2", "/v1/models", "/metrics", "/openapi.json", "/v2/models/tiny"]) {
      const res = await fetch(base + path);
      expect([path, res.status]).toEqual([path, 401]);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      await res.body?.cancel();
    }
    for (const path of ["/v2/health/live", "/v2/health/ready", "/"]) {
      const res = await fetch(base + path);
      expect([path, res.status]).toEqual([path, 200]);
      await res.body?.cancel();
    }
  });

  it("gives the same answers with batching on as with it off", async () => {
    const images = await Promise.all(Array.from({ length: 24 }, (_, i) => noisyJpeg(100 + i)));
    const answers = async (maxBatchSize: number) => {
      const slow = slowSession(session, 5);
      const service = createApp({ models: [slow], batching: { maxBatchSize } });
      const running = await startServer(service, { port: 0 });
      try {
        const results = await Promise.all(images.map(async (image) => {
          const res = await fetch(`http://127.0.0.1:${running.addr.port}/v1/classify?top_k=3`, {
            ...raw(image),
          });
          return (await res.json()).predictions[0];
        }));
        return { results, runs: service.state.metrics.batchSize.count({ model: "tiny" }) };
      } finally {
        await running.shutdown();
      }
    };
    const batched = await answers(64);
    const single = await answers(1);
    expect(single.runs).toBe(24);
    expect(batched.runs).toBeLessThan(24);
    // onnxruntime sums in another order for a batch: equal to a few float32 ulps, not bit for bit.
    batched.results.forEach((p: { label: string; top_k: { probability: number }[] }, i: number) => {
      expect(p.label).toBe(single.results[i].label);
      p.top_k.forEach((t, j) =>
        expect(t.probability).toBeCloseTo(single.results[i].top_k[j].probability, 5)
      );
    });
  });

  it("keeps answering other requests while onnxruntime runs a long batch on its worker", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-slow-" });
    const slow = await openClassifierInWorker(await writeSlowTinyModel(dir), { threads: 1 });
    const service = createApp({ models: [slow] });
    await service.warmUp();
    const running = await startServer(service, { port: 0 });
    const url = `http://127.0.0.1:${running.addr.port}`;
    try {
      const images = await Promise.all(Array.from({ length: 8 }, () => solidImage(GREEN)));
      let classifiedAt = Infinity;
      const classified = fetch(`${url}/v1/classify`, { method: "POST", body: imageForm(images) })
        .then(async (res) => {
          classifiedAt = performance.now();
          return (await res.json()).predictions;
        });
      const healthAt: number[] = [];
      while (classifiedAt === Infinity && healthAt.length < 200) {
        await (await fetch(`${url}/v2/health/live`)).body?.cancel();
        healthAt.push(performance.now());
      }
      const predictions = await classified;
      expect(predictions.map((p: { label: string }) => p.label)).toEqual(Array(8).fill("green"));
      // Had the run blocked the event loop, no health answer could arrive before the batch's.
      expect(healthAt.filter((t) => t < classifiedAt).length).toBeGreaterThanOrEqual(3);
    } finally {
      await running.shutdown();
      await slow.release();
      await Deno.remove(dir, { recursive: true });
    }
  });

  it("shutdown() finishes requests in flight, then stops accepting", async () => {
    const service = createApp({ models: [slowSession(session, 300)] });
    await service.warmUp();
    const running = await startServer(service, { port: 0 });
    const url = `http://127.0.0.1:${running.addr.port}/v1/classify`;
    const inFlight = fetch(url, raw(await solidImage(BLUE)));
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    const graceful = await running.shutdown();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect((await res.json()).predictions[0].label).toBe("blue");
    expect(graceful).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);
    await expect(fetch(url, raw(await solidImage(BLUE)))).rejects.toThrow();
  });

  it("shutdown() closes a connection that sent nothing or half its headers after a grace of 1 s, not at the drain's limit", async () => {
    const service = createApp({ models: [session] });
    await service.warmUp();
    const running = await startServer(service, { port: 0, shutdownTimeoutMs: 8_000 });
    const silent = await Deno.connect({ port: running.addr.port });
    const halfHeaders = await Deno.connect({ port: running.addr.port });
    await halfHeaders.write(
      new TextEncoder().encode("GET /v2/health/live HTTP/1.1\r\nHost: x\r\n"),
    );
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    try {
      expect(await running.shutdown()).toBe(true);
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(800);
      expect(took).toBeLessThan(3_000);
      // Closed by the server: a read ends (or is reset) instead of waiting.
      const ended = (conn: Deno.Conn) => conn.read(new Uint8Array(64)).catch(() => null);
      expect(await ended(silent)).toBeNull();
      expect(await ended(halfHeaders)).toBeNull();
    } finally {
      silent.close();
      halfHeaders.close();
    }
  });
});

describe("startServer() on Deno.serve", () => {
  it("serves the same app, drains on shutdown, and refuses a server it does not know", async () => {
    const service = createApp({ models: [session], token: TOKEN });
    await service.warmUp();
    const deno = await startServer(service, { port: 0, httpServer: "deno" });
    const res = await fetch(`http://127.0.0.1:${deno.addr.port}/v1/classify`, {
      ...raw(await solidImage(BLUE)),
      headers: { ...auth, "content-type": "image/jpeg" },
    });
    expect(res.status).toBe(200);
    expect((await res.json()).predictions[0].label).toBe("blue");
    expect(await deno.shutdown()).toBe(true);
    await deno.finished;
    await expect(startServer(service, { port: 0, httpServer: "bun" as "deno" })).rejects.toThrow(
      "'httpServer' must be one of node, deno, got bun",
    );
  });
});
