/** The runtime must start without TensorFlow.js: a prediction service never loads it. */
import { expect, test } from "vitest";
import { moduleClosure } from "../_fixtures/module_graph.ts";

test("src/runtime/mod.ts imports nothing from TensorFlow.js, directly or indirectly", async () => {
  const modules = await moduleClosure(
    new URL("../../src/runtime/mod.ts", import.meta.url).pathname,
    { dynamic: true },
  );
  expect(modules.some((s) => s.endsWith("src/runtime/session.ts"))).toBe(true);
  expect(modules.filter((s) => s.includes("tensorflow"))).toEqual([]);
  expect(modules.some((s) => s.startsWith("npm:/onnxruntime-node@"))).toBe(true);
});
