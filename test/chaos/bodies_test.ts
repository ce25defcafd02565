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

/**
 * A v2 body of `count` images as bytes, its `data` the given pieces one after another: built
 * without 16 MB of passing strings, whose collection would stall this (the probing) process.
 */
function v2Bytes(count: number, pieces: Uint8Array[]): Uint8Array {
  const encoder = new TextEncoder();
  const [head, tail] = v2Body("\0").replace("[1,", `[${count},`).split("\0");
  const parts = [encoder.encode(head), ...pieces, encoder.encode(tail)];
  const bytes = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  parts.reduce((at, part) => (bytes.set(part, at), at + part.length), 0);
  return bytes;
}

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

/**
 * How `/v2/health/live` answered while `during` ran, probed every 20 ms on a connection of its
 * own: the longest a probe waited for its answer (the server's stall), the longest gap between
 * two answers (that stall plus the pause), and this process's own longest stall, which a probe
 * waits out too (on a busy machine a process may wait that long for a core).
 */
async function probeLiveWhile(during: Promise<unknown>) {
  let done = false;
  during.finally(() => done = true);
  let ownLag = 0, tick = performance.now();
  const ticker = setInterval(() => {
    ownLag = Math.max(ownLag, performance.now() - tick);
    tick = performance.now();
  }, 5);
  let longest = 0, gap = 0, probes = 0;
  let answered = performance.now();
  while (!done) {
    const sent = performance.now();
    await fetch(`${served.base}/v2/health/live`).then((r) => r.arrayBuffer());
    const now = performance.now();
    longest = Math.max(longest, now - sent);
    gap = Math.max(gap, now - answered);
    answered = now;
    probes++;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  clearInterval(ticker);
  return { longest, gap, probes, ownLag };
}

/**
 * Posts the v2 body in `file` from a process of its own, and resolves to the answer and how long
 * it took there: Deno's fetch writes an upload on the calling thread (16 MB held it 55–200 ms),
 * which would hold up the probes beside it.
 */
async function inferElsewhere(file: string) {
  const script = `
    const body = await Deno.readFile(${JSON.stringify(file)});
    const started = performance.now();
    const res = await fetch(${JSON.stringify(`${served.base}/v2/models/tiny/infer`)}, {
      method: "POST", body, headers: { "content-type": "application/json" },
    });
    const text = await res.text();
    console.log(JSON.stringify({ status: res.status, text, ms: performance.now() - started }));
  `;
  const out = await new Deno.Command(Deno.execPath(), { args: ["eval", script] }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout)) as {
    status: number;
    text: string;
    ms: number;
  };
}

/** Posts a v2 body (from another process) while probing `/v2/health/live`, and reports both. */
async function inferProbingLive(name: string, body: Uint8Array) {
  const file = await Deno.makeTempFile({ prefix: "ferry-chaos-body-" });
  await Deno.writeFile(file, body);
  const answer = inferElsewhere(file);
  const live = await probeLiveWhile(answer).finally(() => Deno.remove(file));
  const res = await answer;
  report(name, {
    bytes: body.length,
    status: res.status,
    ms: Math.round(res.ms),
    probes: live.probes,
    longestLiveMs: Math.round(live.longest),
    longestGapMs: Math.round(live.gap),
    probingProcessLagMs: Math.round(live.ownLag),
  });
  return { res, longest: live.longest };
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

  it("answers a 16 MB body nested 8 million deep with 400 and keeps /v2/health/live answering within 100 ms", async () => {
    const depth = 8_000_000;
    const body = v2Bytes(1, [new Uint8Array(depth).fill(0x5b), new Uint8Array(depth).fill(0x5d)]);
    const { res, longest } = await inferProbingLive("16mb-nested-json", body);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toMatch(/nested deeper than 32 levels/);
    expect(longest).toBeLessThanOrEqual(100);
  });

  it("answers a 16 MB flat v2 body of 64 images with 200 and keeps /v2/health/live answering within 100 ms", async () => {
    // Numbers written out to 76 digits: 16 MB for a valid 64-image tensor.
    const encoder = new TextEncoder();
    const numbers = Array.from(
      { length: 97 },
      (_, k) => encoder.encode(`${(k / 97).toFixed(76)},`),
    );
    const values = Array.from({ length: 64 * VALUES }, (_, i) => numbers[i % 97]!);
    const last = values.length - 1;
    values[last] = values[last]!.subarray(0, -1); // no comma after the last
    const body = v2Bytes(64, [encoder.encode("["), ...values, encoder.encode("]")]);
    const { res, longest } = await inferProbingLive("16mb-flat-json", body);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).outputs[0].shape).toEqual([64, 3]);
    expect(longest).toBeLessThanOrEqual(100);
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
