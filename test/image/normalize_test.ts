import sharp from "sharp";
import { describe, expect, test } from "vitest";
import {
  decodeImage,
  FERRY_INPUT_SPEC,
  type InputSpec,
  normalizeInto,
  preprocess,
  preprocessInto,
  type RgbImage,
  valuesPerImage,
} from "../../src/image/mod.ts";

// 2×1: a red-ish and a blue-ish pixel.
const image: RgbImage = { data: new Uint8Array([255, 128, 0, 1, 2, 3]), width: 2, height: 1 };
const spec = (over: Partial<InputSpec>): InputSpec => ({
  ...FERRY_INPUT_SPEC,
  width: 2,
  height: 1,
  ...over,
});

describe("normalizeInto()", () => {
  test("writes p / 255 as float32, NHWC, at the offset", () => {
    const out = new Float32Array(8).fill(-1);
    normalizeInto(image, out, 2, spec({}));
    expect([...out]).toEqual([-1, -1, ...[255, 128, 0, 1, 2, 3].map((p) => Math.fround(p / 255))]);
  });

  test("writes NCHW planes in BGR order with mean and std", () => {
    const out = new Float32Array(6);
    normalizeInto(
      image,
      out,
      0,
      spec({ layout: "nchw", channelOrder: "bgr", divisor: 1, mean: [1, 2, 3], std: [2, 2, 2] }),
    );
    // Planes B, G, R; each value (p - mean[c]) / std[c] in the model's channel order.
    expect([...out]).toEqual([
      (0 - 1) / 2,
      (3 - 1) / 2,
      (128 - 2) / 2,
      (2 - 2) / 2,
      (255 - 3) / 2,
      (1 - 3) / 2,
    ]);
  });

  test("refuses an image of another size", () => {
    expect(() => normalizeInto(image, new Float32Array(3072), 0, FERRY_INPUT_SPEC)).toThrow(
      RangeError,
    );
  });
});

test("preprocess() composes decodeImage() and normalizeInto()", async () => {
  const png = new Uint8Array(
    await sharp({ create: { width: 40, height: 20, channels: 3, background: "#804020" } }).png()
      .toBuffer(),
  );
  const floats = await preprocess(png, FERRY_INPUT_SPEC);
  expect(floats.length).toBe(valuesPerImage(FERRY_INPUT_SPEC));
  const expected = new Float32Array(floats.length);
  normalizeInto(await decodeImage(png, { width: 32, height: 32 }), expected, 0, FERRY_INPUT_SPEC);
  expect(floats).toEqual(expected);
  expect([...floats.subarray(0, 3)]).toEqual([0x80, 0x40, 0x20].map((p) => Math.fround(p / 255)));
});

test("preprocessInto() writes at its offset what preprocess() gives, and keeps decode limits", async () => {
  const png = new Uint8Array(
    await sharp({ create: { width: 40, height: 20, channels: 3, background: "#804020" } }).png()
      .toBuffer(),
  );
  const per = valuesPerImage(FERRY_INPUT_SPEC);
  const out = new Float32Array(3 * per).fill(-1);
  await preprocessInto(png, FERRY_INPUT_SPEC, out, per);
  expect(out.subarray(per, 2 * per)).toEqual(await preprocess(png, FERRY_INPUT_SPEC));
  expect(out.subarray(0, per).every((v) => v === -1)).toBe(true);
  expect(out.subarray(2 * per).every((v) => v === -1)).toBe(true);
  await expect(preprocessInto(png, FERRY_INPUT_SPEC, out, 0, { maxPixels: 100 }))
    .rejects.toMatchObject({ kind: "too_many_pixels" });
});
