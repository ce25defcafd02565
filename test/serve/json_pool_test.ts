import { afterEach, describe, expect, it } from "vitest";
import { FerryError } from "../../src/errors.ts";
import {
  createJsonPool,
  JSON_POOL_DEFAULTS,
  type JsonPool,
  startServer,
} from "../../src/serve/mod.ts";
import { recordWorkers } from "../_fixtures/workers.ts";
import { tinyServiceFixture } from "./_helpers.ts";

const tiny = tinyServiceFixture();
const VALUES = 32 * 32 * 3;
const encode = (text: string) => new TextEncoder().encode(text);

/** Pixel values written long, so that a few images make a body of hundreds of kilobytes. */
const pixels = (count: number) => Array.from({ length: count * VALUES }, (_, i) => (i % 97) / 97);

/** Values nested as `shape` says. */
function nest(values: number[], shape: number[]): unknown {
  if (shape.length === 1) return values;
  const size = values.length / shape[0]!;
  return Array.from(
    { length: shape[0]! },
    (_, i) => nest(values.slice(i * size, (i + 1) * size), shape.slice(1)),
  );
}

const body = (input: Record<string, unknown>, rest: Record<string, unknown> = {}) =>
  JSON.stringify({ inputs: [{ name: "input", ...input }], ...rest });
const fp32 = (count: number, data: unknown = pixels(count)) =>
  body({ datatype: "FP32", shape: [count, 32, 32, 3], data });

let pools: JsonPool[] = [];
const pool = (...args: Parameters<typeof createJsonPool>) => {
  const made = createJsonPool(...args);
  pools.push(made);
  return made;
};
afterEach(() => {
  for (const made of pools) made.close();
  pools = [];
});

describe("createJsonPool()", () => {
  it("parses a body over minBytes on a thread into the same request as on the calling thread", async () => {
    const { started, restore } = recordWorkers();
    try {
      const text = body(
        { datatype: "FP32", shape: [4, 32, 32, 3], data: nest(pixels(4), [4, 32, 32, 3]) },
        { id: "a", outputs: [{ name: "probabilities" }], junk: pixels(2) },
      );
      expect(text.length).toBeGreaterThan(JSON_POOL_DEFAULTS.minBytes);
      const inline = await pool({ minBytes: text.length + 1 }).parse(encode(text));
      expect(started.length).toBe(0);
      const bytes = encode(text);
      const threaded = await pool().parse(bytes);
      expect(started.length).toBe(1);
      expect(bytes.length).toBe(0); // its buffer moved to the thread
      expect(threaded).toEqual(inline);
      // Only the fields ferry reads, `data` read as float32.
      expect(Object.keys(threaded)).toEqual(["id", "inputs", "outputs"]);
      const data = (threaded.inputs as { data: unknown }[])[0]!.data;
      expect(data).toBeInstanceOf(Float32Array);
      expect(data).toEqual(Float32Array.from(pixels(4)));
    } finally {
      restore();
    }
  });

  it("keeps only what the infer route reads: no unknown field, no `data` beside a shape it refuses", async () => {
    const text = JSON.stringify({
      inputs: [
        { name: "a", datatype: "FP32", shape: [-1, 32, 32, 3], data: [1, 2], extra: 1 },
        { name: "b", datatype: "FP32", shape: [1, 3], data: [1, 2, 3] },
        7,
      ],
      parameters: {},
      junk: [1, 2, 3],
    });
    for (const minBytes of [1, text.length + 1]) {
      const parsed = await pool({ minBytes }).parse(encode(text));
      expect(parsed).toEqual({
        inputs: [
          { name: "a", datatype: "FP32", shape: [-1, 32, 32, 3] },
          { name: "b", datatype: "FP32", shape: [1, 3], data: new Float32Array([1, 2, 3]) },
          7,
        ],
        parameters: {},
      });
    }
  });

  it("refuses a large body on a thread with the calling thread's kind and message", async () => {
    const deep = `{"inputs":${"[".repeat(300_000)}${"]".repeat(300_000)}}`;
    const threaded = await pool({ minBytes: 1 }).parse(encode(deep)).catch((e) => e);
    const inline = await pool().parse(encode(deep.slice(0, 1_000))).catch((e) => e);
    expect(threaded).toBeInstanceOf(FerryError);
    expect([threaded.kind, threaded.message]).toEqual([inline.kind, inline.message]);
    expect(threaded.message).toMatch(/nested deeper than 32 levels/);
    const broken = await pool({ minBytes: 1 }).parse(encode("{oops")).catch((e) => e);
    expect([broken.kind, broken.message]).toEqual([
      "usage",
      (await pool().parse(encode("{oops")).catch((e) => e)).message,
    ]);
  });

  it("sends large bodies to an idle thread, starting at most `workers`, and a new one after a crash", async () => {
    const { started, restore } = recordWorkers();
    try {
      const two = pool({ workers: 2, minBytes: 1 });
      const text = encode(fp32(1));
      await two.parse(text.slice());
      await two.parse(text.slice());
      expect(started.length).toBe(1);
      await Promise.all([1, 2, 3].map(() => two.parse(text.slice())));
      expect(started.length).toBe(2);
      started[0]!.dispatchEvent(new ErrorEvent("error", { message: "boom", cancelable: true }));
      await Promise.all([1, 2].map(() => two.parse(text.slice())));
      expect(started.length).toBe(3);
    } finally {
      restore();
    }
  });

  it("warmUp() starts every thread before any large body, and the service's warmUp() calls it", async () => {
    const { started, restore } = recordWorkers();
    try {
      const two = pool({ workers: 2, minBytes: 1 });
      await tiny.ready({ jsonPool: two });
      expect(started.length).toBe(2);
      await Promise.all([1, 2].map(() => two.parse(encode(fp32(1)))));
      expect(started.length).toBe(2);
    } finally {
      restore();
    }
  });

  it("after close(), refuses large bodies and leaves no thread to keep the process alive", async () => {
    const closed = pool({ minBytes: 1 });
    closed.close();
    await expect(closed.parse(encode(fp32(1)))).rejects.toThrow(/JSON pool is closed/);
    await expect(closed.warmUp()).rejects.toThrow(/JSON pool is closed/);
    // A process that parsed on a thread and closed its pool ends by itself.
    const script = `
      import { createJsonPool } from "./src/serve/mod.ts";
      const pool = createJsonPool({ minBytes: 1 });
      const body = await pool.parse(new TextEncoder().encode(${JSON.stringify(fp32(1))}));
      console.log(body.inputs[0].data.length);
      pool.close();
    `;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=ts", script],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const { code, stdout, stderr } = await child.output();
    clearTimeout(timer);
    expect([code, new TextDecoder().decode(stdout).trim()], new TextDecoder().decode(stderr))
      .toEqual([0, String(VALUES)]);
  });
});

