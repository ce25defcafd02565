import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preprocess } from "../../src/image/mod.ts";
import type { ClassifierSession } from "../../src/runtime/mod.ts";
import {
  createApp,
  OIP_GRPC_DEFINITION,
  OIP_GRPC_SERVICE,
  type RunningGrpcServer,
  type ServeApp,
  startGrpcServer,
} from "../../src/serve/mod.ts";
import { GREEN, openTinyModel, RED, solidImage } from "./_helpers.ts";

const TOKEN = "grpc-s3cret";
const SERVICE = OIP_GRPC_SERVICE;
let session: ClassifierSession;
let service: ServeApp;
let server: RunningGrpcServer;
let client: grpc.Client;

/** A client as any grpc-js user builds one from a service definition. */
function clientFor(port: number): grpc.Client {
  const Client = grpc.makeGenericClientConstructor(OIP_GRPC_DEFINITION, OIP_GRPC_SERVICE);
  return new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

// deno-lint-ignore no-explicit-any
type Answer = Record<string, any>;

type Unary = (
  request: object,
  metadata: grpc.Metadata,
  callback: (error: grpc.ServiceError | null, answer?: Answer) => void,
) => void;

function call(
  method: string,
  request: object,
  token: string | null = TOKEN,
  on: grpc.Client = client,
): Promise<Answer> {
  const metadata = new grpc.Metadata();
  if (token !== null) metadata.set("authorization", `Bearer ${token}`);
  const unary = (on as unknown as Record<string, Unary>)[method]!;
  return new Promise((resolve, reject) =>
    unary.call(on, request, metadata, (error, answer) => error ? reject(error) : resolve(answer!))
  );
}

async function failure(method: string, request: object, token: string | null = TOKEN) {
  const error = await call(method, request, token).then(() => undefined, (e) => e);
  expect(error, `${method} should have failed`).toBeDefined();
  return { code: (error as grpc.ServiceError).code, details: (error as grpc.ServiceError).details };
}

const fp32Bytes = (values: Float32Array) => new Uint8Array(values.buffer);

beforeAll(async () => {
  session = await openTinyModel();
  service = createApp({ models: [session], limits: { maxFiles: 4 }, token: TOKEN });
  await service.warmUp();
  server = await startGrpcServer(service, { port: 0, token: TOKEN });
  client = clientFor(server.port);
});
afterAll(async () => {
  client.close();
  await server.shutdown();
  await service.drain();
  await session.release();
});

describe("the gRPC service (inference.GRPCInferenceService)", () => {
  it("answers live and ready without a token, and model readiness with one", async () => {
    expect(await call("ServerLive", {}, null)).toEqual({ live: true });
    expect(await call("ServerReady", {}, null)).toEqual({ ready: true });
    expect(await call("ModelReady", { name: "tiny" })).toEqual({ ready: true });
    expect(await call("ModelReady", { name: "tiny", version: "1" })).toEqual({ ready: true });
  });

  it("refuses every other call without the bearer token as UNAUTHENTICATED", async () => {
    for (const method of ["ModelReady", "ServerMetadata", "ModelMetadata", "ModelInfer"]) {
      expect((await failure(method, { name: "tiny" }, null)).code).toBe(
        grpc.status.UNAUTHENTICATED,
      );
    }
    expect((await failure("ServerMetadata", {}, "wrong")).code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it("describes the server and the model as the HTTP v2 routes do", async () => {
    const http = async (path: string) =>
      await (await service.app.request(path, { headers: { authorization: `Bearer ${TOKEN}` } }))
        .json();
    expect(await call("ServerMetadata", {})).toEqual(await http("/v2"));
    const model = await call("ModelMetadata", { name: "tiny" });
    const expected = await http("/v2/models/tiny");
    expect(model).toEqual({
      name: expected.name,
      versions: expected.versions,
      platform: expected.platform,
      inputs: expected.inputs,
      outputs: expected.outputs,
    });
    expect(model.inputs[0].shape).toEqual([-1, 32, 32, 3]);
  });

  it("infers FP32 images sent raw or as typed contents, answering the HTTP JSON probabilities", async () => {
    const spec = session.info.inputSpec;
    const images = [
      await preprocess(await solidImage(RED), spec),
      await preprocess(await solidImage(GREEN), spec),
    ];
    const batch = new Float32Array(images.length * images[0]!.length);
    images.forEach((image, i) => batch.set(image, i * image.length));
    const tensor = { name: session.info.inputName, datatype: "FP32", shape: [2, 32, 32, 3] };
    const raw = await call("ModelInfer", {
      model_name: "tiny",
      id: "req-7",
      inputs: [tensor],
      raw_input_contents: [fp32Bytes(batch)],
    });
    const typed = await call("ModelInfer", {
      model_name: "tiny",
      inputs: [{ ...tensor, contents: { fp32_contents: Array.from(batch) } }],
      outputs: [{ name: session.info.outputName }],
    });
    const json = await (await service.app.request("/v2/models/tiny/infer", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ inputs: [{ ...tensor, data: Array.from(batch) }] }),
    })).json();
    expect(raw).toMatchObject({ model_name: "tiny", model_version: "1", id: "req-7" });
    expect(raw.outputs).toEqual([{
      name: session.info.outputName,
      datatype: "FP32",
      shape: [2, 3],
    }]);
    const probabilities = (answer: Answer) => {
      const bytes = answer.raw_output_contents[0] as Uint8Array;
      return Array.from(new Float32Array(Uint8Array.from(bytes).buffer));
    };
    expect(probabilities(raw)).toEqual(probabilities(typed));
    const fromJson = json.outputs[0].data as number[];
    expect(probabilities(raw)).toHaveLength(fromJson.length);
    probabilities(raw).forEach((p, i) => expect(p).toBeCloseTo(fromJson[i]!, 6));
    expect(probabilities(raw)[0]).toBeGreaterThan(0.9); // red
    expect(probabilities(raw)[4]).toBeGreaterThan(0.9); // green
  });

  it("takes UINT8 pixels and BYTES images, raw or typed, and answers classification as BYTES", async () => {
    const jpeg = await solidImage(RED);
    const element = new Uint8Array(4 + jpeg.length);
    new DataView(element.buffer).setUint32(0, jpeg.length, true);
    element.set(jpeg, 4);
    const bytesTensor = { name: "image", datatype: "BYTES", shape: [1] };
    const top2 = { classification: { int64_param: 2 } };
    const raw = await call("ModelInfer", {
      inputs: [bytesTensor],
      raw_input_contents: [element],
      outputs: [{ name: session.info.outputName, parameters: top2 }],
    });
    const typed = await call("ModelInfer", {
      inputs: [{ ...bytesTensor, contents: { bytes_contents: [jpeg] } }],
      outputs: [{ name: session.info.outputName, parameters: top2 }],
    });
    expect(raw.outputs).toEqual([{
      name: session.info.outputName,
      datatype: "BYTES",
      shape: [1, 2],
    }]);
    const strings = (answer: Answer) => {
      const bytes = Uint8Array.from(answer.raw_output_contents[0] as Uint8Array);
      const view = new DataView(bytes.buffer);
      const out: string[] = [];
      for (let at = 0; at < bytes.length; at += 4 + view.getUint32(at, true)) {
        out.push(
          new TextDecoder().decode(bytes.subarray(at + 4, at + 4 + view.getUint32(at, true))),
        );
      }
      return out;
    };
    expect(strings(raw)).toEqual(strings(typed));
    expect(strings(raw)).toHaveLength(2);
    expect(strings(raw)[0]).toMatch(/^0\.9\d*:0:red$/);
    const pixels = new Uint8Array(32 * 32 * 3).map((_, i) => [230, 20, 30][i % 3]!);
    const uint8 = { name: "image", datatype: "UINT8", shape: [1, 32, 32, 3] };
    const fromRaw = await call("ModelInfer", { inputs: [uint8], raw_input_contents: [pixels] });
    const fromTyped = await call("ModelInfer", {
      inputs: [{ ...uint8, contents: { uint_contents: Array.from(pixels) } }],
    });
    const probabilities = (answer: Answer) =>
      Array.from(new Float32Array(Uint8Array.from(answer.raw_output_contents[0]).buffer));
    expect(probabilities(fromRaw)).toEqual(probabilities(fromTyped));
    expect(probabilities(fromRaw)[0]).toBeGreaterThan(0.9);
  });

  it("refuses a parameter of an extension ferry lacks by that extension's name", async () => {
    const got = await failure("ModelInfer", {
      inputs: [{ name: "x", datatype: "FP32", shape: [1, 32, 32, 3] }],
      parameters: { sequence_id: { int64_param: 7 } },
    });
    expect(got.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(got.details).toMatch(/sequence extension/);
  });

  it("answers each refused request with the status of its error kind", async () => {
    const tensor = { name: "x", datatype: "FP32", shape: [1, 32, 32, 3] };
    const one = fp32Bytes(new Float32Array(32 * 32 * 3).fill(0.5));
    const cases: [object, grpc.status, RegExp][] = [
      [{ model_name: "nope", inputs: [tensor] }, grpc.status.NOT_FOUND, /nope/],
      [{ model_name: "tiny", model_version: "2", inputs: [tensor] }, grpc.status.NOT_FOUND, /2/],
      [{ inputs: [{ ...tensor, datatype: "INT8" }] }, grpc.status.INVALID_ARGUMENT, /FP32/],
      [{ inputs: [{ ...tensor, shape: [1, 3, 32, 32] }] }, grpc.status.INVALID_ARGUMENT, /shape/],
      [
        { inputs: [tensor], raw_input_contents: [one.slice(1)] },
        grpc.status.INVALID_ARGUMENT,
        /not whole floats/,
      ],
      [
        { inputs: [tensor], raw_input_contents: [one.slice(4)] },
        grpc.status.INVALID_ARGUMENT,
        /3072 FP32/,
      ],
      [
        { inputs: [tensor], raw_input_contents: [one, one] },
        grpc.status.INVALID_ARGUMENT,
        /one entry/,
      ],
      [
        { inputs: [{ ...tensor, contents: { fp32_contents: [1] } }], raw_input_contents: [one] },
        grpc.status.INVALID_ARGUMENT,
        /both/,
      ],
      [
        { inputs: [tensor], raw_input_contents: [one], outputs: [{ name: "logits" }] },
        grpc.status.INVALID_ARGUMENT,
        /logits/,
      ],
      [{ inputs: [] }, grpc.status.INVALID_ARGUMENT, /exactly one/],
      [
        { inputs: [{ ...tensor, shape: [5, 32, 32, 3] }] },
        grpc.status.RESOURCE_EXHAUSTED,
        /limit is 4/,
      ],
    ];
    for (const [request, code, details] of cases) {
      const got = await failure("ModelInfer", request);
      expect(got.code, JSON.stringify(request).slice(0, 120)).toBe(code);
      expect(got.details).toMatch(details);
    }
    expect((await failure("ModelMetadata", { name: "nope" })).code).toBe(grpc.status.NOT_FOUND);
  });

  it("counts its calls in the service's metrics by method and status", async () => {
    await call("ServerLive", {});
    await failure("ModelMetadata", { name: "nope" });
    const text = service.state.metrics.render();
    expect(text).toContain(`route="/${SERVICE}/ServerLive",method="GRPC",status="0"`);
    expect(text).toContain(`route="/${SERVICE}/ModelMetadata",method="GRPC",status="5"`);
  });

  it("refuses a message over the body limit as RESOURCE_EXHAUSTED", async () => {
    const small = createApp({ models: [session], limits: { maxBodyBytes: 4096 } });
    const own = await startGrpcServer(small, { port: 0 });
    const other = clientFor(own.port);
    const tensor = { name: "x", datatype: "FP32", shape: [1, 32, 32, 3] };
    const request = { inputs: [tensor], raw_input_contents: [new Uint8Array(12288)] };
    const error = await call("ModelInfer", request, null, other).catch((e) => e);
    expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    other.close();
    await own.shutdown();
  });

  it("stops taking calls on shutdown and says the stop was graceful", async () => {
    const own = await startGrpcServer(service, { port: 0 });
    const other = clientFor(own.port);
    const live = await call("ServerLive", {}, null, other);
    expect(live).toEqual({ live: true });
    other.close();
    expect(await own.shutdown()).toBe(true);
  });
});
