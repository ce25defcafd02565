import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type ClassifiedRow,
  type ClassifyOptions,
  classifyPaths,
  openClassifyModel,
  type OutputFormat,
  workersFor,
} from "../../src/classify/mod.ts";
import { type ClassifierSession, openClassifier } from "../../src/runtime/mod.ts";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";
import { makeTree, solidImage, TREE_IMAGES } from "./_tree.ts";

let dir: string;
let images: string;
let model: ClassifierSession;

beforeAll(async () => {
  dir = await Deno.makeTempDir({ prefix: "ferry-classify-" });
  images = join(dir, "images");
  await Deno.mkdir(images);
  await makeTree(images, { awkward: true });
  model = await openClassifier(await writeTinyModel(dir));
});
afterAll(async () => {
  await model.release();
  await Deno.remove(dir, { recursive: true });
});

/** Runs classify into a fresh file and parses the rows back (JSON Lines). */
async function run(options: Partial<ClassifyOptions> = {}, inputs = [images]) {
  const out = join(await Deno.makeTempDir({ dir }), "out.jsonl");
  const summary = await classifyPaths(model, inputs, { format: "jsonl", out, ...options });
  return { summary, rows: await readJsonl(out), out };
}

async function readJsonl(file: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(file);
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

const rel = (path: unknown) => relative(images, String(path));

describe("classifyPaths()", () => {
  test("labels every image in nested folders, names with spaces and non-ASCII included", async () => {
    const { summary, rows } = await run();
    const byPath = new Map(rows.map((r) => [rel(r.path), r]));
    for (const [image, colour] of Object.entries(TREE_IMAGES)) {
      expect(byPath.get(image)).toMatchObject({ label: colour, error: null });
      expect(byPath.get(image)!.probability as number).toBeGreaterThan(0.9);
      expect((byPath.get(image)!.top_k as ClassifiedRow["topK"]).length).toBe(3);
    }
    expect(summary.succeeded).toBe(Object.keys(TREE_IMAGES).length);
    expect(summary.imagesPerSecond).toBeGreaterThan(0);
  });

  test("writes an error row for corrupt, unreadable and dangling files and a FIFO; goes on", async () => {
    const { summary, rows } = await run();
    const errors = Object.fromEntries(
      rows.filter((r) => r.error !== null).map((r) => [rel(r.path), String(r.error)]),
    );
    expect(Object.keys(errors).sort()).toEqual([
      "blue/pipe.jpg",
      "green/gone.jpg",
      "red/corrupt.jpg",
      "red/unreadable.jpg",
    ]);
    expect(errors["red/corrupt.jpg"]).toMatch(/^Cannot decode jpeg/);
    expect(errors["green/gone.jpg"]).toMatch(/No such file/);
    expect(errors["blue/pipe.jpg"]).toMatch(/not a regular file/);
    expect(errors["red/unreadable.jpg"]).toMatch(/^Cannot read: Input\/output error/);
    expect(summary.failed).toBe(4);
    // notes.txt holds no image format and has no image name: passed over quietly.
    expect(rows.some((r) => rel(r.path) === "notes.txt")).toBe(false);
    expect(summary.nonImages).toBe(1);
  });

  test("gives the same rows, errors included, when worker threads read, decode and classify", async () => {
    const here = await run();
    const workers = await openClassifyModel(join(dir, "tiny.onnx"), { workers: 2 });
    try {
      const out = join(await Deno.makeTempDir({ dir }), "out.jsonl");
      const summary = await classifyPaths(workers, [images], { format: "jsonl", out });
      expect(await readJsonl(out)).toEqual(here.rows);
      expect(summary.failed).toBe(4);
      expect(summary.nonImages).toBe(1);
    } finally {
      await workers.release();
    }
  });

  test("gives the same rows with workers: 0, the model and the decoding on the calling thread", async () => {
    const here = await run();
    const local = await openClassifyModel(join(dir, "tiny.onnx"), { workers: 0 });
    try {
      expect(local.classifyFiles).toBeUndefined();
      const out = join(await Deno.makeTempDir({ dir }), "out.jsonl");
      await classifyPaths(local, [images], { format: "jsonl", out });
      expect(await readJsonl(out)).toEqual(here.rows);
    } finally {
      await local.release();
    }
  });

  test("workersFor() starts no worker for one batch, and at most one per batch", () => {
    expect([workersFor(0, 64, 2), workersFor(10, 64, 2), workersFor(64, 64, 2)]).toEqual([0, 0, 0]);
    expect([workersFor(65, 64, 2), workersFor(129, 64, 2), workersFor(129, 64, 8)]).toEqual([
      2,
      2,
      3,
    ]);
    expect(workersFor(65, 64, 1)).toBe(1);
    // A batch size that classifyPaths refuses changes nothing here: its own error is the one shown.
    expect([workersFor(10, 0, 2), workersFor(10, 2.5, 2)]).toEqual([2, 2]);
  });

  test("gives the same rows, in walk order, when copies of the model run batches at once", async () => {
    const single = await run({ batchSize: 2 });
    const copies = await openClassifyModel(join(dir, "tiny.onnx"), { workers: 3 });
    try {
      expect(copies.parallelRuns).toBe(3);
      const out = join(await Deno.makeTempDir({ dir }), "out.jsonl");
      await classifyPaths(copies, [images], { format: "jsonl", out, batchSize: 2 });
      expect(await readJsonl(out)).toEqual(single.rows);
    } finally {
      await copies.release();
    }
  });

  test("decodes with the limits it is given, on worker threads too", async () => {
    const here = await run({ decode: { maxPixels: 100 } });
    const workers = await openClassifyModel(join(dir, "tiny.onnx"), { workers: 2 });
    try {
      const out = join(await Deno.makeTempDir({ dir }), "out.jsonl");
      await classifyPaths(workers, [images], { format: "jsonl", out, decode: { maxPixels: 100 } });
      expect(await readJsonl(out)).toEqual(here.rows);
    } finally {
      await workers.release();
    }
    expect(here.summary.succeeded).toBe(0);
    const tooLarge = here.rows.filter((r) => /has more than 100 pixels/.test(String(r.error)));
    expect(tooLarge.length).toBe(Object.keys(TREE_IMAGES).length);
  });

  test("lists each folder once, and counts every file walked as the progress total", async () => {
    const listed: string[] = [];
    const readDir = Deno.readDir;
    Deno.readDir = (path) => {
      listed.push(String(path));
      return readDir(path);
    };
    const totals: (number | undefined)[] = [];
    try {
      const { summary } = await run({
        reporter: {
          task: (_, total) => (totals.push(total), { tick() {}, done() {} }),
          info() {},
          warn() {},
        },
      });
      expect(totals).toEqual([summary.succeeded + summary.failed + summary.nonImages]);
    } finally {
      Deno.readDir = readDir;
    }
    expect(listed.length).toBeGreaterThan(4);
    expect(new Set(listed).size).toBe(listed.length);
  });

  test("reports a non-image file as an error row when asked", async () => {
    const { rows, summary } = await run({ reportNonImages: true });
    expect(rows.find((r) => rel(r.path) === "notes.txt")?.error).toMatch(/not a known image/);
    expect(summary.nonImages).toBe(0);
  });

  test("writes the same rows as CSV, JSON Lines and a table", async () => {
    const texts: Record<string, string> = {};
    for (const format of ["csv", "jsonl", "table"] as OutputFormat[]) {
      const out = join(dir, `formats.${format}`);
      await classifyPaths(model, [join(images, "green")], { format, out });
      texts[format] = await Deno.readTextFile(out);
    }
    const csvLines = texts.csv!.trim().split("\n");
    expect(csvLines[0]).toBe("path,label,probability,top_k_labels,top_k_probabilities,error");
    expect(csvLines.slice(1).map((l) => l.split(",")[1])).toEqual(["green", "", "green"]);
    expect(csvLines[3]).toMatch(/grün blätter ü\.jpg,green,0\.\d{6},green;[a-z]+;[a-z]+,/);
    const jsonl = texts.jsonl!.trim().split("\n").map((l) => JSON.parse(l));
    expect(jsonl.map((r) => r.label)).toEqual(["green", null, "green"]);
    const table = texts.table!.trim().split("\n");
    expect(table).toHaveLength(4);
    expect(table[2]).toMatch(/^- .*gone\.jpg {2}error: Cannot read/);
    expect(table[3]).toMatch(/^green +0\.\d{6} {2}\S.*grün blätter ü\.jpg {2}green 0\.\d{6}, /);
  });

  test("resumes after an interruption with each image exactly once", async () => {
    const many = join(dir, "many");
    for (let i = 0; i < 12; i++) {
      const colour = (["red", "green", "blue"] as const)[i % 3]!;
      await Deno.mkdir(join(many, colour), { recursive: true });
      await Deno.writeFile(join(many, colour, `${i}.jpg`), await solidImage(colour));
    }
    for (const format of ["csv", "jsonl"] as const) {
      const out = join(dir, `resume.${format}`);
      // First run: stopped after the first batch, like Ctrl-C in the CLI (the batches already
      // started, three of six, still finish).
      const stop = new AbortController();
      const first = await classifyPaths(model, [many], {
        format,
        out,
        batchSize: 2,
        signal: stop.signal,
        reporter: {
          task: () => ({ tick: () => stop.abort(), done() {} }),
          info() {},
          warn() {},
        },
      });
      expect(first.aborted).toBe(true);
      expect(first.succeeded).toBeLessThan(12);
      // A kill during a write leaves half a row behind.
      await Deno.writeTextFile(out, format === "csv" ? `${many}/red/cut` : '{"path":"', {
        append: true,
      });
      const second = await classifyPaths(model, [many], {
        format,
        out,
        resume: true,
        batchSize: 2,
      });
      expect(second.resumed).toBe(first.succeeded);
      expect(first.succeeded + second.succeeded).toBe(12);
      const text = await Deno.readTextFile(out);
      const paths = format === "jsonl"
        ? text.trim().split("\n").map((l) => JSON.parse(l).path)
        : text.trim().split("\n").slice(1).map((l) => l.split(",")[0]);
      expect(paths.length).toBe(12);
      expect(new Set(paths).size).toBe(12);
      expect(text.startsWith("path,")).toBe(format === "csv");
      expect(text.indexOf("path,label", 1)).toBe(-1);
    }
  });

  test("copies each image into <dir>/<label>/, or links it with link: true", async () => {
    for (const link of [false, true]) {
      const sorted = join(dir, link ? "linked" : "copied");
      await run({ sortInto: sorted, link }, [join(images, "red"), join(images, "green")]);
      const found: string[] = [];
      expect((await Array.fromAsync(Deno.readDir(sorted))).map((e) => e.name).sort())
        .toEqual(["green", "red"]);
      for (const label of ["red", "green"]) {
        for await (const entry of Deno.readDir(join(sorted, label))) {
          found.push(`${label}/${entry.name}`);
          expect(entry.isSymlink).toBe(link);
        }
      }
      expect(found.sort()).toEqual([
        "green/g1.jpg",
        "green/grün blätter ü.jpg",
        "red/r1.jpg",
        "red/r2.png",
      ]);
      const original = await Deno.readFile(join(images, "red/r1.jpg"));
      expect(await Deno.readFile(join(sorted, "red/r1.jpg"))).toEqual(original);
    }
  });

  test("never overwrites a sorted file: another file of the same name gets a suffix, the same file is found", async () => {
    const sorted = join(dir, "twice");
    const other = join(await Deno.makeTempDir({ dir }), "r1.jpg");
    const first = await Deno.readFile(join(images, "red/r1.jpg"));
    await Deno.writeFile(other, await solidImage("red", "jpeg", { width: 20, height: 20 }));
    await run({ sortInto: sorted }, [join(images, "red/r1.jpg")]);
    await run({ sortInto: sorted }, [other]);
    await run({ sortInto: sorted }, [join(images, "red/r1.jpg")]);
    const names = (await Array.fromAsync(Deno.readDir(join(sorted, "red")))).map((e) => e.name);
    expect(names.sort()).toEqual(["r1 (1).jpg", "r1.jpg"]);
    expect(await Deno.readFile(join(sorted, "red", "r1.jpg"))).toEqual(first);
  });

  test("reports a failing model run and leaves no later run's failure unhandled", async () => {
    let runs = 0;
    const failing: ClassifierSession = {
      info: model.info,
      run: () => {
        const n = ++runs;
        return new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`run ${n} failed`)), n === 1 ? 40 : 5)
        );
      },
      release: () => Promise.resolve(),
    };
    const out = join(await Deno.makeTempDir({ dir }), "out.jsonl");
    const classified = classifyPaths(failing, [images], { format: "jsonl", out, batchSize: 1 });
    // Batches decode at their own pace, so the first batch's run is not always the first run.
    await expect(classified).rejects.toThrow(/^run \d+ failed$/);
    // Another run was under way when the first batch failed; its failure must be caught, not
    // left to kill the process as an unhandled rejection.
    expect(runs).toBeGreaterThan(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  test("closes its output file when the run fails", async () => {
    const broken: ClassifierSession = {
      info: model.info,
      run: () => Promise.reject(new Error("the model is broken")),
      release: () => Promise.resolve(),
    };
    const open = async () => (await Array.fromAsync(Deno.readDir("/proc/self/fd"))).length;
    const before = await open();
    const out = join(await Deno.makeTempDir({ dir }), "out.csv");
    await expect(classifyPaths(broken, [images], { format: "csv", out }))
      .rejects.toThrow("the model is broken");
    expect(await open()).toBe(before);
  });

  test("records true classes from folder names for the evaluation report", async () => {
    const { summary } = await run({ labelsFromFolders: true });
    const labels = summary.folderLabels!;
    // r2.png sits in red/deeper/still deeper/, a folder that names no class.
    expect(labels.yTrue.length).toBe(Object.keys(TREE_IMAGES).length - 1);
    expect(labels.yPred).toEqual(labels.yTrue);
    expect(labels.unlabelled).toBe(1);
    expect(labels.probabilities.length).toBe(labels.yTrue.length * 3);
  });
});

describe("classifyPaths() options", () => {
  test("refuses options that cannot work before it reads a file, naming the option and the value", async () => {
    const sink = { write: (bytes: Uint8Array) => Promise.resolve(bytes.length) };
    const refused: [Partial<ClassifyOptions>, RegExp][] = [
      [{ topK: 0 }, /'topK' must be a positive integer, got 0/],
      [{ batchSize: 2.5 }, /'batchSize' must be a positive integer, got 2\.5/],
      [{ format: "xml" as OutputFormat }, /'format' must be one of csv, jsonl, table, got 'xml'/],
      [{ link: true }, /'link' needs 'sortInto'/],
    ];
    for (const [options, message] of refused) {
      const error = await classifyPaths(model, [images], { sink, ...options }).catch((e) => e);
      expect(error.kind).toBe("usage");
      expect(error.message).toMatch(message);
    }
  });
});
