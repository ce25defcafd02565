import { constants, crc32, deflateRawSync } from "node:zlib";
import sharp from "sharp";
import { describe, expect, test } from "vitest";
import { FerryError } from "../../src/errors.ts";
import { decodeImage, type DecodeOptions } from "../../src/image/mod.ts";
import { bytesOf, withoutIccProfile } from "./_corpus.ts";

const solid = (width: number, height: number, colour: string) =>
  sharp({ create: { width, height, channels: 3, background: colour } });

/** The pixel at (x, y) of a decoded image. */
function pixel(image: { data: Uint8Array; width: number }, x: number, y: number): number[] {
  const at = (y * image.width + x) * 3;
  return [...image.data.subarray(at, at + 3)];
}

async function rejection(bytes: Uint8Array, options: DecodeOptions): Promise<FerryError> {
  const error = await decodeImage(bytes, options).then(() => undefined, (e) => e);
  expect(error).toBeInstanceOf(FerryError);
  return error as FerryError;
}

describe("decodeImage() conversions", () => {
  test("expands grayscale to RGB with equal channels, on every decoder", async () => {
    const gray = new Uint8Array(64).map((_, i) => i * 4);
    const raw = { raw: { width: 8, height: 8, channels: 1 as const } };
    const pngBytes = await bytesOf(sharp(gray, raw).png());
    const png = await decodeImage(pngBytes, { width: 8, height: 8 });
    expect(png.decoder).toBe("js-png");
    expect(pixel(png, 5, 2)).toEqual([84, 84, 84]);
    const resized = await decodeImage(pngBytes, { width: 4, height: 4 });
    expect(resized.decoder).toBe("sharp");
    expect(pixel(resized, 1, 1)[0]).toBe(pixel(resized, 1, 1)[2]);
    const jpeg = await decodeImage(await bytesOf(sharp(gray, raw).jpeg()), { width: 8, height: 8 });
    expect(jpeg.decoder).toBe("wasm-jpeg");
    for (let p = 0; p < 64; p++) {
      expect(jpeg.data[p * 3]).toBe(jpeg.data[p * 3 + 1]);
      expect(jpeg.data[p * 3]).toBe(jpeg.data[p * 3 + 2]);
    }
  });

  test("flattens alpha onto the background, white by default", async () => {
    // Pixel 0: transparent red; pixel 1: opaque blue.
    const rgba = new Uint8Array([255, 0, 0, 0, 0, 0, 255, 255]);
    const png = await bytesOf(sharp(rgba, { raw: { width: 2, height: 1, channels: 4 } }).png());
    const onWhite = await decodeImage(png, { width: 2, height: 1 });
    expect(pixel(onWhite, 0, 0)).toEqual([255, 255, 255]);
    expect(pixel(onWhite, 1, 0)).toEqual([0, 0, 255]);
    const onColour = await decodeImage(png, {
      width: 2,
      height: 1,
      background: { r: 10, g: 20, b: 30 },
    });
    expect(pixel(onColour, 0, 0)).toEqual([10, 20, 30]);
  });

  test("applies EXIF orientation before resizing", async () => {
    // 16×8, left half black, right half white, tagged "rotate 90° clockwise to display".
    const image = solid(16, 8, "#000000").composite([{
      input: await solid(8, 8, "#ffffff").png().toBuffer(),
      left: 8,
      top: 0,
    }]);
    const jpeg = withoutIccProfile(await bytesOf(image.withMetadata({ orientation: 6 }).jpeg()));
    const decoded = await decodeImage(jpeg, { width: 8, height: 16 });
    expect([decoded.width, decoded.height]).toEqual([8, 16]);
    // After the turn the black left half is on top.
    expect(pixel(decoded, 4, 2).every((v) => v < 30)).toBe(true);
    expect(pixel(decoded, 4, 13).every((v) => v > 225)).toBe(true);
  });

  test("converts CMYK to sRGB", async () => {
    const cmyk = await bytesOf(
      solid(16, 16, "#ff0000").toColourspace("cmyk").jpeg({ quality: 95 }),
    );
    expect((await sharp(cmyk).metadata()).space).toBe("cmyk");
    const [r, g, b] = pixel(await decodeImage(cmyk, { width: 16, height: 16 }), 8, 8);
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(70);
    expect(b).toBeLessThan(70);
  });

  test("stretches to the requested size", async () => {
    const decoded = await decodeImage(await bytesOf(solid(100, 40, "#336699").png()), {
      width: 32,
      height: 32,
    });
    expect([decoded.width, decoded.height, decoded.data.length]).toEqual([32, 32, 32 * 32 * 3]);
    expect(pixel(decoded, 31, 31)).toEqual([0x33, 0x66, 0x99]);
  });
});

