import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FERRY_INPUT_SPEC, preprocess } from "../../src/image/mod.ts";
import type { ClassifierSession } from "../../src/runtime/mod.ts";
import { createApp, type ServeApp } from "../../src/serve/mod.ts";
import { BLUE, GREEN, noisyJpeg, openTinyModel, RED, solidImage } from "./_helpers.ts";

let session: ClassifierSession;
let service: ServeApp;

beforeAll(async () => {
  session = await openTinyModel();
  service = createApp({ models: [session] });
  await service.warmUp();
});
afterAll(async () => {
  await service.drain();
  await session.release();
});

/** The parts one after another. */
const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));

/** A binary-extension body: the JSON header, then the parts, as a client frames them. */
function framed(header: unknown, ...parts: Uint8Array[]) {
  const json = new TextEncoder().encode(JSON.stringify(header));
  return {
    method: "POST",
    body: concat([json, ...parts]),
    headers: {
      "content-type": "application/octet-stream",
      "inference-header-content-length": String(json.length),
    },
  };
}

/** A response's JSON header and its binary rest. */
async function unframe(res: Response) {
  const bytes = new Uint8Array(await res.arrayBuffer());
  const length = Number(res.headers.get("inference-header-content-length") ?? bytes.length);
  return {
    header: JSON.parse(new TextDecoder().decode(bytes.subarray(0, length))),
    binary: bytes.subarray(length),
  };
}

/** BYTES elements: a 4-byte little-endian length before each (Uint32Array: x86 and ARM are little-endian). */
const byteElements = (...items: Uint8Array[]) =>
  concat(items.flatMap((item) => [new Uint8Array(new Uint32Array([item.length]).buffer), item]));

const infer = (init: RequestInit) => service.app.request("/v2/models/tiny/infer", init);
const jsonInfer = (body: unknown) =>
  infer({
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });

async function pixelsOf(jpeg: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await sharp(jpeg).removeAlpha().raw().toBuffer());
}

