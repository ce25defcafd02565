/**
 * Where models are found and what they are called: names for run folders and their variants, the
 * order that puts a run's float model before its int8 copy, and the default model of a folder.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

/**
 * The name a model is addressed by: its file name without `.onnx`, or, for the `model.onnx` that
 * `ferry export` writes into a run folder, the run folder's name
 * (`models/cifar10-notebook/model.onnx` → `cifar10-notebook`), so that served runs do not collide;
 * a variant beside it takes the folder's name too (`model.int8.onnx` → `cifar10-notebook-int8`).
 */
export function modelNameOf(path: string): string {
  const stem = basename(path).replace(/\.onnx$/i, "");
  const folder = basename(dirname(path));
  const variant = /^model(?:\.(.+))?$/.exec(stem);
  if (!variant || folder === "." || folder === "") return stem;
  return variant[1] ? `${folder}-${variant[1]}` : folder;
}

/**
 * Orders model paths by name without `.onnx`, so that a run's `model.onnx` comes before its
 * variants (`model.int8.onnx`) and stays the default where the first model found is.
 */
export function compareModelPaths(a: string, b: string): number {
  const [x, y] = [a.replace(/\.onnx$/i, ""), b.replace(/\.onnx$/i, "")];
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The first `.onnx` file under `dir` in {@linkcode compareModelPaths} order, looking at the
 * folder's own files before its sub-folders (`models/<run>/model.onnx`); undefined when there is
 * none or `dir` cannot be read.
 */
export async function findFirstModel(dir: string): Promise<string | undefined> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch {
    return undefined;
  }
  entries.sort((a, b) => compareModelPaths(a.name, b.name));
  const file = entries.find((e) => e.isFile && e.name.toLowerCase().endsWith(".onnx"));
  if (file) return join(dir, file.name);
  for (const sub of entries.filter((e) => e.isDirectory)) {
    const found = await findFirstModel(join(dir, sub.name));
    if (found) return found;
  }
  return undefined;
}