/** A PNG signature and a valid IHDR chunk declaring the size, and nothing else. */
function pngHeader(width: number, height: number): Uint8Array {
  const chunk = new Uint8Array(17);
  const view = new DataView(chunk.buffer);
  chunk.set([0x49, 0x48, 0x44, 0x52]);
  view.setUint32(4, width);
  view.setUint32(8, height);
  chunk.set([8, 2, 0, 0, 0], 12);
  const out = new Uint8Array(8 + 4 + 17 + 4);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  new DataView(out.buffer).setUint32(8, 13);
  out.set(chunk, 12);
  new DataView(out.buffer).setUint32(29, crc32(chunk));
  return out;
}

/**
 * A 32×32 RGB PNG whose one IDAT inflates to `mebibytes` MiB of zeros (about 1000:1), with
 * correct CRCs and Adler-32: far more than the 3,104 bytes its header implies.
 */
function pngBomb(mebibytes: number): Uint8Array {
  const block = deflateRawSync(new Uint8Array(1 << 20), { finishFlush: constants.Z_FULL_FLUSH });
  const last = deflateRawSync(new Uint8Array(0));
  const zlib = new Uint8Array(2 + block.length * mebibytes + last.length + 4);
  zlib.set([0x78, 0x9c]);
  for (let i = 0; i < mebibytes; i++) zlib.set(block, 2 + i * block.length);
  zlib.set(last, 2 + mebibytes * block.length);
  // Adler-32 of n zeros: a = 1, b = n mod 65521.
  new DataView(zlib.buffer).setUint32(zlib.length - 4, (((mebibytes << 20) % 65521) << 16) + 1);
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = pngHeader(32, 32).subarray(8);
  const parts = [ihdr, chunk("IDAT", zlib), chunk("IEND", new Uint8Array(0))];
  const out = new Uint8Array(8 + parts.reduce((sum, part) => sum + part.length, 0));
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  parts.reduce((at, part) => (out.set(part, at), at + part.length), 8);
  return out;
}

describe("decodeImage() limits", () => {
  test("refuses a PNG header declaring 30000×30000 at once, without allocating", async () => {
    const before = Deno.memoryUsage().rss;
    const started = performance.now();
    const error = await rejection(pngHeader(30_000, 30_000), { width: 32, height: 32 });
    expect(performance.now() - started).toBeLessThan(50);
    expect(Deno.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
    expect([error.kind, error.httpStatus]).toEqual(["too_many_pixels", 422]);
    expect(error.message).toBe("Cannot decode png: the image has more than 40000000 pixels");
  });

  test("stops inflating a small PNG whose IDAT holds 1 GiB of zeros, and leaves it to sharp", async () => {
    const bomb = pngBomb(1024);
    const before = Deno.memoryUsage().rss;
    const started = performance.now();
    const image = await decodeImage(bomb, { width: 32, height: 32 });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(Deno.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
    expect(image.data).toEqual(new Uint8Array(32 * 32 * 3));
  });

  test("refuses JPEG, GIF and WebP headers over maxPixels", async () => {
    const options = { width: 32, height: 32, maxPixels: 100 * 100 - 1 };
    for (
      const image of [
        solid(100, 100, "#123456").jpeg(),
        solid(100, 100, "#123456").gif(),
        solid(100, 100, "#123456").webp(),
      ]
    ) {
      const error = await rejection(await bytesOf(image), options);
      expect(error.kind).toBe("too_many_pixels");
    }
  });

  test("keeps sharp's limit as the backstop for formats it reads alone (TIFF)", async () => {
    const tiff = await bytesOf(solid(100, 100, "#123456").tiff());
    expect((await rejection(tiff, { width: 32, height: 32, maxPixels: 9_999 })).kind).toBe(
      "too_many_pixels",
    );
  });

  test("accepts an image of exactly maxPixels", async () => {
    const png = await bytesOf(solid(100, 100, "#123456").png());
    const image = await decodeImage(png, { width: 32, height: 32, maxPixels: 100 * 100 });
    expect(image.width).toBe(32);
  });
});

describe("decodeImage() refusals", () => {
  const svg = new TextEncoder().encode(
    '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4" fill="#ff0000"/></svg>',
  );

  test("refuses SVG unless allowVector", async () => {
    const error = await rejection(svg, { width: 4, height: 4 });
    expect([error.kind, error.httpStatus]).toEqual(["unsupported_media", 415]);
    const image = await decodeImage(svg, { width: 4, height: 4, allowVector: true });
    expect(pixel(image, 1, 1)).toEqual([255, 0, 0]);
  });

  test("refuses bytes that are no image, and an empty file", async () => {
    const text = new TextEncoder().encode("label,file\ncat,cat.jpg\n");
    expect((await rejection(text, { width: 32, height: 32 })).message).toBe(
      "Cannot decode: the bytes are not a known image format",
    );
    expect((await rejection(new Uint8Array(), { width: 32, height: 32 })).kind).toBe(
      "unsupported_media",
    );
  });

  test("refuses a size that is not a positive integer", async () => {
    const png = await bytesOf(solid(4, 4, "#000000").png());
    const error = await rejection(png, { width: 0, height: 32 });
    expect(error.kind).toBe("usage");
    expect(error.message).toBe("Cannot decode: 'width' must be a positive integer, got 0");
  });
});
