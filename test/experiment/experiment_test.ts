import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import {
  answerSentence,
  checkExperimentSpec,
  planRuns,
  runExperiment,
  type VariantSummary,
  writeExperimentReport,
} from "../../src/experiment/mod.ts";
import type { Reporter } from "../../src/progress/mod.ts";
import { setUpTiny, TINY_ARCHITECTURE, writeColourFolder } from "../train/_tiny.ts";

function recorder(): Reporter & { infos: string[] } {
  const infos: string[] = [];
  return {
    infos,
    info: (m) => void infos.push(m),
    warn: () => {},
    task: () => ({ tick() {}, done() {} }),
  };
}

function summary(variant: string, acc: number, loss: number): VariantSummary {
  return {
    variant,
    seeds: 1,
    finalValAccuracy: { mean: acc, sd: 0 },
    bestValAccuracy: { mean: acc, sd: 0 },
    bestValLoss: { mean: loss, sd: 0 },
    epochs: 3,
    seconds: 1,
    valAccuracyCurve: [acc],
    valLossCurve: [loss],
  };
}

describe("experiment specs", () => {
  test("planRuns() expands a grid in field order, once per seed, with stable run names", () => {
    const spec = checkExperimentSpec({
      name: "lr",
      base: { epochs: 2 },
      seeds: [1, 2],
      questions: [{
        id: "opt",
        title: "?",
        grid: { optimizer: ["adam", "sgd"], learningRate: [0.01] },
      }],
    });
    const runs = planRuns(spec);
    expect(runs.map((r) => r.run)).toEqual([
      "opt--optimizer-adam-learningRate-0.01--s1",
      "opt--optimizer-adam-learningRate-0.01--s2",
      "opt--optimizer-sgd-learningRate-0.01--s1",
      "opt--optimizer-sgd-learningRate-0.01--s2",
    ]);
    expect(runs[2]!.config).toMatchObject({
      epochs: 2,
      optimizer: "sgd",
      learningRate: 0.01,
      seed: 1,
    });
    expect(runs[0]!.config.outDir).toBe("runs/experiments/lr");
  });

  test("checkExperimentSpec() names what is wrong", () => {
    expect(() => checkExperimentSpec({ name: "x", questions: [] })).toThrow(
      /'questions' must be a non-empty list/,
    );
    expect(() => checkExperimentSpec({ name: "x", questions: [{ id: "q", title: "t" }] })).toThrow(
      /question 'q' has neither 'variants' nor 'grid'/,
    );
    expect(() => checkExperimentSpec({ name: "x y", questions: [] })).toThrow(
      /'name' must be an id/,
    );
  });

  test("answerSentence() ranks variants by validation accuracy and states the gaps", () => {
    const text = answerSentence([summary("tanh", 0.55, 1.3), summary("relu", 0.62, 1.1)]);
    expect(text).toBe(
      "relu reached the highest validation accuracy, 62.0%; tanh 55.0% (7.0 points lower). " +
        "It also reached the lowest validation loss (1.100).",
    );
    expect(answerSentence([summary("a", 0.6, 1.2), summary("b", 0.5, 1.0)])).toContain(
      "The lowest validation loss was b's (1.000)",
    );
    expect(answerSentence([summary("mse", 0.6, 0.07), summary("ce", 0.5, 1.0)], false)).toBe(
      "mse reached the highest validation accuracy, 60.0%; ce 50.0% (10.0 points lower).",
    );
  });

  test("answerSentence() says a gap under twice the spread across seeds is no measurable difference", () => {
    const seeded = (variant: string, mean: number, sd: number): VariantSummary => ({
      ...summary(variant, mean, 1),
      seeds: 3,
      bestValAccuracy: { mean, sd },
    });
    const text = answerSentence([
      seeded("a", 0.700, 0.010),
      seeded("b", 0.685, 0.008), // 1.5 points, under 2 × 1.0
      seeded("c", 0.650, 0.010), // 5.0 points, over 2 × 1.0
    ], false);
    expect(text).toBe(
      "a reached the highest validation accuracy, 70.0% ± 1.0; " +
        "b 68.5% ± 0.8 (1.5 points lower: no measurable difference, within twice the spread " +
        "across seeds), c 65.0% ± 1.0 (5.0 points lower).",
    );
  });
});

describe("runExperiment()", () => {
  beforeAll(setUpTiny);

  test("trains each variant once, skips finished runs when run again, and writes the report", async () => {
    const root = await Deno.makeTempDir();
    const data = await writeColourFolder(join(root, "data"), 8);
    const spec = checkExperimentSpec({
      name: "tiny",
      base: {
        data,
        architecture: TINY_ARCHITECTURE,
        backend: "cpu",
        epochs: 2,
        batchSize: 8,
        valSplit: 0.25,
        learningRate: 0.01,
      },
      seeds: [3],
      questions: [
        { id: "act", title: "ReLU or tanh?", grid: { activation: ["relu", "tanh"] } },
        // The default loss with the default activation: the same settings as activation=relu.
        { id: "loss", title: "Which loss?", grid: { loss: ["categorical_crossentropy"] } },
      ],
      runsDir: join(root, "runs"),
      reportDir: join(root, "report"),
    });
    const first = recorder();
    const outcomes = await runExperiment(spec, { reporter: first });
    expect(outcomes.map((o) => [o.variant, o.epochs])).toEqual([
      ["activation=relu", 2],
      ["activation=tanh", 2],
      ["loss=categorical_crossentropy", 2],
    ]);
    expect(first.infos.filter((m) => m.startsWith("["))).toHaveLength(2);
    expect(outcomes[2]!.run).toBe(outcomes[0]!.run);
    expect(outcomes[2]!.bestValAccuracy).toBe(outcomes[0]!.bestValAccuracy);
    expect((await Array.fromAsync(Deno.readDir(join(root, "runs")))).map((e) => e.name).sort())
      .toEqual(["act--activation-relu--s3", "act--activation-tanh--s3"]);

    const again = recorder();
    const reread = await runExperiment(spec, { reporter: again });
    expect(again.infos.filter((m) => m.startsWith("["))).toHaveLength(0);
    expect(reread.map((o) => o.bestValAccuracy)).toEqual(outcomes.map((o) => o.bestValAccuracy));

    const markdown = await writeExperimentReport(spec, reread, "deno task experiment tiny.json");
    expect(markdown).toContain("## ReLU or tanh?");
    expect(markdown).toMatch(/seeds 3, 2 runs taking [\d.]+ minutes of training in all/);
    expect(markdown).toContain("within one seed's noise");
    expect(markdown).toMatch(/\| activation=relu \| 1 \| \d+\.\d% \|/);
    expect(markdown).toContain(
      answerSentence([]).length > 0 ? "reached the highest validation accuracy" : "",
    );
    const png = await Deno.stat(join(root, "report", "act.png"));
    expect(png.size).toBeGreaterThan(1000);
    // The runs recorded layer statistics: a table and a plot per variant.
    for (const variant of ["activation=relu", "activation=tanh"]) {
      expect(markdown).toContain(`### Layers: ${variant}`);
      const slug = variant.replace("=", "-");
      expect(markdown).toContain(`(act--${slug}--layers.svg)`);
      const plot = await Deno.stat(join(root, "report", `act--${slug}--layers.png`));
      expect(plot.size).toBeGreaterThan(1000);
    }
    expect(markdown).toMatch(
      /^\| dense_1 \| 8 \| [\d.e-]+ → [\d.e-]+ \| [\d.e-]+ → [\d.e-]+ \| \d+% \| /m,
    );
    await Deno.remove(root, { recursive: true });
  });
});
