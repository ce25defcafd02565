import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FerryError } from "../../src/errors.ts";
import {
  walkBatches,
  type WalkEntry,
  walkFiles,
  type WalkOptions,
} from "../../src/classify/mod.ts";
import { makeTree, TREE_IMAGES } from "./_tree.ts";

let dir: string;

beforeAll(async () => {
  dir = await Deno.makeTempDir({ prefix: "ferry-walk-" });
  await makeTree(dir, { awkward: true });
});
afterAll(() => Deno.remove(dir, { recursive: true }));

async function walk(options: WalkOptions = {}): Promise<WalkEntry[]> {
  return await Array.fromAsync(walkFiles([dir], options));
}
const rel = (entries: WalkEntry[]) => entries.map((e) => relative(dir, e.path));

describe("walkFiles()", () => {
  test("visits nested folders in sorted order and never follows a symlink loop", async () => {
    const entries = await walk();
    const paths = rel(entries);
    for (const image of Object.keys(TREE_IMAGES)) expect(paths).toContain(image);
    // blue/loop points back at the root: walking it would repeat every file (or never end).
    expect(paths.filter((p) => p.startsWith("blue/loop"))).toEqual([]);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths).toEqual([...paths].sort());
  });

  test("gives a dangling link and a FIFO an error instead of reading them", async () => {
    const byPath = new Map((await walk()).map((e) => [relative(dir, e.path), e]));
    expect(byPath.get("green/gone.jpg")?.error).toMatch(/No such file/);
    expect(byPath.get("blue/pipe.jpg")?.error).toMatch(/not a regular file/);
    expect(byPath.get("red/r1.jpg")?.error).toBeUndefined();
    // A regular file that cannot be read is the reader's business, not the walk's.
    expect(byPath.get("red/unreadable.jpg")?.error).toBeUndefined();
  });

  test("goes on past a folder that vanishes while the walk is under way", async () => {
    const root = await Deno.makeTempDir({ dir });
    await Deno.mkdir(join(root, "a"));
    await Deno.mkdir(join(root, "b"));
    await Deno.mkdir(join(root, "c"));
    await Deno.writeFile(join(root, "c", "last.jpg"), new Uint8Array(1));
    // 512 files fill the first batch: the walk pauses there, after listing the root.
    for (let i = 0; i < 512; i++) {
      await Deno.writeFile(join(root, "a", `${i}.jpg`), new Uint8Array());
    }
    const entries: WalkEntry[] = [];
    for await (const batch of walkBatches([root])) {
      if (entries.length === 0) await Deno.remove(join(root, "b"));
      entries.push(...batch);
    }
    const gone = entries.find((e) => e.path === join(root, "b"));
    expect(gone?.error).toMatch(/^Cannot list folder: .*No such file/);
    expect(entries.at(-1)).toEqual({ path: join(root, "c", "last.jpg"), root });
    expect(entries.length).toBe(514);
  });

  test("keeps only files matching --include and drops --exclude files and folders", async () => {
    expect(rel(await walk({ include: ["*.png"] }))).toEqual(["red/deeper/still deeper/r2.png"]);
    const noRed = rel(await walk({ exclude: ["red"], include: ["*.jpg", "*.jpeg", "*.png"] }));
    expect(noRed.some((p) => p.startsWith("red/"))).toBe(false);
    expect(noRed).toContain("green/g1.jpg");
    const noDeep = rel(await walk({ exclude: ["red/deeper/**"] }));
    expect(noDeep).toContain("red/r1.jpg");
    expect(noDeep.some((p) => p.includes("deeper"))).toBe(false);
  });

  test("stays in the given folder with recursive: false", async () => {
    expect(rel(await walk({ recursive: false }))).toEqual(["notes.txt"]);
    const red = await Array.fromAsync(walkFiles([join(dir, "red")], { recursive: false }));
    expect(red.map((e) => relative(dir, e.path))).toEqual([
      "red/corrupt.jpg",
      "red/r1.jpg",
      "red/unreadable.jpg",
    ]);
  });

  test("takes files as well as folders, and a missing path is a not_found error", async () => {
    const file = join(dir, "red", "r1.jpg");
    expect(await Array.fromAsync(walkFiles([file]))).toEqual([{ path: file, root: file }]);
    const missing = await Array.fromAsync(walkFiles([join(dir, "missing")])).catch((e) => e);
    expect(missing).toBeInstanceOf(FerryError);
    expect((missing as FerryError).kind).toBe("not_found");
  });
});
