/**
 * Identical means identical: every file goes through the public decodeImage() and through the
 * sharp path alone, and the bytes must match wherever the fast path runs. Bad files must fail the
 * same way on both.
 */
import { describe, expect, test } from "vitest";
import { decodeJpegWasm } from "../../src/image/_wasm_jpeg.ts";
import { decodeImage, type Decoder } from "../../src/image/mod.ts";
import { FerryError } from "../../src/errors.ts";
import { buildPng, bytesOf, noiseImage, pngChunks, withoutIccProfile } from "./_corpus.ts";

interface Case {
  name: string;
  bytes: Uint8Array;
  /** Output size asked for. */
  width: number;
  height: number;
  decoder: Decoder;
}

const fixture = (name: string) =>
  Deno.readFile(new URL(`../testdata/jpeg/${name}.jpg`, import.meta.url));

async function jpeg(
  name: string,
  [width, height]: [number, number],
  options: Parameters<ReturnType<typeof noiseImage>["jpeg"]>[0],
  decoder: Decoder,
): Promise<Case> {
  return {
    name,
    bytes: await bytesOf(noiseImage(width, height).jpeg(options)),
    width,
    height,
    decoder,
  };
}

async function corpus(): Promise<Case[]> {
  const fixtures: [string, Decoder][] = [
    ["restart_444", "wasm-jpeg"],
    ["restart_420", "wasm-jpeg"],
    ["sub_422", "wasm-jpeg"],
    ["progressive_422_restart", "wasm-jpeg"],
    ["sub_440", "sharp"],
    ["sub_411", "sharp"],
    ["arithmetic", "sharp"],
    ["rgb", "sharp"],
  ];
  const gray = (w: number, h: number) => noiseImage(w, h).toColourspace("b-w");
  return [
    await jpeg("baseline 4:2:0 q75 (CIFAR-like)", [32, 32], { quality: 75 }, "wasm-jpeg"),
    await jpeg(
      "baseline 4:4:4 q95",
      [32, 32],
      { quality: 95, chromaSubsampling: "4:4:4" },
      "wasm-jpeg",
    ),
    await jpeg("baseline q100", [24, 24], { quality: 100 }, "wasm-jpeg"),
    await jpeg("baseline q5", [24, 24], { quality: 5 }, "wasm-jpeg"),
    await jpeg("progressive 4:2:0 odd size", [31, 17], { progressive: true }, "wasm-jpeg"),
    await jpeg(
      "progressive 4:4:4 tiny",
      [7, 5],
      { progressive: true, chromaSubsampling: "4:4:4" },
      "wasm-jpeg",
    ),
    await jpeg("mozjpeg trellis + optimised scans", [45, 29], { mozjpeg: true }, "wasm-jpeg"),
    await jpeg("standard Huffman tables", [33, 9], { optimiseCoding: false }, "wasm-jpeg"),
    await jpeg("one pixel", [1, 1], {}, "wasm-jpeg"),
    await jpeg("larger odd size", [257, 131], { quality: 90 }, "wasm-jpeg"),
    {
      name: "grayscale baseline",
      bytes: await bytesOf(gray(33, 9).jpeg()),
      width: 33,
      height: 9,
      decoder: "wasm-jpeg",
    },
    {
      name: "grayscale progressive",
      bytes: await bytesOf(gray(19, 23).jpeg({ progressive: true })),
      width: 19,
      height: 23,
      decoder: "wasm-jpeg",
    },
    {
      name: "EXIF orientation 1",
      bytes: await bytesOf(
        noiseImage(32, 32).withExif({ IFD0: { Orientation: "1", Copyright: "ferry" } }).jpeg(),
      ),
      width: 32,
      height: 32,
      decoder: "wasm-jpeg",
    },
    ...await Promise.all(fixtures.map(async ([name, decoder]) => ({
      name: `cjpeg ${name}`,
      bytes: await fixture(name),
      width: 17,
      height: 13,
      decoder,
    }))),
    {
      name: "EXIF orientation 6",
      bytes: withoutIccProfile(
        await bytesOf(noiseImage(20, 12).withMetadata({ orientation: 6 }).jpeg()),
      ),
      width: 12,
      height: 20,
      decoder: "sharp",
    },
    {
      name: "EXIF orientation 3 (same size)",
      bytes: withoutIccProfile(
        await bytesOf(noiseImage(32, 32).withMetadata({ orientation: 3 }).jpeg()),
      ),
      width: 32,
      height: 32,
      decoder: "sharp",
    },
    {
      name: "CMYK",
      bytes: await bytesOf(noiseImage(32, 32).toColourspace("cmyk").jpeg()),
      width: 32,
      height: 32,
      decoder: "sharp",
    },
    {
      name: "ICC profile (P3)",
      bytes: await bytesOf(noiseImage(32, 32).withIccProfile("p3").jpeg()),
      width: 32,
      height: 32,
      decoder: "sharp",
    },
    {
      name: "needs resizing",
      bytes: await bytesOf(noiseImage(64, 48).jpeg()),
      width: 32,
      height: 32,
      decoder: "sharp",
    },
    ...await pngCorpus(),
    {
      name: "WebP",
      bytes: await bytesOf(noiseImage(32, 32).webp()),
      width: 32,
      height: 32,
      decoder: "sharp",
    },
    {
      name: "GIF",
      bytes: await bytesOf(noiseImage(32, 32).gif()),
      width: 32,
      height: 32,
      decoder: "sharp",
    },
  ];
}

