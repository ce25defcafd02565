/** Model cards: gathered from a run folder, rendered as one self-contained page and Markdown. */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CARD_SECTIONS,
  modelCardHtml,
  modelCardMarkdown,
  readRunCard,
  thumbnails,
  writeCard,
} from "../../src/card/mod.ts";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";

let dir: string;

beforeAll(async () => {
  dir = await Deno.makeTempDir({ prefix: "ferry_card_" });
  await writeTinyModel(dir);
  await Deno.writeTextFile(
    join(dir, "config.json"),
    JSON.stringify({ run: "tiny-run", architecture: "tiny_cnn", epochs: 2, learningRate: 0.01 }),
  );
  await Deno.writeTextFile(join(dir, "classes.json"), JSON.stringify(["red", "green", "blue"]));
  await Deno.writeTextFile(
    join(dir, "history.json"),
    JSON.stringify({
      epochs: [
        { epoch: 1, loss: 1.2, accuracy: 0.5, val_loss: 1.1, val_accuracy: 0.55 },
        { epoch: 2, loss: 0.9, accuracy: 0.7, val_loss: 1.0, val_accuracy: 0.6 },
      ],
    }),
  );
  const scores = (p: number) => ({ precision: p, recall: p, "f1-score": p, support: 4 });
  await Deno.writeTextFile(
    join(dir, "metrics.json"),
    JSON.stringify({
      validation: {
        images: 12,
        loss: 0.8,
        accuracy: 0.75,
        report: {
          red: scores(1),
          green: scores(0.5),
          blue: scores(0.75),
          accuracy: 0.75,
          "macro avg": { ...scores(0.75), support: 12 },
          "weighted avg": { ...scores(0.75), support: 12 },
        },
        confusionMatrix: [[4, 0, 0], [2, 2, 0], [0, 1, 3]],
      },
    }),
  );
});
afterAll(() => Deno.remove(dir, { recursive: true }));

describe("readRunCard()", () => {
  test("gathers the recipe, the curves, the recorded metrics and the ONNX file's metadata", async () => {
    const card = await readRunCard(dir, join(dir, "tiny.onnx"));
    expect(card.title).toBe("tiny-run");
    expect(card.recipe).toMatchObject({ architecture: "tiny_cnn", epochs: 2 });
    expect(card.history).toEqual({
      accuracy: [0.5, 0.7],
      loss: [1.2, 0.9],
      val_accuracy: [0.55, 0.6],
      val_loss: [1.1, 1.0],
    });
    expect(card.evaluation?.accuracy).toBe(0.75);
    expect(card.evaluation?.mostConfused.map((p) => [p.trueClass, p.predictedClass, p.count]))
      .toEqual([["green", "red", 2], ["blue", "green", 1]]);
    expect(JSON.parse(card.metadata!["ferry.class_names"]!)).toEqual(["red", "green", "blue"]);
  });
});

describe("modelCardHtml()", () => {
  test("renders every section from inline parts only: no script, no link, no remote source", async () => {
    const card = await readRunCard(dir, join(dir, "tiny.onnx"));
    const pixels = new Uint8Array(2 * 2 * 2 * 3).fill(200);
    card.evaluation!.examples = [await thumbnails(pixels, 2, 2, [1]), []];
    const html = modelCardHtml(card);
    for (const [id, heading] of CARD_SECTIONS) {
      expect(html).toContain(`<section id="${id}"><h2>${heading}</h2>`);
    }
    expect(html).toContain("<svg"); // curves and heatmap
    expect(html).toMatch(
      /<img class="thumb" src="data:image\/png;base64,[A-Za-z0-9+/=]+" alt="green taken for red">/,
    );
    expect(html).not.toMatch(/<script|<link|src="http|href="http|@import|url\(http/);
    expect(html).toContain("Not measured here"); // training keeps no probabilities
  });

  test("escapes names that would otherwise become markup", () => {
    const html = modelCardHtml({ title: "<b>x</b>", recipe: { data: "a&b" } });
    expect(html).toContain("Model card: &lt;b&gt;x&lt;/b&gt;");
    expect(html).toContain("<td>a&amp;b</td>");
  });
});

describe("writeCard()", () => {
  test("writes card.html and card.md with the same sections", async () => {
    const out = join(dir, "card");
    const files = await writeCard(out, await readRunCard(dir, join(dir, "tiny.onnx")));
    const markdown = await Deno.readTextFile(files.markdown);
    for (const [, heading] of CARD_SECTIONS) expect(markdown).toContain(`## ${heading}`);
    expect(markdown).toContain("| 2 | 0.7000 | 0.6000 | 0.9000 | 1.0000 |");
    expect(markdown).toContain("| **green** | 2 | 2 | 0 |");
    expect(modelCardMarkdown({ title: "t" })).toContain("_Not evaluated._");
    expect(await Deno.readTextFile(files.html)).toContain("Model card: tiny-run");
  });
});
