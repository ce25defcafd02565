/**
 * src/'s module graph as `deno info --json` reports it: who imports whom, statically, between
 * ferry's own files. Worker entry points are reached only through `new Worker(url)`, so the graph
 * is built from every file under src/, not from one root.
 */
import { join, relative } from "node:path";

const SRC = new URL("../../src/", import.meta.url).pathname;

interface InfoModule {
  specifier: string;
  dependencies?: {
    code?: { specifier: string };
    type?: { specifier: string };
    isDynamic?: boolean;
  }[];
}

/** `deno info --json root`: the modules that `root` reaches, with each one's dependencies. */
async function denoInfo(
  root: string,
): Promise<{ roots: string[]; modules: InfoModule[]; redirects: Record<string, string> }> {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", root],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (code !== 0) throw new Error(`deno info failed on ${root}`);
  return JSON.parse(new TextDecoder().decode(stdout));
}

/**
 * Every module `root` loads when imported: its static imports, transitively; with `dynamic`, also
 * what it may load later through `import()`.
 */
export async function moduleClosure(root: string, { dynamic = false } = {}): Promise<string[]> {
  const graph = await denoInfo(root);
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const stack = [...graph.roots];
  while (stack.length > 0) {
    const specifier = stack.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dep.isDynamic && !dynamic) continue;
      for (const target of [dep.code?.specifier, dep.type?.specifier]) {
        if (target) stack.push(graph.redirects[target] ?? target);
      }
    }
  }
  return [...seen];
}

/** Every TypeScript file under src/, relative to src/ ("serve/app.ts"). */
async function sourceFiles(dir = SRC): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) files.push(...await sourceFiles(path));
    else if (entry.name.endsWith(".ts")) files.push(relative(SRC, path));
  }
  return files.sort();
}

/** Static imports between src/ files, keyed by the importing file ("cli/main.ts" → [...]). */
export async function srcImports(): Promise<Map<string, string[]>> {
  const files = await sourceFiles();
  const root = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      root,
      files.map((f) => `import type {} from "file://${join(SRC, f)}";`).join("\n"),
    );
    const { modules } = await denoInfo(root);
    const prefix = `file://${SRC}`;
    const graph = new Map<string, string[]>();
    for (const m of modules) {
      if (!m.specifier.startsWith(prefix)) continue;
      const targets = (m.dependencies ?? [])
        .flatMap((d) => [d.code?.specifier, d.type?.specifier])
        .filter((s): s is string => s?.startsWith(prefix) ?? false)
        .map((s) => s.slice(prefix.length));
      graph.set(m.specifier.slice(prefix.length), [...new Set(targets)].sort());
    }
    return graph;
  } finally {
    await Deno.remove(root);
  }
}

/** Import circles: each strongly connected group of two or more files (Tarjan's algorithm). */
export function importCircles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== file);
      if (group.length > 1) circles.push(group.sort());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return circles;
}
