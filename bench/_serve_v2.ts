/**
 * bench/serve's protocol table: one 32×32 image as `/v1/classify`'s raw JPEG body, as v2 binary
 * FP32 (preprocessed by the client), as a v2 BYTES JPEG and as v2 JSON FP32, against one ferry
 * server, measured back to back at each concurrency with the server's CPU time per request
 * beside `/v1/classify`'s; then a short gRPC ModelInfer run.
 *
 * @module
 */
import { join } from "node:path";
import { FERRY_INPUT_SPEC, preprocess } from "../src/image/mod.ts";
import { grpcInferLoad } from "./_grpc_infer.ts";
import { hey, type HeyOptions, type LoadResult, stop, treeStats, waitReady } from "./_load.ts";

/** A request body written to a file for `hey`, and how to post it. */
interface Route {
  label: string;
  path: string;
  body: string;
  options: Omit<HeyOptions, "seconds">;
}

/** A v2 infer body with the binary tensor data extension: the JSON header, then `data`. */
function framed(header: unknown, data: Uint8Array) {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = new Uint8Array(json.length + data.length);
  body.set(json);
  body.set(data, json.length);
  return { body, headers: { "inference-header-content-length": String(json.length) } };
}

/** The four ways to send `jpeg`, each written into `dir`. */
async function routes(jpeg: string, model: string, dir: string): Promise<Route[]> {
  const bytes = await Deno.readFile(jpeg);
  const floats = await preprocess(bytes, FERRY_INPUT_SPEC);
  const fp32 = framed({
    inputs: [{
      name: "image",
      datatype: "FP32",
      shape: [1, 32, 32, 3],
      parameters: { binary_data_size: floats.byteLength },
    }],
    parameters: { binary_data_output: true },
  }, new Uint8Array(floats.buffer));
  const element = new Uint8Array(4 + bytes.length);
  new DataView(element.buffer).setUint32(0, bytes.length, true);
  element.set(bytes, 4);
  const image = framed({
    inputs: [{
      name: "image",
      datatype: "BYTES",
      shape: [1],
      parameters: { binary_data_size: element.length },
    }],
    parameters: { binary_data_output: true },
  }, element);
  await Deno.writeFile(join(dir, "v2_fp32.bin"), fp32.body);
  await Deno.writeFile(join(dir, "v2_jpeg.bin"), image.body);
  const json = {
    inputs: [{ name: "image", datatype: "FP32", shape: [1, 32, 32, 3], data: Array.from(floats) }],
  };
  await Deno.writeTextFile(join(dir, "v2_fp32.json"), JSON.stringify(json));
  const binary = "application/octet-stream";
  return [
    { label: "/v1/classify, JPEG body", path: "/v1/classify", body: jpeg, options: {} },
    {
      label: "/v2 infer, binary FP32",
      path: `/v2/models/${model}/infer`,
      body: join(dir, "v2_fp32.bin"),
      options: { contentType: binary, headers: fp32.headers },
    },
    {
      label: "/v2 infer, BYTES JPEG",
      path: `/v2/models/${model}/infer`,
      body: join(dir, "v2_jpeg.bin"),
      options: { contentType: binary, headers: image.headers },
    },
    {
      label: "/v2 infer, JSON FP32",
      path: `/v2/models/${model}/infer`,
      body: join(dir, "v2_fp32.json"),
      options: { contentType: "application/json" },
    },
  ];
}

/**
 * Table rows for each route at `concurrency` against the ferry server at `port` (process `pid`),
 * best of `repeat` runs in alternating order; CPU per request beside `/v1/classify`'s.
 */
async function protocolRows(
  server: { port: number; pid: number },
  all: Route[],
  settings: { seconds: number; repeat: number; concurrency: number },
): Promise<string[]> {
  const best = new Map<string, LoadResult>();
  for (let round = 0; round < settings.repeat; round++) {
    for (const route of round % 2 ? [...all].reverse() : all) {
      const before = await treeStats(server.pid);
      const url = `http://127.0.0.1:${server.port}${route.path}`;
      const r = await hey(url, route.body, settings.concurrency, {
        seconds: settings.seconds,
        ...route.options,
      });
      r.cpuUs = ((await treeStats(server.pid)).cpuSeconds - before.cpuSeconds) / r.total * 1e6;
      const previous = best.get(route.label);
      if (!previous || r.rps > previous.rps) best.set(route.label, r);
    }
  }
  const v1 = best.get(all[0]!.label)!;
  return all.map((route) => {
    const r = best.get(route.label)!;
    return `| ${route.label} | ${settings.concurrency} | ${Math.round(r.rps)} | ${
      r.p50.toFixed(2)
    } | ${r.p99.toFixed(2)} | ${Math.round(r.cpuUs!)} | ${
      (r.cpuUs! / v1.cpuUs!).toFixed(2)
    }× | ${r.ok}/${r.total} |`;
  });
}

/** What {@linkcode printProtocolTable} measures and how. */
export interface ProtocolTableOptions {
  /** Starts one ferry server with HTTP on `port` and gRPC on `grpcPort`. */
  start(port: number, grpcPort: number): Deno.ChildProcess;
  /** The served model's name. */
  model: string;
  /** A 32×32 JPEG. */
  jpeg: string;
  /** Where the request bodies are written. */
  dir: string;
  seconds: number;
  repeat: number;
  concurrencies: number[];
  /** Says how the server runs, for the table's title. */
  setup: string;
}

/** Prints the protocol table: every route at each concurrency, then a gRPC ModelInfer row. */
export async function printProtocolTable(options: ProtocolTableOptions): Promise<void> {
  const [port, grpcPort] = [18480, 18481];
  const server = options.start(port, grpcPort);
  try {
    await waitReady(`http://127.0.0.1:${port}/v2/health/ready`, server);
    const all = await routes(options.jpeg, options.model, options.dir);
    console.log(`\nOne 32×32 image per request by protocol (${options.setup}, batching on)\n`);
    console.log(PROTOCOL_HEADER);
    for (const concurrency of options.concurrencies) {
      const settings = { seconds: options.seconds, repeat: options.repeat, concurrency };
      for (const row of await protocolRows({ port, pid: server.pid }, all, settings)) {
        console.log(row);
      }
    }
    // A 2-second smoke timing of gRPC ModelInfer, the same image as raw FP32 (grpc-js client).
    const address = `127.0.0.1:${grpcPort}`;
    const r = await grpcInferLoad({ address, jpeg: options.jpeg, pid: server.pid });
    console.log(
      `| gRPC ModelInfer, raw FP32 (grpc-js, 2 s) | 16 | ${Math.round(r.rps)} | ${
        r.p50.toFixed(2)
      } | ${r.p99.toFixed(2)} | ${Math.round(r.cpuUs)} | – | ${r.ok}/${r.total} |`,
    );
  } finally {
    await stop(server);
  }
}

const PROTOCOL_HEADER =
  "| route | concurrency | req/s | p50 ms | p99 ms | server CPU µs/req | CPU vs /v1 | 200s |\n" +
  "|---|---|---|---|---|---|---|---|";
