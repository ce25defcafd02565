/** The runtime must start without TensorFlow.js: a prediction service never loads it. */
import { expect, test } from "vitest";

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
