/** The runtime must start without TensorFlow.js: a prediction service never loads it. */
import { expect, test } from "vitest";
import { moduleClosure } from "../_fixtures/module_graph.ts";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";

test("src/runtime/mod.ts imports nothing from TensorFlow.js, directly or indirectly", async () => {
  const modules = await moduleClosure(
    new URL("../../src/runtime/mod.ts", import.meta.url).pathname,
    { dynamic: true },
  );
  expect(modules.some((s) => s.endsWith("src/runtime/session.ts"))).toBe(true);
  expect(modules.filter((s) => s.includes("tensorflow"))).toEqual([]);
  // npm packages appear as their files under node_modules/ (`nodeModulesDir: manual`).
  expect(modules.some((s) => s.includes("/node_modules/onnxruntime-node/"))).toBe(true);
});

test("src/runtime/mod.ts loads onnxruntime's library only when a session opens", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-imports-" });
  const model = await writeTinyModel(dir);
  // A fresh process: this one may have loaded onnxruntime for other tests already.
  const script = `
    const mapped = async () => (await Deno.readTextFile("/proc/self/maps")).includes("libonnxruntime");
    const runtime = await import(${
    JSON.stringify(new URL("../../src/runtime/mod.ts", import.meta.url).href)
  });
    const before = await mapped();
    const session = await runtime.openClassifier(${JSON.stringify(model)});
    console.log(JSON.stringify([before, await mapped()]));
    await session.release();
  `;
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  await Deno.remove(dir, { recursive: true });
  expect(code).toBe(0);
  expect(JSON.parse(new TextDecoder().decode(stdout))).toEqual([false, true]);
});
