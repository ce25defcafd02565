import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FerryError } from "../../src/errors.ts";
import {
  createDecodePool,
  decodeImage,
  type DecodePool,
  FERRY_INPUT_SPEC,
  preprocessInto,
  valuesPerImage,
} from "../../src/image/mod.ts";
import { bytesOf, noiseImage } from "./_corpus.ts";
import { recordWorkers } from "../_fixtures/workers.ts";

describe("createDecodePool()", () => {
  let pool: DecodePool;
  let dir: string;
  const size = { width: 32, height: 32 };
  beforeAll(async () => {
    pool = createDecodePool({ workers: 2 });
    dir = await Deno.makeTempDir({ prefix: "ferry-pool-test-" });
  });
  afterAll(async () => {
    pool.close();
    await Deno.remove(dir, { recursive: true });
  });

  test("decodes bytes and files to the same pixels and decoder as decodeImage()", async () => {
    const files = [
      await bytesOf(noiseImage(32, 32, 3, 1).jpeg({ quality: 75 })),
      await bytesOf(noiseImage(32, 32, 3, 2).jpeg({ progressive: true })),
      await bytesOf(noiseImage(50, 40, 4, 3).png()),
    ];
    const paths = await Promise.all(files.map(async (bytes, i) => {
      const path = `${dir}/${i}.img`;
      await Deno.writeFile(path, bytes);
      return path;
    }));
    const direct = await Promise.all(files.map((bytes) => decodeImage(bytes, size)));
    const fromBytes = await Promise.all(files.map((bytes) => pool.decode(bytes, size)));
    const fromFiles = await Promise.all(paths.map((path) => pool.decodeFile(path, size)));
    expect(fromBytes).toEqual(direct);
    expect(fromFiles).toEqual(direct);
    expect(direct.map((image) => image.decoder)).toEqual(["wasm-jpeg", "wasm-jpeg", "sharp"]);
  });

  test("preprocessInto() writes the floats preprocessInto() writes on the calling thread", async () => {
    const transparent = await bytesOf(noiseImage(50, 40, 4, 5).png());
    const per = valuesPerImage(FERRY_INPUT_SPEC);
    const black = { background: { r: 0, g: 0, b: 0 } };
    const direct = new Float32Array(2 * per);
    const pooled = new Float32Array(2 * per);
    await preprocessInto(transparent, FERRY_INPUT_SPEC, direct, per, black);
    await pool.preprocessInto(transparent, FERRY_INPUT_SPEC, pooled, per, black);
    expect(pooled).toEqual(direct);
    const white = new Float32Array(2 * per);
    await pool.preprocessInto(transparent, FERRY_INPUT_SPEC, white, per);
    expect(white).not.toEqual(pooled);
    await expect(pool.preprocessInto(transparent, FERRY_INPUT_SPEC, pooled, 0, { maxPixels: 10 }))
      .rejects.toMatchObject({ kind: "too_many_pixels" });
  });

  test("spreads many jobs over its workers and keeps each answer with its job", async () => {
    const files = await Promise.all(
      Array.from({ length: 40 }, (_, i) => bytesOf(noiseImage(32, 32, 3, i + 10).jpeg())),
    );
    const pooled = await Promise.all(files.map((bytes) => pool.decode(bytes, size)));
    for (let i = 0; i < files.length; i += 7) {
      expect(pooled[i]).toEqual(await decodeImage(files[i]!, size));
    }
  });

  test("rejects with the same FerryError kinds and statuses as decodeImage()", async () => {
    const truncated = (await bytesOf(noiseImage(32, 32).jpeg())).subarray(0, 300);
    const png = await bytesOf(noiseImage(32, 32).png());
    const reasons = await Promise.all([
      pool.decode(truncated, size),
      pool.decode(new TextEncoder().encode("not an image"), size),
      pool.decodeFile(`${dir}/missing.jpg`, size),
      pool.decode(png, { ...size, maxPixels: 32 * 32 - 1 }),
    ].map((job) => job.then(() => undefined, (error) => error)));
    for (const reason of reasons) expect(reason).toBeInstanceOf(FerryError);
    expect(reasons.map((error) => [error.kind, error.httpStatus])).toEqual([
      ["undecodable", 422],
      ["unsupported_media", 415],
      ["not_found", 404],
      ["too_many_pixels", 422],
    ]);
    const direct = await decodeImage(truncated, size).then(() => undefined, (error) => error);
    expect(reasons[0].message).toBe(direct.message);
    expect(reasons[2].message).toMatch(/^Cannot read .*missing\.jpg/);
  });

  test("gives a bad image one message however many images decode at once", async () => {
    const good = await bytesOf(noiseImage(32, 32).jpeg());
    const truncated = good.subarray(0, Math.floor(good.length * 0.6));
    const messages = await Promise.all(
      Array.from(
        { length: 64 },
        (_, i) =>
          (i % 2 === 0 ? pool.decode(truncated, size) : decodeImage(truncated, size))
            .then(() => "decoded", (error) => error.message),
      ),
    );
    expect(new Set(messages)).toEqual(
      new Set([
        "Cannot decode jpeg: the data is damaged, truncated or uses a feature libvips cannot read",
      ]),
    );
  });
});

test("createDecodePool() refuses zero workers, and a closed pool refuses work", async () => {
  expect(() => createDecodePool({ workers: 0 })).toThrow(FerryError);
  const pool = createDecodePool({ workers: 1 });
  pool.close();
  await expect(pool.decode(new Uint8Array([1]), { width: 1, height: 1 })).rejects.toThrow(/closed/);
});

test("createDecodePool() replaces a crashed worker once, and none after close()", async () => {
  const { started, restore } = recordWorkers();
  const crashAgain = (worker: Worker) =>
    worker.dispatchEvent(new ErrorEvent("error", { message: "again", cancelable: true }));
  try {
    const pool = createDecodePool({ workers: 1 });
    // A message the worker cannot read crashes it for real.
    started[0]!.postMessage(null);
    while (started.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    crashAgain(started[0]!);
    expect(started.length).toBe(2);
    const png = await bytesOf(noiseImage(8, 8).png());
    expect((await pool.decode(png, { width: 8, height: 8 })).width).toBe(8);
    pool.close();
    crashAgain(started[1]!);
    expect(started.length).toBe(2);
  } finally {
    restore();
    for (const worker of started) worker.terminate();
  }
});
