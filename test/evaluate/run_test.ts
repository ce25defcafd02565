import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.ts";
import { loadImageFolder, stratifiedSplit } from "../../src/data/mod.ts";
import {
  compareWithRecorded,
  formatComparison,
  readRecordedSplits,
  runEvaluation,
} from "../../src/evaluate/mod.ts";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";
import { writeColorFolder } from "./_folder.ts";

let dir: string;
let modelPath: string;
let data: string;

beforeAll(async () => {
  dir = await Deno.makeTempDir();
  modelPath = await writeTinyModel(dir);
  data = await writeColorFolder(join(dir, "data"));
});
afterAll(async () => {
  await Deno.remove(dir, { recursive: true });
});

describe("runEvaluation()", () => {
  test("evaluates an ONNX model on an image folder and writes JSON, Markdown and the heatmap", async () => {
    const out = join(dir, "eval");
    const { evaluation, context, files } = await runEvaluation({
      model: modelPath,
      data,
      out,
      digits: 4,
      cache: false,
    });
    // One red image looks green, one blue image looks red (see _folder.ts).
    expect(evaluation.confusionMatrix).toEqual([[2, 1, 0], [0, 2, 0], [1, 0, 2]]);
    expect(evaluation.accuracy).toBe(0.75);
    expect(evaluation.reportText).toBe(
      "              precision    recall  f1-score   support\n\n" +
        "         red     0.6667    0.6667    0.6667         3\n" +
        "       green     0.6667    1.0000    0.8000         2\n" +
        "        blue     1.0000    0.6667    0.8000         3\n\n" +
        "    accuracy                         0.7500         8\n" +
        "   macro avg     0.7778    0.7778    0.7556         8\n" +
        "weighted avg     0.7917    0.7500    0.7500         8\n",
    );
    expect(context.model).toEqual({
      name: "tiny",
      path: modelPath,
      format: "onnx",
      provider: "cpu",
    });
    expect(context.comparisonNote).toMatch(/No report recorded/);

    const json = JSON.parse(await Deno.readTextFile(files!.json));
    expect(json).toMatchObject({ images: 8, accuracy: 0.75, data: { path: data } });
    expect(json.report).toEqual(evaluation.report);
    const markdown = await Deno.readTextFile(files!.markdown);
    expect(markdown).toContain(evaluation.reportText.trimEnd());
    expect(markdown).toContain("| **red** | 2 | 1 | 0 |");
    expect(markdown).toContain("![Confusion matrix](confusion.png)");
    const svg = await Deno.readTextFile(files!.svg);
    for (const name of ["red", "green", "blue"]) expect(svg).toContain(`>${name}</text>`);
    const png = await sharp(files!.png).metadata();
    const [, width, height] = svg.match(/width="(\d+)" height="(\d+)"/)!;
    expect([png.format, png.width, png.height]).toEqual(["png", Number(width), Number(height)]);
  });

  test("writes a model card whose confused pairs show the images the model confused", async () => {
    const out = join(dir, "eval-card");
    const { evaluation, card } = await runEvaluation({ model: modelPath, data, out, cache: false });
    // One red image looks green, one blue image looks red (see _folder.ts).
    expect(evaluation.mostConfused.map((p) => `${p.trueClass}→${p.predictedClass}`)).toEqual([
      "red→green",
      "blue→red",
    ]);
    const { dataset } = await loadImageFolder(data, { width: 4, height: 4, cache: false });
    for (const [i, indices] of evaluation.confusedExamples.entries()) {
      const pair = evaluation.mostConfused[i]!;
      expect(indices).toHaveLength(1);
      expect(dataset.classNames[dataset.labels[indices[0]!]!]).toBe(pair.trueClass);
    }
    const html = await Deno.readTextFile(card!.html);
    expect(html.match(/<img class="thumb" src="data:image\/png;base64,/g)).toHaveLength(2);
    expect(html).toContain('alt="red taken for green"');
    expect(html).toContain("Model card: tiny");
    const markdown = await Deno.readTextFile(card!.markdown);
    expect(markdown).toContain("| red | green | 1 | 33.3% |");
  });

  test("reports the expected calibration error and draws the reliability diagram", async () => {
    const out = join(dir, "eval-calibration");
    const { evaluation, files } = await runEvaluation({
      model: modelPath,
      data,
      out,
      cache: false,
    });
    const { ece, bins } = evaluation.calibration;
    expect(bins).toHaveLength(15);
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(8);
    // ECE is the count-weighted mean gap between each bin's accuracy and confidence.
    const gap = bins.reduce((sum, b) => sum + b.count * Math.abs(b.accuracy - b.confidence), 0);
    expect(ece).toBeCloseTo(gap / 8, 12);
    expect(ece).toBeGreaterThan(0);
    const svg = await Deno.readTextFile(files!.reliability.svg);
    expect(svg).toContain(`expected calibration error ${(100 * ece).toFixed(2)}% (15 bins)`);
    expect(svg.match(/class="accuracy"/g)?.length).toBe(bins.filter((b) => b.count > 0).length);
    expect((await sharp(files!.reliability.png).metadata()).format).toBe("png");
    const markdown = await Deno.readTextFile(files!.markdown);
    expect(markdown).toContain(`Expected calibration error (15 bins): ${ece.toFixed(4)}`);
    expect(markdown).toContain("![Reliability diagram](reliability.png)");
    expect(JSON.parse(await Deno.readTextFile(files!.json)).calibration.ece).toBe(ece);
  });

  test("states that the report matches the one a training run recorded for the same data", async () => {
    const first = await runEvaluation({ model: modelPath, data, cache: false });
    const { evaluation } = first;
    const recorded = { images: 8, loss: evaluation.loss + 5e-5, accuracy: 0.75 };
    await Deno.writeTextFile(
      join(dir, "metrics.json"),
      JSON.stringify({
        validation: { ...recorded, images: 5, report: {}, confusionMatrix: [] },
        test: {
          ...recorded,
          report: evaluation.report,
          confusionMatrix: evaluation.confusionMatrix,
        },
      }),
    );
    try {
      const { context } = await runEvaluation({ model: modelPath, data, cache: false });
      expect(context.comparison).toEqual({
        source: join(dir, "metrics.json"),
        split: "test",
        matches: true,
        differences: [],
      });
    } finally {
      await Deno.remove(join(dir, "metrics.json"));
    }
  });

  test("evaluates only the validation split when asked, carved as training carves it", async () => {
    const whole = await runEvaluation({ model: modelPath, data, cache: false });
    const { evaluation, context } = await runEvaluation({
      model: modelPath,
      data,
      cache: false,
      validationSplit: { fraction: 0.5, seed: 3 },
    });
    const { dataset } = await loadImageFolder(data, { cache: false });
    const expected = stratifiedSplit(dataset, { fraction: 0.5, seed: 3 }).validation;
    expect(evaluation.images).toBe(expected.count);
    expect(evaluation.images).toBeLessThan(whole.evaluation.images);
    expect(evaluation.report["macro avg"]).toMatchObject({ support: expected.count });
    expect(context.data.name).toContain("validation split (fraction 0.5, seed 3)");
  });

  test("lists every difference from a recorded report that does not match", async () => {
    const { evaluation } = await runEvaluation({ model: modelPath, data, cache: false });
    const matrix = evaluation.confusionMatrix.map((row) => [...row]);
    matrix[0] = [3, 0, 0];
    const report = structuredClone(evaluation.report);
    (report["red"] as { precision: number }).precision = 0.75;
    const path = join(dir, "other.json");
    await Deno.writeTextFile(
      path,
      JSON.stringify({ test: { ...evaluation, accuracy: 0.875, report, confusionMatrix: matrix } }),
    );
    const [split] = await readRecordedSplits(path);
    const comparison = compareWithRecorded(evaluation, split!);
    expect(comparison.matches).toBe(false);
    expect(comparison.differences).toEqual([
      "accuracy: recorded 0.875, now 0.75",
      `report "red" precision: recorded 0.75, now ${2 / 3}`,
      "confusion red → red: recorded 3, now 2",
      "confusion red → green: recorded 0, now 1",
    ]);
    expect(formatComparison(comparison)).toMatch(
      /^The recomputed report differs from the test report recorded in .*other\.json in 4 places:\n {2}- accuracy/,
    );
  });
});

describe("ferry evaluate", () => {
  test("prints the report and the matrix and writes the files into --out", async () => {
    const out = join(dir, "cli");
    const lines: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => lines.push(args.join(" "));
    let code: number;
    try {
      code = await main([
        "evaluate",
        "--model",
        modelPath,
        "--data",
        data,
        "--out",
        out,
        "--no-cache",
      ]);
    } finally {
      console.log = log;
    }
    expect(code).toBe(0);
    const text = lines.join("\n");
    expect(text).toContain("images: 8  loss: ");
    expect(text).toContain("    accuracy                           0.75         8\n");
    expect(text).toContain(
      "true \\ predicted  red  green  blue\n             red    2      1     0\n",
    );
    expect(text).toContain("  red → green       1  (33.3% of red)");
    const written = (await Array.fromAsync(Deno.readDir(out))).map((e) => e.name).sort();
    expect(written).toEqual([
      "card.html",
      "card.md",
      "config.json",
      "confusion.png",
      "confusion.svg",
      "reliability.png",
      "reliability.svg",
      "report.json",
      "report.md",
    ]);
  });

  test("--split validation reads the fraction and seed from the run's config.json beside the model", async () => {
    const runDir = join(dir, "run");
    await Deno.mkdir(runDir, { recursive: true });
    const model = join(runDir, "model.onnx");
    await Deno.copyFile(modelPath, model);
    await Deno.writeTextFile(
      join(runDir, "config.json"),
      JSON.stringify({ valSplit: 0.5, seed: 3 }),
    );
    const out = join(dir, "split");
    const args = [
      "evaluate",
      "--model",
      model,
      "--data",
      data,
      "--split",
      "validation",
      "--no-cache",
    ];
    const log = console.log;
    console.log = () => {};
    try {
      expect(await main([...args, "--out", out])).toBe(0);
      const report = JSON.parse(await Deno.readTextFile(join(out, "report.json")));
      expect(report.data.name).toContain("validation split (fraction 0.5, seed 3)");
      await Deno.remove(join(runDir, "config.json"));
      const error = console.error;
      console.error = () => {};
      try {
        expect(await main(args)).toBe(2);
      } finally {
        console.error = error;
      }
    } finally {
      console.log = log;
    }
  });

  test("fails with a usage error when --data is missing", async () => {
    const error = console.error;
    console.error = () => {};
    try {
      expect(await main(["evaluate", "--model", modelPath])).toBe(2);
    } finally {
      console.error = error;
    }
  });
});
