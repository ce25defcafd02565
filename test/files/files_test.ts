/** The shared file helpers: a write that is whole or not at all, and an existence check. */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { exists, writeFileAtomic } from "../../src/files/mod.ts";

let dir: string;
beforeAll(async () => {
  dir = await Deno.makeTempDir({ prefix: "ferry-files-" });
});
afterAll(async () => {
  await Deno.remove(dir, { recursive: true });
});

const namesIn = async (folder: string) =>
  (await Array.fromAsync(Deno.readDir(folder))).map((e) => e.name).sort();

describe("writeFileAtomic", () => {
  test("writes text as UTF-8, bytes as they are, and parts one after another", async () => {
    const folder = await Deno.makeTempDir({ dir });
    await writeFileAtomic(join(folder, "a.txt"), "Grüße\n");
    await writeFileAtomic(join(folder, "b.bin"), Uint8Array.of(0, 255, 7));
    const big = Uint8Array.from({ length: 1 << 18 }, (_, i) => i % 251);
    await writeFileAtomic(join(folder, "c.bin"), [Uint8Array.of(1, 2), big.subarray(5), big]);
    expect(await Deno.readTextFile(join(folder, "a.txt"))).toBe("Grüße\n");
    expect(await Deno.readFile(join(folder, "b.bin"))).toEqual(Uint8Array.of(0, 255, 7));
    const c = await Deno.readFile(join(folder, "c.bin"));
    expect(c.length).toBe(2 + big.length - 5 + big.length);
    expect(c.subarray(0, 2)).toEqual(Uint8Array.of(1, 2));
    expect(c.subarray(2, 2 + big.length - 5)).toEqual(big.subarray(5));
    expect(c.subarray(2 + big.length - 5)).toEqual(big);
    expect(await namesIn(folder)).toEqual(["a.txt", "b.bin", "c.bin"]);
  });

  test("replaces the file instead of writing into it: a hard link to the old file keeps the old bytes", async () => {
    const folder = await Deno.makeTempDir({ dir });
    await Deno.writeTextFile(join(folder, "old.onnx"), "old model");
    await Deno.link(join(folder, "old.onnx"), join(folder, "model.onnx"));
    await writeFileAtomic(join(folder, "model.onnx"), "new model");
    expect(await Deno.readTextFile(join(folder, "model.onnx"))).toBe("new model");
    expect(await Deno.readTextFile(join(folder, "old.onnx"))).toBe("old model");
    expect(await namesIn(folder)).toEqual(["model.onnx", "old.onnx"]);
  });

  test("when the rename fails, the error is thrown and no temporary file is left", async () => {
    const folder = await Deno.makeTempDir({ dir });
    await Deno.mkdir(join(folder, "taken"));
    await Deno.writeTextFile(join(folder, "taken", "inside.txt"), "kept");
    await expect(writeFileAtomic(join(folder, "taken"), "text")).rejects.toThrow();
    expect(await namesIn(folder)).toEqual(["taken"]);
    expect(await Deno.readTextFile(join(folder, "taken", "inside.txt"))).toBe("kept");
  });
});

describe("exists", () => {
  test("is true for a file and a folder, false for a missing path", async () => {
    const folder = await Deno.makeTempDir({ dir });
    await Deno.writeTextFile(join(folder, "file.txt"), "x");
    expect(await exists(join(folder, "file.txt"))).toBe(true);
    expect(await exists(folder)).toBe(true);
    expect(await exists(join(folder, "missing"))).toBe(false);
  });
});
