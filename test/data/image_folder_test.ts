import { join } from "node:path";
import sharp from "sharp";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadImageFolder } from "../../src/data/mod.ts";
import { FerryError } from "../../src/errors.ts";
import type { Reporter } from "../../src/progress/mod.ts";

const solid = (width: number, height: number, channels: 3 | 4, [r, g, b, a = 255]: number[]) =>
  sharp({
    create: { width, height, channels, background: { r: r!, g: g!, b: b!, alpha: a / 255 } },
  });

let dir: string;
let cacheDir: string;
let warnings: string[];
const reporter: Reporter = {
  task: () => ({ tick() {}, done() {} }),
  info() {},
  warn: (message) => void warnings.push(message),
};
const options = () => ({ width: 4, height: 4, cacheDir, reporter });
const pixel = (
  images: Uint8Array,
  image: number,
  p = 5,
) => [...images.subarray((image * 16 + p) * 3, (image * 16 + p) * 3 + 3)];

async function write(relative: string, bytes: Uint8Array | Promise<Uint8Array>) {
  await Deno.mkdir(join(dir, relative, ".."), { recursive: true });
  await Deno.writeFile(join(dir, relative), await bytes);
}

beforeEach(async () => {
  dir = await Deno.makeTempDir({ prefix: "ferry-folder-" });
  cacheDir = await Deno.makeTempDir({ prefix: "ferry-cache-" });
  warnings = [];
  const jpeg = await solid(16, 16, 3, [0, 200, 0]).jpeg({ quality: 95 }).toBuffer();
  await write("apple/red.png", solid(8, 6, 3, [255, 0, 0]).png().toBuffer());
  await write("apple/gray.png", solid(5, 5, 3, [77, 77, 77]).toColourspace("b-w").png().toBuffer());
  await write("banana/green.jpg", jpeg);
  await write("banana/blue.webp", solid(7, 9, 3, [0, 0, 255]).webp({ lossless: true }).toBuffer());
  await write("banana/nested/clear.png", solid(6, 6, 4, [0, 0, 0, 0]).png().toBuffer());
  await write("banana/broken.jpg", jpeg.subarray(0, 200));
  await write("banana/notes.txt", new TextEncoder().encode("not an image"));
  await write("banana/.DS_Store", new Uint8Array(10));
});

afterEach(async () => {
  for (const path of [dir, cacheDir]) await Deno.remove(path, { recursive: true });
});

describe("loadImageFolder()", () => {
  it("decodes PNG, JPEG and WebP by class, resized, gray expanded and alpha flattened", async () => {
    const { dataset, fromCache } = await loadImageFolder(dir, options());
    expect(fromCache).toBe(false);
    expect(dataset.classNames).toEqual(["apple", "banana"]);
    expect([dataset.count, dataset.width, dataset.height]).toEqual([5, 4, 4]);
    expect(dataset.images.length).toBe(5 * 4 * 4 * 3);
    // Sorted paths within a class: apple/gray, apple/red, banana/blue, banana/green, banana/nested/clear.
    expect([...dataset.labels]).toEqual([0, 0, 1, 1, 1]);
    expect(pixel(dataset.images, 0)).toEqual([77, 77, 77]);
    expect(pixel(dataset.images, 1)).toEqual([255, 0, 0]);
    expect(pixel(dataset.images, 2)).toEqual([0, 0, 255]);
    const [r, g, b] = pixel(dataset.images, 3);
    expect(Math.abs(r!) + Math.abs(g! - 200) + Math.abs(b!)).toBeLessThanOrEqual(6);
    expect(pixel(dataset.images, 4)).toEqual([255, 255, 255]);
  });

  it("skips the corrupt and the non-image file, lists them in one warning, and goes on", async () => {
    const { skipped } = await loadImageFolder(dir, options());
    expect(skipped.map((s) => s.path)).toEqual([
      join(dir, "banana/broken.jpg"),
      join(dir, "banana/notes.txt"),
    ]);
    expect(skipped[1]!.reason).toMatch(/not a known image format/);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Skipped 2 of 7 files/);
    expect(warnings[0]).toContain("broken.jpg");
  });

  it("loads the second time from the cache, the same tensors and the same warning", async () => {
    const first = await loadImageFolder(dir, options());
    const second = await loadImageFolder(dir, options());
    expect(second.fromCache).toBe(true);
    expect(second.dataset.images).toEqual(first.dataset.images);
    expect(second.dataset.labels).toEqual(first.dataset.labels);
    expect(second.skipped).toEqual(first.skipped);
    expect(warnings).toHaveLength(2);
    const files = await Array.fromAsync(Deno.readDir(join(cacheDir, "image-folders")));
    expect(files.map((f) => f.name)).toEqual([expect.stringMatching(/-4x4\.bin$/)]);
  });

  it("decodes again when a file is added, changed, or the size differs", async () => {
    await loadImageFolder(dir, options());
    await write("apple/red2.png", solid(3, 3, 3, [250, 0, 0]).png().toBuffer());
    const added = await loadImageFolder(dir, options());
    expect([added.fromCache, added.dataset.count]).toEqual([false, 6]);
    await Deno.utime(join(dir, "apple/red2.png"), 1, 1_000_000);
    expect((await loadImageFolder(dir, options())).fromCache).toBe(false);
    expect((await loadImageFolder(dir, options())).fromCache).toBe(true);
    const bigger = await loadImageFolder(dir, { ...options(), width: 8 });
    expect([bigger.fromCache, bigger.dataset.width]).toEqual([false, 8]);
  });

  it("decodes every time with cache: false and writes no cache", async () => {
    await loadImageFolder(dir, { ...options(), cache: false });
    expect((await loadImageFolder(dir, { ...options(), cache: false })).fromCache).toBe(false);
    expect(await Array.fromAsync(Deno.readDir(cacheDir))).toEqual([]);
  });

  it("decodes the same tensors and skips the same files on a pool of workers", async () => {
    const here = await loadImageFolder(dir, { ...options(), cache: false, workers: 1 });
    const pooled = await loadImageFolder(dir, { ...options(), cache: false, workers: 2 });
    expect(pooled.dataset.images).toEqual(here.dataset.images);
    expect(pooled.dataset.labels).toEqual(here.dataset.labels);
    expect(pooled.skipped).toEqual(here.skipped);
  });

  it("rejects an empty class folder, a class with no readable image, and a folder without classes", async () => {
    await Deno.mkdir(join(dir, "cherry"));
    const empty = await loadImageFolder(dir, options()).catch((e) => e);
    expect(empty).toBeInstanceOf(FerryError);
    expect(empty.kind).toBe("dataset");
    expect(empty.message).toMatch(/class folder .*cherry is empty/);
    await write(
      "cherry/bad.png",
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]),
    );
    await expect(loadImageFolder(dir, options())).rejects.toThrow(
      /class "cherry" .* has no readable image/,
    );
    const bare = join(dir, "cherry", "bare");
    await Deno.mkdir(bare);
    await Deno.writeFile(join(bare, "loose.png"), await solid(2, 2, 3, [1, 2, 3]).png().toBuffer());
    await expect(loadImageFolder(bare, options())).rejects.toThrow(/has no class subfolders/);
    await expect(loadImageFolder(join(bare, "missing"), options())).rejects.toThrow(
      /cannot be read/,
    );
  });
});
