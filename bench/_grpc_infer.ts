/**
 * A short gRPC ModelInfer load for bench/serve's table: a grpc-js client sending one 32×32 image
 * as raw FP32 (`raw_input_contents`) to a running `ferry serve --grpc-port` from `concurrency`
 * callers at once for `seconds`.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import sharp from "sharp";
import { OIP_GRPC_DEFINITION, OIP_GRPC_SERVICE } from "../src/serve/mod.ts";

/** Options of {@linkcode grpcInferLoad}. */
export interface GrpcLoadOptions {
  /** `host:port` of a ready ferry serve's gRPC side. */
  address: string;
  /** A 32×32 JPEG, sent as its pixels / 255 in NHWC order. */
  image: string;
  /** The server's process id, and how to read the CPU seconds it and its children used so far. */
  pid: number;
  cpuSeconds: (pid: number) => Promise<number>;
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
    const request = await inferRequest(options.image);
    for (let i = 0; i < 20; i++) await infer(request);
    const cpuBefore = await options.cpuSeconds(options.pid);
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
    const cpu = await options.cpuSeconds(options.pid) - cpuBefore;
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

/** ModelInfer's request for one image: its pixels / 255 as raw FP32 in NHWC order. */
async function inferRequest(path: string): Promise<object> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({
    resolveWithObject: true,
  });
  const values = Float32Array.from(data, (v) => v / 255);
  return {
    inputs: [{ name: "input", datatype: "FP32", shape: [1, info.height, info.width, 3] }],
    raw_input_contents: [new Uint8Array(values.buffer)],
  };
}
