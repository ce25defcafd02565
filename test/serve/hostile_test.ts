import { describe, expect, it } from "vitest";
import { createApp } from "../../src/serve/mod.ts";
import {
  bmpFile,
  imageForm,
  pngDeclaring,
  RED,
  slowSession,
  solidImage,
  tinyServiceFixture,
} from "./_helpers.ts";

const tiny = tinyServiceFixture();
const ready = tiny.ready;

const SIDE = 32 * 32 * 3;
const infer = (data: unknown, shape: unknown = [1, 32, 32, 3]) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ inputs: [{ name: "input", datatype: "FP32", shape, data }] }),
});

describe("createApp() against hostile requests", () => {
  it("answers a wrong method on a known route with 405 and Allow", async () => {
    const service = await ready();
    const classify = await service.app.request("/v1/classify");
    expect(classify.status).toBe(405);
    expect(classify.headers.get("allow")).toBe("POST");
    const live = await service.app.request("/v2/health/live", { method: "POST" });
    expect(live.status).toBe(405);
    expect(live.headers.get("allow")).toBe("GET, HEAD");
    const infer = await service.app.request("/v2/models/tiny/infer", { method: "DELETE" });
    expect(infer.headers.get("allow")).toBe("POST");
    expect((await service.app.request("/v3/nothing")).status).toBe(404);
  });

  it("answers a valid BMP with 415, not 422", async () => {
    const service = await ready();
    const file = bmpFile(8);
    const res = await service.app.request("/v1/classify", {
      method: "POST",
      body: file,
      headers: { "content-type": "image/bmp" },
    });
    expect(res.status).toBe(415);
    expect((await res.json()).error).toMatch(/BMP/);
  });

  it("refuses v2 data nested 100,000 deep with 400 in under 100 ms", async () => {
    const service = await ready();
    const deep = '{"inputs":[{"name":"input","datatype":"FP32","shape":[1,32,32,3],"data":' +
      "[".repeat(100_000) + "1" + "]".repeat(100_000) + "}]}";
    const started = performance.now();
    const res = await service.app.request("/v2/models/tiny/infer", {
      method: "POST",
      body: deep,
      headers: { "content-type": "application/json" },
    });
    expect(performance.now() - started).toBeLessThan(100);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/nested deeper than 32/);
  });

  it("refuses ragged v2 data and values that are not finite as float32 with 400, and accepts both layouts", async () => {
    const service = await ready();
    const path = "/v2/models/tiny/infer";
    const flat = new Array(SIDE).fill(0.5);
    const nested = Array.from(
      { length: 1 },
      () => Array.from({ length: 32 }, () => Array.from({ length: 32 }, () => [0.5, 0.5, 0.5])),
    );
    expect((await service.app.request(path, infer(flat))).status).toBe(200);
    expect((await service.app.request(path, infer(nested))).status).toBe(200);
    const ragged = structuredClone(nested);
    ragged[0]![5]!.pop();
    ragged[0]![6]!.push([1, 2, 3]);
    const raggedRes = await service.app.request(path, infer(ragged));
    expect(raggedRes.status).toBe(400);
    expect((await raggedRes.json()).error).toMatch(/3072 numbers/);
    const huge = [...flat];
    huge[7] = 1e39;
    const hugeRes = await service.app.request(path, infer(huge));
    expect(hugeRes.status).toBe(400);
    expect((await hugeRes.json()).error).toMatch(
      /data\[7\] is 1e\+39, which is not a finite float32/,
    );
  });

  it("refuses a request whose images declare more pixels in all than its budget with 413", async () => {
    const service = await ready({ limits: { maxRequestPixels: 5_000 } });
    const small = await solidImage(RED);
    const ok = await service.app.request("/v1/classify", {
      method: "POST",
      body: imageForm([small, small, small, small]),
    });
    expect(ok.status).toBe(200);
    const res = await service.app.request("/v1/classify", {
      method: "POST",
      body: imageForm([small, pngDeclaring(60), small]),
    });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toMatch(/5648 pixels in all: the limit per request is 5000/);
  });

  it("answers 503 with Retry-After while other requests hold the bytes-in-flight budget", async () => {
    const service = createApp({
      models: [slowSession(tiny.session(), 300)],
      limits: { maxBytesInFlight: 1_000 },
    });
    await service.warmUp();
    const image = await solidImage(RED);
    const send = () =>
      service.app.request("/v1/classify", {
        method: "POST",
        body: image,
        headers: { "content-type": "image/jpeg", "content-length": String(image.length) },
      });
    const answers = await Promise.all(Array.from({ length: 8 }, send));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBe(Math.floor(1_000 / image.length));
    const refused = answers.find((r) => r.status === 503)!;
    expect(refused.headers.get("retry-after")).toBe("1");
    expect((await send()).status).toBe(200);
  });
});
