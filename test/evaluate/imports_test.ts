import { describe, expect, test } from "vitest";

interface ModuleGraph {
  roots: string[];
  modules: { specifier: string; dependencies?: Dependency[] }[];
}
interface Dependency {
  code?: { specifier: string };
  type?: { specifier: string };
  isDynamic?: boolean;
}

/** Every module `root` loads when imported: its static imports, transitively. */
async function staticImports(root: string): Promise<string[]> {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", root],
    stdout: "piped",
    stderr: "null",
  }).output();
  const graph: ModuleGraph = JSON.parse(new TextDecoder().decode(stdout));
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const stack = [...graph.roots];
  while (stack.length > 0) {
    const specifier = stack.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dep.isDynamic) continue;
      for (const target of [dep.code?.specifier, dep.type?.specifier]) {
        if (target) stack.push(target);
      }
    }
  }
  return [...seen];
}

describe("src/evaluate/mod.ts", () => {
  test("loads no TensorFlow.js until a tfjs model is evaluated", async () => {
    const modules = await staticImports("src/evaluate/mod.ts");
    expect(modules.some((m) => m.includes("/src/evaluate/run.ts"))).toBe(true);
    expect(modules.filter((m) => /tensorflow|tfjs/.test(m))).toEqual([]);
  });
});

describe("src/evaluate/_tfjs_classifier.ts", () => {
  test("takes only the backend room from train/, not the training loop", async () => {
    const modules = await staticImports("src/evaluate/_tfjs_classifier.ts");
    const fromTrain = modules.filter((m) => m.includes("/src/train/"));
    expect(fromTrain.some((m) => m.endsWith("/src/train/backend/mod.ts"))).toBe(true);
    expect(fromTrain.filter((m) => !m.includes("/src/train/backend/"))).toEqual([]);
  });
});
