/** The runtime must start without TensorFlow.js: a prediction service never loads it. */
import { expect, test } from "vitest";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";

test("src/runtime/mod.ts imports nothing from TensorFlow.js, directly or indirectly", async () => {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL("../../src/runtime/mod.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "null",
  }).output();
  expect(code).toBe(0);
  // `modules` holds every module reached, npm packages by their entry ("npm:/name@version");
  // `npmPackages` would list the whole lockfile, reachable or not.
  const graph = JSON.parse(new TextDecoder().decode(stdout)) as {
    modules: { specifier: string }[];
  };
  const specifiers = graph.modules.map((m) => m.specifier);
  expect(specifiers.some((s) => s.endsWith("src/runtime/session.ts"))).toBe(true);
  expect(specifiers.filter((s) => s.includes("tensorflow"))).toEqual([]);
  expect(specifiers.some((s) => s.startsWith("npm:/onnxruntime-node@"))).toBe(true);
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
