import { describe, expect, test } from "vitest";
import { moduleClosure } from "../_fixtures/module_graph.ts";

describe("src/evaluate/mod.ts", () => {
  test("loads no TensorFlow.js until a tfjs model is evaluated", async () => {
    const modules = await moduleClosure("src/evaluate/mod.ts");
    expect(modules.some((m) => m.includes("/src/evaluate/run.ts"))).toBe(true);
    expect(modules.filter((m) => /tensorflow|tfjs/.test(m))).toEqual([]);
  });
});

describe("src/evaluate/_tfjs_classifier.ts", () => {
  test("takes only the backend room from train/, not the training loop", async () => {
    const modules = await moduleClosure("src/evaluate/_tfjs_classifier.ts");
    const fromTrain = modules.filter((m) => m.includes("/src/train/"));
    expect(fromTrain.some((m) => m.endsWith("/src/train/backend/mod.ts"))).toBe(true);
    expect(fromTrain.filter((m) => !m.includes("/src/train/backend/"))).toEqual([]);
  });
});
