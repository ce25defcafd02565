import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bmpFile } from "../serve/_helpers.ts";
import { mixedLoad } from "../_fixtures/mixed_load.ts";
import { report, rssMiB, type Served, startServe, tinyModel } from "./_ferry.ts";

let served: Served;
beforeAll(async () => {
  served = await startServe([await tinyModel(), "--port", "0"]);
});
afterAll(async () => {
  await served?.stop();
});

const VALUES = 32 * 32 * 3;
const v2Body = (data: string) =>
  `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,32,32,3],"data":${data}}]}`;

/** Posts `body` as `type` (FormData sets its own type with the boundary). */
async function post(path: string, body: BodyInit, type?: string) {
  const started = performance.now();
  const res = await fetch(`${served.base}${path}`, {
    method: "POST",
    body,
    headers: type ? { "content-type": type } : {},
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, ms: performance.now() - started };
}

/** The longest `/v2/health/live` took while `during` ran, probing every 10 ms. */
async function longestLiveWhile(during: Promise<unknown>): Promise<number> {
  let done = false;
  during.finally(() => done = true);
  let longest = 0;
  while (!done) {
    const started = performance.now();
    await fetch(`${served.base}/v2/health/live`).then((r) => r.arrayBuffer());
    longest = Math.max(longest, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return longest;
}

/** Posts a v2 body while probing `/v2/health/live`, and reports both. */
async function inferProbingLive(name: string, body: string) {
  const answer = post("/v2/models/tiny/infer", body, "application/json");
  const longest = await longestLiveWhile(answer);
  const res = await answer;
  report(name, {
    bytes: body.length,
    status: res.status,
    ms: Math.round(res.ms),
    longestLiveMs: Math.round(longest),
  });
  return { res, longest };
}

describe("ferry serve against hostile bodies", () => {
  it("answers v2 data nested 100,000 deep (200 KB) with 400 within 100 ms, and stays up", async () => {
    await post("/v2/models/tiny/infer", v2Body("[[0]]"), "application/json"); // connection warm
    const deep = v2Body("[".repeat(100_000) + "1" + "]".repeat(100_000));
    const res = await post("/v2/models/tiny/infer", deep, "application/json");
    report("deep-json", { bytes: deep.length, status: res.status, ms: Math.round(res.ms) });
    expect(res.status).toBe(400);
    expect(res.ms).toBeLessThan(100);
    expect((await fetch(`${served.base}/v2/health/live`)).status).toBe(200);
  });

  it("answers FP32 data holding 1e39 (infinite as float32) with 400", async () => {
    const values = new Array(VALUES).fill(0.5);
    values[3] = 1e39;
    const res = await post(
      "/v2/models/tiny/infer",
      v2Body(JSON.stringify(values)),
      "application/json",
    );
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/not a finite float32/);
  });

  it("answers a 16 MB body nested 8 million deep with 400 and keeps /v2/health/live answering", async () => {
    const depth = 8_000_000;
    const body = v2Body("[".repeat(depth) + "]".repeat(depth));
    const { res, longest } = await inferProbingLive("16mb-nested-json", body);
    expect(res.status).toBe(400);
    // The goal is 100 ms (parsing off the event loop); scanning and reading 16 MB on it stays
    // under a second here, where the old parse stalled health checks for 3 s.
    expect(longest).toBeLessThan(1_000);
  });

  it("answers a 16 MB flat v2 body of 64 images with 200", async () => {
    // Numbers written out to 76 digits: 16 MB for a valid 64-image tensor.
    const values = Array.from({ length: 64 * VALUES }, (_, i) => ((i % 97) / 97).toFixed(76));
    const body = v2Body(`[${values.join(",")}]`).replace("[1,32,32,3]", "[64,32,32,3]");
    const { res } = await inferProbingLive("16mb-flat-json", body);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).outputs[0].shape).toEqual([64, 3]);
  });

  it("answers a wrong method with 405 and Allow, and a BMP with 415", async () => {
    const wrong = await fetch(`${served.base}/v1/classify`);
    await wrong.arrayBuffer();
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
    const bmp = await post("/v1/classify", bmpFile(4), "image/bmp");
    expect(bmp.status).toBe(415);
  });

  it("comes back to within 1.3× of its warmed-up memory after 10 s of mixed good, bad and bomb requests", async () => {
    const mixed = await mixedLoad(served.base, { model: "tiny" });
    await mixed(5_000);
    const pid = served.child.pid;
    const warm = await rssMiB([pid]);
    const statuses = await mixed(10_000);
    const peak = await rssMiB([pid]);
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const after = await rssMiB([pid]);
    report("mixed-memory", {
      statuses: Object.fromEntries(statuses),
      warmMiB: warm,
      endOfLoadMiB: peak,
      after10sMiB: after,
    });
    expect(statuses.get(500)).toBeUndefined();
    expect(statuses.get(0)).toBeUndefined();
    expect(after).toBeLessThanOrEqual(warm * 1.3);
  });
});
