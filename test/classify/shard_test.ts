/**
 * `--shard i/n` and `ferry classify merge`: shards of a folder are disjoint, cover it, keep their
 * files when one is added, and merge back into one output with every file once.
 */
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import {
  classifyPaths,
  mergeOutputs,
  parseShard,
  readOutputRows,
  shardOf,
  walkFiles,
} from "../../src/classify/mod.ts";
import { main } from "../../src/cli/main.ts";
import { FerryError } from "../../src/errors.ts";
import { type ClassifierSession, openClassifier } from "../../src/runtime/mod.ts";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";
import { solidImage } from "./_tree.ts";

const SHARDS = 3;
let dir: string;
let images: string;
let model: ClassifierSession;

beforeAll(async () => {
  dir = await Deno.makeTempDir({ prefix: "ferry-shard-" });
  images = join(dir, "images");
  const colours = ["red", "green", "blue"] as const;
  for (let i = 0; i < 60; i++) {
    const folder = join(images, colours[i % 3]!, i % 2 ? "deeper" : "");
    await Deno.mkdir(folder, { recursive: true });
    await Deno.writeFile(join(folder, `img-${i}.jpg`), await solidImage(colours[i % 3]!));
  }
  model = await openClassifier(await writeTinyModel(dir));
});
afterAll(async () => {
  await model.release();
  await Deno.remove(dir, { recursive: true });
});

/** Classifies every shard of `images` into its own CSV; returns the files and each shard's paths. */
async function classifyShards(tag: string) {
  const files: string[] = [];
  const shards: string[][] = [];
  for (let index = 0; index < SHARDS; index++) {
    const out = join(dir, `${tag}-shard-${index}.csv`);
    await classifyPaths(model, [images], { out, shard: { index, count: SHARDS } });
    files.push(out);
    shards.push((await readOutputRows(out, "csv"))!.paths.map((p) => relative(images, p)));
  }
  return { files, shards };
}

async function allFiles(): Promise<string[]> {
  return (await Array.fromAsync(walkFiles([images]))).map((e) => relative(images, e.path));
}

describe("classifyPaths() with a shard", () => {
  test("three shards are disjoint, none empty, and together hold every file once", async () => {
    const { shards } = await classifyShards("a");
    const union = shards.flat();
    expect(new Set(union).size).toBe(union.length);
    expect(union.sort()).toEqual((await allFiles()).sort());
    for (const shard of shards) expect(shard.length).toBeGreaterThan(5);
  });

  test("adding a file moves no other file and puts the new one in exactly one shard", async () => {
    const before = await classifyShards("before");
    await Deno.writeFile(join(images, "red", "img-new.jpg"), await solidImage("red"));
    try {
      const after = await classifyShards("after");
      for (let i = 0; i < SHARDS; i++) {
        expect(after.shards[i]!.filter((p) => p !== "red/img-new.jpg").sort()).toEqual(
          before.shards[i]!.sort(),
        );
      }
      expect(after.shards.flat().filter((p) => p === "red/img-new.jpg")).toHaveLength(1);
    } finally {
      await Deno.remove(join(images, "red", "img-new.jpg"));
    }
  });
});

describe("shardOf() and parseShard()", () => {
  test("spreads 10,000 paths over 8 shards within 10% of even", () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 10_000; i++) counts[shardOf(`photos/2024/${i % 97}/IMG_${i}.jpg`, 8)]++;
    for (const count of counts) expect(Math.abs(count - 1250)).toBeLessThan(125);
  });

  test("reads i/n and refuses what is not a shard", () => {
    expect(parseShard("2/8")).toEqual({ index: 2, count: 8 });
    for (const bad of ["8/8", "-1/4", "1/0", "1", "a/b", "1/2/3"]) {
      expect(() => parseShard(bad)).toThrow(/Cannot use --shard/);
    }
  });
});

describe("mergeOutputs()", () => {
  test("joins the shards under one header with every file once", async () => {
    const { files } = await classifyShards("m");
    const { text, rows } = await mergeOutputs(files, { expect: [images] });
    expect(rows).toBe(60);
    expect(text.split("\n").filter((l) => l.startsWith("path,"))).toHaveLength(1);
    expect(text.trimEnd().split("\n")).toHaveLength(61);
  });

  test("refuses a missing shard and a shard given twice, counting the files", async () => {
    const { files, shards } = await classifyShards("r");
    const missing = mergeOutputs(files.slice(1), { expect: [images] });
    await expect(missing).rejects.toThrow(
      new RegExp(`${shards[0]!.length} files have no row`),
    );
    await expect(missing).rejects.toBeInstanceOf(FerryError);
    await expect(mergeOutputs([...files, files[1]!])).rejects.toThrow(
      new RegExp(`${shards[1]!.length} rows repeat a file`),
    );
  });
});

describe("ferry classify merge", () => {
  test("writes the merged CSV and exits 0; exits 7 when a shard is missing", async () => {
    const { files } = await classifyShards("cli");
    const out = join(dir, "merged.csv");
    vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(await main(["classify", "merge", ...files, "--expect", images, "--out", out])).toBe(0);
      expect((await readOutputRows(out, "csv"))!.paths).toHaveLength(60);
      expect(await main(["classify", "merge", ...files.slice(0, 2), "--expect", images])).toBe(7);
      expect(await main(["classify", images, "--shard", "3/3"])).toBe(2);
    } finally {
      vi.restoreAllMocks();
    }
  });
});