async function pngCorpus(): Promise<Case[]> {
  const png = async (name: string, image: ReturnType<typeof noiseImage>, decoder: Decoder) => ({
    name,
    bytes: await bytesOf(image.png()),
    width: 32,
    height: 32,
    decoder,
  });
  const rgb = await bytesOf(noiseImage(32, 32).png());
  const chunks = pngChunks(rgb);
  const idat = chunks.find((c) => c.type === "IDAT")!.data;
  const [head, tail] = [idat.subarray(0, 100), idat.subarray(100)];
  const splitIdat = chunks.flatMap((c) =>
    c.type === "IDAT" ? [{ type: "IDAT", data: head }, { type: "IDAT", data: tail }] : [c]
  );
  // gAMA 1/2.2: a chunk the fast path does not know, so the file goes to sharp.
  const gamma = [
    chunks[0]!,
    { type: "gAMA", data: new Uint8Array([0, 0, 0xb1, 0x8f]) },
    ...chunks.slice(1),
  ];
  return [
    await png("PNG RGB", noiseImage(32, 32), "js-png"),
    await png(
      "PNG RGB, no compression filters",
      noiseImage(32, 32).png({ adaptiveFiltering: false }),
      "js-png",
    ),
    await png(
      "PNG RGB, maximum compression",
      noiseImage(32, 32).png({ compressionLevel: 9 }),
      "js-png",
    ),
    await png("PNG gray", noiseImage(32, 32).toColourspace("b-w"), "js-png"),
    await png("PNG palette, 256 colours", noiseImage(32, 32).png({ palette: true }), "js-png"),
    {
      name: "PNG RGB, odd size",
      bytes: await bytesOf(noiseImage(13, 7).png()),
      width: 13,
      height: 7,
      decoder: "js-png",
    },
    {
      name: "PNG RGB, image data in two chunks",
      bytes: buildPng(splitIdat),
      width: 32,
      height: 32,
      decoder: "js-png",
    },
    {
      name: "PNG with a gamma chunk",
      bytes: buildPng(gamma),
      width: 32,
      height: 32,
      decoder: "sharp",
    },
    await png(
      "PNG palette, 4 colours (2-bit)",
      noiseImage(32, 32).png({ palette: true, colours: 4 }),
      "sharp",
    ),
    await png("PNG interlaced", noiseImage(32, 32).png({ progressive: true }), "sharp"),
    await png("PNG with alpha", noiseImage(32, 32, 4), "sharp"),
    await png("PNG 16-bit", noiseImage(32, 32).toColourspace("rgb16"), "sharp"),
    { name: "PNG needs resizing", bytes: rgb, width: 16, height: 16, decoder: "sharp" },
  ];
}

const sharpPath = (bytes: Uint8Array, width: number, height: number) =>
  decodeImage(bytes, { width, height, decoder: "sharp" });

/** The FerryError a promise rejects with, or undefined when it resolves. */
async function failure(promise: Promise<unknown>): Promise<FerryError | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(FerryError);
    return error as FerryError;
  }
}

describe("decodeImage() on a corpus of every kind", async () => {
  const cases = await corpus();
  test.each(cases.map((c) => [c.name, c] as const))(
    "%s: same bytes as sharp, expected decoder",
    async (_, c) => {
      const image = await decodeImage(c.bytes, { width: c.width, height: c.height });
      const reference = await sharpPath(c.bytes, c.width, c.height);
      expect(image.decoder).toBe(c.decoder);
      expect([image.width, image.height]).toEqual([c.width, c.height]);
      expect(image.data.length).toBe(c.width * c.height * 3);
      expect(Buffer.compare(Buffer.from(image.data), Buffer.from(reference.data))).toBe(0);
    },
  );
});

