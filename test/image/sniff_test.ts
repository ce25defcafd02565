import sharp from "sharp";
import { expect, test } from "vitest";
import { sniffFormat } from "../../src/image/mod.ts";

test("sniffFormat() recognises each format from its bytes alone", async () => {
  const base = () => sharp({ create: { width: 4, height: 4, channels: 3, background: "#102030" } });
  const made = {
    jpeg: base().jpeg(),
    png: base().png(),
    webp: base().webp(),
    gif: base().gif(),
    tiff: base().tiff(),
    avif: base().avif(),
  };
  for (const [format, image] of Object.entries(made)) {
    expect(sniffFormat(new Uint8Array(await image.toBuffer()))).toBe(format);
  }
  const text = (s: string) => new TextEncoder().encode(s);
  expect(sniffFormat(text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>')))
    .toBe("svg");
  expect(sniffFormat(text("BM"))).toBe("bmp");
  expect(sniffFormat(text("<html><body>no image</body></html>"))).toBeUndefined();
  expect(sniffFormat(new Uint8Array([0xff, 0xd8]))).toBeUndefined();
});
