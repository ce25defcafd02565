import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";
import { makeTree, solidImage, TREE_IMAGES } from "../classify/_tree.ts";

let dir: string;
let images: string;
let modelPath: string;

beforeAll(async () => {
  dir = await Deno.makeTempDir({ prefix: "ferry-cli-classify-" });
  images = join(dir, "images");
  await Deno.mkdir(images);
  await makeTree(images, { awkward: true });
  modelPath = await writeTinyModel(dir);
});
afterAll(() => Deno.remove(dir, { recursive: true }));

const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;
const decoder = new TextDecoder();

function ferry(args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "classify", ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  });
}

async function ferryOutput(args: string[]) {
  const { code, stdout, stderr } = await ferry(args).output();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

describe("ferry classify", () => {
  test("keeps stdout to CSV rows while progress and the summary go to stderr", async () => {
    const { code, stdout, stderr } = await ferryOutput(["--model", modelPath, images]);
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toBe("path,label,probability,top_k_labels,top_k_probabilities,error");
    expect(lines.length).toBe(1 + Object.keys(TREE_IMAGES).length + 4);
    expect(stdout).not.toContain("classified");
    expect(stderr).toMatch(
      /6 classified, 4 failed, 1 non-image files skipped in [\d.]+ s \(\d+ images\/s\)/,
    );
    expect(stderr).toContain('"model":');
  });

  test("runs a model without ferry metadata from the foreign-model flags", async () => {
    const foreign = await writeTinyModel(dir, {
      metadata: false,
      layout: "nchw",
      output: "logits",
      size: 16,
      fileName: "foreign.onnx",
    });
    const { code, stdout, stderr } = await ferryOutput([
      "--model",
      foreign,
      "--labels",
      "rot,grün,blau",
      "--layout",
      "nchw",
      "--input-size",
      "16",
      "--model-output",
      "logits",
      "--format",
      "jsonl",
      "--provider",
      "cpu",
      join(images, "green"),
    ]);
    expect(stderr).toContain("16×16");
    expect(code).toBe(0);
    const rows = stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(rows.filter((r) => r.error === null).map((r) => r.label)).toEqual(["grün", "grün"]);
    expect(rows[0].probability).toBeGreaterThan(0.9);
  });

  test("prints the evaluation report with --labels-from-folders", async () => {
    const out = join(dir, "eval.csv");
    const { code, stdout } = await ferryOutput([
      "--model",
      modelPath,
      "--out",
      out,
      "--labels-from-folders",
      images,
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/accuracy: 1\.0000/);
    expect(stdout).toMatch(/precision +recall +f1-score +support/);
    expect(stdout).toMatch(/\n +red +1\.00 +1\.00 +1\.00 +1\n/);
    expect(stdout).toContain("Confusion matrix");
    expect(await Deno.readTextFile(`${out}.config.json`)).toContain('"labelsFromFolders": true');
  });

  test("stops on Ctrl-C with its rows written, and --resume finishes each image exactly once", async () => {
    const many = join(dir, "many");
    await Deno.mkdir(many);
    const jpeg = await solidImage("blue");
    const count = 3000;
    await Promise.all(
      Array.from({ length: count }, (_, i) => Deno.writeFile(join(many, `${i}.jpg`), jpeg)),
    );
    const out = join(dir, "interrupted.csv");
    const child = ferry(["--model", modelPath, "--batch-size", "4", "--out", out, many]).spawn();
    const rows = async () => (await Deno.readTextFile(out).catch(() => "")).split("\n").length - 2;
    while ((await rows()) < 20) await new Promise((r) => setTimeout(r, 5));
    child.kill("SIGINT");
    const first = await child.output();
    expect(first.code).toBe(130);
    const written = await rows();
    expect(written).toBeLessThan(count);
    const { code, stderr } = await ferryOutput([
      "--model",
      modelPath,
      "--out",
      out,
      "--resume",
      many,
    ]);
    expect(code).toBe(0);
    expect(stderr).toContain(`${written} already in the output`);
    const paths = (await Deno.readTextFile(out)).trim().split("\n").slice(1).map((l) =>
      l.split(",")[0]
    );
    expect(paths.length).toBe(count);
    expect(new Set(paths).size).toBe(count);
  });

  test("refuses a bad flag value with a usage error naming it", async () => {
    const { code, stderr } = await ferryOutput(["--model", modelPath, "--format", "xml", images]);
    expect(code).toBe(2);
    expect(stderr).toContain("Cannot use --format: expected csv, jsonl, table, got 'xml'");
  });
});