const BINARY_HEADER = body({
  datatype: "FP32",
  shape: [1, 32, 32, 3],
  parameters: { binary_data_size: VALUES * 4 },
});

describe("createApp() with a JSON pool", () => {
  const requests: [string, string, number, Record<string, string>?][] = [
    ["flat FP32", fp32(8), 200],
    ["nested FP32", fp32(2, nest(pixels(2), [2, 32, 32, 3])), 200],
    [
      "UINT8",
      body({ datatype: "UINT8", shape: [1, 32, 32, 3], data: pixels(1).map(() => 7) }),
      200,
    ],
    ["unknown fields", fp32(1).replace('"inputs"', '"junk":[1,2,3],"inputs"'), 200],
    ["1e39", fp32(1, pixels(1).map((v, i) => i === 5 ? 1e39 : v)), 400],
    ["ragged", fp32(2, [nest(pixels(1), [32, 32, 3]), [[1]]]), 400],
    ["too few values", fp32(8, pixels(7)), 400],
    ["wrong datatype and data", body({ datatype: "FP64", shape: [1, 32, 32, 3], data: [1] }), 400],
    [
      "shape far past the data",
      fp32(1, [[[[0]]]]).replace("[1,32,32,3]", "[1,100000,100000,3]"),
      400,
    ],
    ["BYTES in JSON", body({ datatype: "BYTES", shape: [1], data: ["aGk="] }), 400],
    [
      "bad outputs before bad data",
      fp32(1, [0]).replace("}]}", '}],"outputs":[{"name":"x"}]}'),
      400,
    ],
    ["not an object", "[1,2]", 400],
    ["too deep", fp32(1, JSON.parse("[".repeat(40) + "]".repeat(40))), 400],
    [
      "binary tensor data",
      BINARY_HEADER + "\0".repeat(VALUES * 4),
      200,
      { "inference-header-content-length": String(BINARY_HEADER.length) },
    ],
  ];

  it("answers every request as without one, each body parsed on the pool's thread", async () => {
    const { started, restore } = recordWorkers();
    try {
      const plain = await tiny.ready();
      const pooled = await tiny.ready({ jsonPool: pool({ minBytes: 1 }) });
      for (const [what, text, status, headers] of requests) {
        const init = () => ({
          method: "POST",
          body: text,
          headers: { "content-type": "application/json", "x-request-id": "r", ...headers },
        });
        const expected = await plain.app.request("/v2/models/tiny/infer", init());
        const got = await pooled.app.request("/v2/models/tiny/infer", init());
        expect([what, expected.status]).toEqual([what, status]);
        expect([what, got.status, await got.text()])
          .toEqual([what, status, await expected.text()]);
      }
      expect(started.length).toBe(1);
    } finally {
      restore();
    }
  });

  it("serves a large body over a socket, sent whole or in chunks, as in-process", async () => {
    const service = await tiny.ready({ jsonPool: pool() });
    const server = await startServer(service, { port: 0 });
    try {
      const text = fp32(8);
      const url = `http://127.0.0.1:${server.addr.port}/v2/models/tiny/infer`;
      const headers = { "content-type": "application/json", "x-request-id": "r" };
      const expected = await (await service.app.request("/v2/models/tiny/infer", {
        method: "POST",
        body: text,
        headers,
      })).json();
      const whole = await fetch(url, { method: "POST", body: text, headers });
      expect(await whole.json()).toEqual(expected);
      const bytes = encode(text);
      let at = 0;
      const chunked = await fetch(url, {
        method: "POST",
        headers,
        body: new ReadableStream<Uint8Array>({
          pull(controller) {
            if (at >= bytes.length) return controller.close();
            controller.enqueue(bytes.slice(at, at += 100_000));
          },
        }),
      });
      expect(await chunked.json()).toEqual(expected);
    } finally {
      await server.shutdown();
    }
  });
});