describe("decodeImage() on bad JPEGs", async () => {
  const good = await bytesOf(noiseImage(32, 32).jpeg({ quality: 90 }));
  const eoi = [0xff, 0xd9];
  // Entropy data cut short, then an end-of-image marker so that the header passes every check of
  // the fast path: only libjpeg's own warning can tell.
  const truncatedWithEoi = new Uint8Array([
    ...good.subarray(0, Math.floor(good.length * 0.6)),
    ...eoi,
  ]);
  const bad: [string, Uint8Array][] = [
    ["truncated", good.subarray(0, Math.floor(good.length * 0.6))],
    ["truncated, EOI appended", truncatedWithEoi],
    ["header only", good.subarray(0, 200)],
    [
      "a marker inside the entropy data",
      new Uint8Array([
        ...good.subarray(0, good.length - 100),
        0xff,
        0xd9,
        ...good.subarray(good.length - 98),
      ]),
    ],
  ];

  test.each(bad)("%s: the same FerryError as the sharp path", async (_, bytes) => {
    const fast = await failure(decodeImage(bytes, { width: 32, height: 32 }));
    const slow = await failure(sharpPath(bytes, 32, 32));
    expect(fast?.kind).toBe("undecodable");
    expect(fast?.message).toBe(slow?.message);
    expect(fast?.message).toMatch(/^Cannot decode jpeg: /);
  });

  test("the WebAssembly decoder itself turns down a file on which libjpeg only warns", async () => {
    expect(await decodeJpegWasm(good)).toBeDefined();
    expect(await decodeJpegWasm(truncatedWithEoi)).toBeUndefined();
  });

  test("seeded corruptions: decodeImage() accepts exactly what sharp accepts, and stays exact after", async () => {
    let state = 42;
    const random = (n: number) => (state = (state * 1103515245 + 12345) >>> 0) % n;
    let rejected = 0;
    for (let round = 0; round < 150; round++) {
      const bytes = good.slice();
      // Corrupt 1–4 bytes anywhere after the bytes that identify a JPEG: tables, frame header,
      // scan header or entropy data. Pixels of accepted files are not compared: damage libjpeg
      // cannot detect may yield out-of-range coefficients, where sharp's SIMD inverse DCT and
      // the portable one in WebAssembly differ (see src/image/_fast_jpeg.ts).
      for (let k = 0; k <= random(4); k++) bytes[3 + random(bytes.length - 5)] = random(256);
      const fast = await failure(decodeImage(bytes, { width: 32, height: 32 }));
      const slow = await failure(sharpPath(bytes, 32, 32));
      expect(fast?.message, `round ${round}`).toBe(slow?.message);
      if (fast) rejected++;
    }
    // Both outcomes must occur, or the loop tested nothing.
    expect(rejected).toBeGreaterThan(10);
    expect(rejected).toBeLessThan(150);
    // Fatal libjpeg errors unwind the WebAssembly stack; the decoder must still be exact after.
    const image = await decodeImage(good, { width: 32, height: 32 });
    expect(image.decoder).toBe("wasm-jpeg");
    expect(Buffer.from(image.data)).toEqual(Buffer.from((await sharpPath(good, 32, 32)).data));
  });
});

describe("decodeImage() on bad PNGs", async () => {
  const good = await bytesOf(noiseImage(32, 32).png());
  const chunks = pngChunks(good);
  const withIdat = (change: (data: Uint8Array) => Uint8Array) =>
    buildPng(chunks.map((c) => c.type === "IDAT" ? { type: c.type, data: change(c.data) } : c));
  const badCrc = good.slice();
  badCrc[good.length - 20] = badCrc[good.length - 20]! ^ 0x55;

  const bad: [string, Uint8Array][] = [
    ["truncated", good.subarray(0, Math.floor(good.length * 0.7))],
    ["a bad CRC in the image data", badCrc],
    [
      "zlib data corrupted, CRC made to match",
      withIdat((d) => d.map((b, i) => (i === 40 ? b ^ 0xff : b))),
    ],
    ["zlib data cut short, CRC made to match", withIdat((d) => d.subarray(0, d.length - 30))],
  ];

  test.each(bad)("%s: the same FerryError as the sharp path", async (_, bytes) => {
    const fast = await failure(decodeImage(bytes, { width: 32, height: 32 }));
    const slow = await failure(sharpPath(bytes, 32, 32));
    expect(fast?.kind).toBe("undecodable");
    expect(fast?.message).toBe(slow?.message);
  });

  test("seeded corruptions with repaired CRCs: accepted exactly when sharp accepts, same pixels", async () => {
    let state = 7;
    const random = (n: number) => (state = (state * 1103515245 + 12345) >>> 0) % n;
    let rejected = 0;
    for (let round = 0; round < 150; round++) {
      // Corrupt the chunk data itself and repair the CRCs, so that the damage reaches zlib,
      // the filters and the header fields instead of stopping at the checksum.
      const mutated = chunks.map((c) => ({ type: c.type, data: c.data.slice() }));
      const target = mutated[random(mutated.length - 1)]!;
      for (let k = 0; k <= random(3) && target.data.length > 0; k++) {
        target.data[random(target.data.length)] = random(256);
      }
      const bytes = buildPng(mutated);
      const fast = await decodeImage(bytes, { width: 32, height: 32 }).catch((e: FerryError) => e);
      const slow = await sharpPath(bytes, 32, 32).catch((e: FerryError) => e);
      if (fast instanceof Error || slow instanceof Error) {
        expect((fast as Error).message, `round ${round}`).toBe((slow as Error).message);
        rejected++;
      } else {
        expect(Buffer.from(fast.data), `round ${round}`).toEqual(Buffer.from(slow.data));
      }
    }
    expect(rejected).toBeGreaterThan(10);
    expect(rejected).toBeLessThan(150);
  });
});
