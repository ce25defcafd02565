/**
 * A short gRPC ModelInfer load for bench/serve's protocol table: a grpc-js client sending one
 * 32×32 image as raw FP32 (`raw_input_contents`) to a running `ferry serve --grpc-port` from
 * `concurrency` callers at once for `seconds`, with the server's CPU time per request.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import { FERRY_INPUT_SPEC, preprocess } from "../src/image/mod.ts";
import { OIP_GRPC_DEFINITION, OIP_GRPC_SERVICE } from "../src/serve/mod.ts";
import { treeStats } from "./_load.ts";

/** Options of {@linkcode grpcInferLoad}. */
export interface GrpcLoadOptions {
  /** `host:port` of a ready ferry serve's gRPC side. */
  address: string;
  /** A 32×32 JPEG, sent as ferry's preprocessing makes it (FP32, NHWC). */
  jpeg: string;
  /** The server's process id, for the CPU time it and its children use. */
  pid: number;
  /** @default 2 */
  seconds?: number;
  /** @default 16 */
  concurrency?: number;
}

/** What one run measured: requests/s, latency percentiles (ms), CPU µs per request, answers. */
export interface GrpcLoadResult {
  rps: number;
  p50: number;
  p99: number;
  cpuUs: number;
  ok: number;
  total: number;
}

type Unary = (request: object, callback: (error: grpc.ServiceError | null) => void) => void;

/** Sends ModelInfer from `concurrency` callers at once for `seconds`, after 20 warm-up calls. */
export async function grpcInferLoad(options: GrpcLoadOptions): Promise<GrpcLoadResult> {
  const { seconds = 2, concurrency = 16 } = options;
  const Client = grpc.makeGenericClientConstructor(OIP_GRPC_DEFINITION, OIP_GRPC_SERVICE);
  const client = new Client(options.address, grpc.credentials.createInsecure());
  const unary = (client as unknown as Record<string, Unary>).ModelInfer!;
  const infer = (request: object) =>
    new Promise<void>((resolve, reject) =>
      unary.call(client, request, (error) => error ? reject(error) : resolve())
    );
  try {
    const request = await inferRequest(options.jpeg);
    for (let i = 0; i < 20; i++) await infer(request);
    const cpuBefore = (await treeStats(options.pid)).cpuSeconds;
    const latencies: number[] = [];
    let failed = 0;
    const started = performance.now();
    const until = started + seconds * 1000;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const sent = performance.now();
        await infer(request).then(() => latencies.push(performance.now() - sent), () => failed++);
      }
    }));
    const elapsed = (performance.now() - started) / 1000;
    const cpu = (await treeStats(options.pid)).cpuSeconds - cpuBefore;
    latencies.sort((a, b) => a - b);
    const total = latencies.length + failed;
    const at = (q: number) => latencies[Math.floor(q * (latencies.length - 1))] ?? NaN;
    return {
      rps: latencies.length / elapsed,
      p50: at(0.5),
      p99: at(0.99),
      cpuUs: cpu / total * 1e6,
      ok: latencies.length,
      total,
    };
  } finally {
    client.close();
  }
}

/** ModelInfer's request for one image: ferry's preprocessing of it, as raw FP32. */
async function inferRequest(jpeg: string): Promise<object> {
  const values = await preprocess(await Deno.readFile(jpeg), FERRY_INPUT_SPEC);
  const { height, width } = FERRY_INPUT_SPEC;
  return {
    inputs: [{ name: "image", datatype: "FP32", shape: [1, height, width, 3] }],
    raw_input_contents: [new Uint8Array(values.buffer, values.byteOffset, values.byteLength)],
  };
}