describe("v2 extensions: binary tensor data, UINT8 pixels, BYTES images, classification", () => {
  it("GET /v2 lists the extensions ferry speaks", async () => {
    const body = await (await service.app.request("/v2")).json();
    expect(body.extensions).toEqual(expect.arrayContaining([
      "binary_tensor_data",
      "classification",
      "model_repository",
      "statistics",
    ]));
  });

  it("answers a binary FP32 request in binary with the same floats as its JSON twin", async () => {
    const images = await Promise.all([noisyJpeg(3), noisyJpeg(4)]);
    const floats = new Float32Array(2 * 3072);
    floats.set(await preprocess(images[0]!, FERRY_INPUT_SPEC), 0);
    floats.set(await preprocess(images[1]!, FERRY_INPUT_SPEC), 3072);
    const tensor = { name: "image", datatype: "FP32", shape: [2, 32, 32, 3] };
    const res = await infer(framed({
      inputs: [{ ...tensor, parameters: { binary_data_size: floats.byteLength } }],
      outputs: [{ name: "probabilities", parameters: { binary_data: true } }],
    }, new Uint8Array(floats.buffer)));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    const { header, binary } = await unframe(res);
    expect(header.outputs[0]).toEqual({
      name: "probabilities",
      datatype: "FP32",
      shape: [2, 3],
      parameters: { binary_data_size: 24 },
    });
    const json = await (await jsonInfer({ inputs: [{ ...tensor, data: Array.from(floats) }] }))
      .json();
    expect(Array.from(new Float32Array(binary.slice().buffer))).toEqual(json.outputs[0].data);
  });

  it("normalises UINT8 [N,H,W,3] pixels as the model's metadata says, like the image path", async () => {
    const jpeg = await noisyJpeg(9);
    const pixels = await pixelsOf(jpeg);
    const tensor = { name: "image", datatype: "UINT8", shape: [1, 32, 32, 3] };
    const binary = await unframe(
      await infer(framed({
        inputs: [{ ...tensor, parameters: { binary_data_size: pixels.length } }],
        parameters: { binary_data_output: true },
      }, pixels)),
    );
    const asJson = await (await jsonInfer({ inputs: [{ ...tensor, data: Array.from(pixels) }] }))
      .json();
    const expected = await session.run(await preprocess(jpeg, FERRY_INPUT_SPEC), 1);
    expect(Array.from(new Float32Array(binary.binary.slice().buffer))).toEqual(
      Array.from(expected),
    );
    expect(asJson.outputs[0].data).toEqual(Array.from(expected));
    const wrong = await jsonInfer({ inputs: [{ ...tensor, shape: [1, 16, 16, 3], data: [] }] });
    expect((await wrong.json()).error).toMatch(/UINT8 input's shape must be \[N,32,32,3\]/);
  });

  it("decodes BYTES holding JPEG and PNG images through the image path, as /v1/classify does", async () => {
    const images = [await solidImage(RED), await solidImage(GREEN, "png"), await noisyJpeg(5, 48)];
    const elements = byteElements(...images);
    const res = await infer(framed({
      inputs: [{
        name: "image",
        datatype: "BYTES",
        shape: [3, 1],
        parameters: { binary_data_size: elements.length },
      }],
    }, elements));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.outputs[0].shape).toEqual([3, 3]);
    // One batch of the three, as the batcher ran them (a batch of one sums in another order).
    const batch = new Float32Array(3 * 3072);
    for (const [i, image] of images.entries()) {
      batch.set(await preprocess(image, FERRY_INPUT_SPEC), i * 3072);
    }
    expect(body.outputs[0].data).toEqual(Array.from(await session.run(batch, 3)));
    const broken = byteElements(images[0]!.subarray(0, 40));
    const bad = await infer(framed({
      inputs: [{
        name: "image",
        datatype: "BYTES",
        shape: [1],
        parameters: { binary_data_size: broken.length },
      }],
    }, broken));
    expect(bad.status).toBe(422);
  });

  it("answers classification: K as the top K 'score:index:label' strings, in JSON or binary", async () => {
    const blue = await solidImage(BLUE);
    const elements = byteElements(blue);
    const input = [{
      name: "image",
      datatype: "BYTES",
      shape: [1],
      parameters: { binary_data_size: elements.length },
    }];
    const probabilities = await session.run(await preprocess(blue, FERRY_INPUT_SPEC), 1);
    const order = [2, 1, 0].sort((a, b) => probabilities[b]! - probabilities[a]!);
    const expected = order.slice(0, 2).map((i) =>
      `${probabilities[i]}:${i}:${["red", "green", "blue"][i]}`
    );

    const json = await (await infer(framed({
      inputs: input,
      outputs: [{ name: "probabilities", parameters: { classification: 2 } }],
    }, elements))).json();
    expect(json.outputs[0]).toEqual({
      name: "probabilities",
      datatype: "BYTES",
      shape: [1, 2],
      data: expected,
    });
    expect(json.outputs[0].data[0]).toMatch(/^0\.9\d*:2:blue$/);

    const { header, binary } = await unframe(
      await infer(framed({
        inputs: input,
        outputs: [{ name: "probabilities", parameters: { classification: 2, binary_data: true } }],
      }, elements)),
    );
    expect(header.outputs[0].parameters.binary_data_size).toBe(binary.length);
    expect(binary).toEqual(byteElements(...expected.map((s) => new TextEncoder().encode(s))));
  });

  it("refuses a request that uses an extension ferry lacks with a 400 that names it", async () => {
    const data = new Array(3072).fill(0.5);
    const tensor = { name: "image", datatype: "FP32", shape: [1, 32, 32, 3], data };
    const cases: [unknown, RegExp][] = [
      [{ inputs: [tensor], parameters: { sequence_id: 7 } }, /sequence extension/],
      [{ inputs: [tensor], parameters: { priority: 1 } }, /schedule_policy extension/],
      [
        { inputs: [{ ...tensor, parameters: { shared_memory_region: "r" } }] },
        /shared_memory extension/,
      ],
      [{ inputs: [tensor], parameters: { colour: "blue" } }, /parameter 'colour' is not one/],
      [
        {
          inputs: [tensor],
          outputs: [{ name: "probabilities", parameters: { classification: 0 } }],
        },
        /classification.*1 to 100/,
      ],
      [
        { inputs: [{ ...tensor, datatype: "BYTES", shape: [1], data: ["x"] }] },
        /binary tensor data/,
      ],
    ];
    for (const [body, message] of cases) {
      const res = await jsonInfer(body);
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatch(message);
    }
  });

  it("refuses binary framing that does not add up, naming what is wrong", async () => {
    const header = (size: number) => ({
      inputs: [{
        name: "image",
        datatype: "FP32",
        shape: [1, 32, 32, 3],
        parameters: { binary_data_size: size },
      }],
    });
    const floats = new Uint8Array(3072 * 4);
    const past = await infer(framed(header(floats.length + 4), floats));
    expect((await past.json()).error).toMatch(/runs past/);
    const extra = await infer(framed(header(floats.length), floats, new Uint8Array(8)));
    expect((await extra.json()).error).toMatch(/8 binary bytes/);
    const init = framed(header(floats.length), floats);
    init.headers["inference-header-content-length"] = "999999999";
    const length = await infer(init);
    expect(length.status).toBe(400);
    expect((await length.json()).error).toMatch(/inference-header-content-length/);
  });

  it("reads binary FP32 data the same wherever the JSON header before it ends", async () => {
    const floats = await preprocess(await noisyJpeg(6), FERRY_INPUT_SPEC);
    const answers = new Set<string>();
    const starts = new Set<number>();
    // Ids of 1 to 4 characters move the binary part's start through every offset modulo 4.
    for (const id of ["a", "ab", "abc", "abcd"]) {
      const init = framed({
        id,
        inputs: [{
          name: "image",
          datatype: "FP32",
          shape: [1, 32, 32, 3],
          parameters: { binary_data_size: floats.byteLength },
        }],
      }, new Uint8Array(floats.buffer));
      starts.add(Number(init.headers["inference-header-content-length"]) % 4);
      const res = await infer(init);
      expect(res.status).toBe(200);
      answers.add(JSON.stringify((await res.json()).outputs[0].data));
    }
    expect(starts.size).toBe(4);
    expect([...answers]).toEqual([
      JSON.stringify(Array.from(await session.run(floats.slice(), 1))),
    ]);
  });

  it("refuses binary FP32 data that is not whole floats or holds a value that is not finite", async () => {
    const request = (data: Uint8Array) =>
      infer(framed({
        inputs: [{
          name: "image",
          datatype: "FP32",
          shape: [1, 32, 32, 3],
          parameters: { binary_data_size: data.length },
        }],
      }, data));
    for (const [bad, shown] of [[NaN, "NaN"], [Infinity, "Infinity"]] as const) {
      const floats = new Float32Array(3072).fill(0.5);
      floats[3000] = bad;
      const res = await request(new Uint8Array(floats.buffer));
      expect(res.status).toBe(400);
      expect((await res.json()).error).toBe(
        `Cannot infer: data[3000] is ${shown}, which is not a finite float32`,
      );
    }
    const ragged = await request(new Uint8Array(3072 * 4 + 2));
    expect((await ragged.json()).error).toMatch(/12290 bytes: not whole floats/);
  });
});
