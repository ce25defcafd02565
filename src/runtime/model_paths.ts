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
 * The models at `path`: the file itself, or a folder's `.onnx` files and those of its sub-folders
 * one level down (a `models/` folder of the run folders that `ferry export` writes into), in
 * {@linkcode compareModelPaths} order; empty when there is none or `path` cannot be read. The one
 * rule for what a folder serves, and for the default model (the first).
 */
export async function findModels(path: string): Promise<string[]> {
  const stat = await Deno.stat(path).catch(() => undefined);
  if (stat?.isFile) return [path];
  const found: string[] = [];
  for (const entry of await entriesOf(path)) {
    const child = join(path, entry.name);
    if (isOnnx(entry)) found.push(child);
    else if (entry.isDirectory) {
      for (const inner of await entriesOf(child)) {
        if (isOnnx(inner)) found.push(join(child, inner.name));
      }
    }
  }
  return found.sort(compareModelPaths);
}

const isOnnx = (entry: Deno.DirEntry) => entry.isFile && entry.name.toLowerCase().endsWith(".onnx");

/** A folder's entries; none when it cannot be read (a folder we cannot read holds no model). */
function entriesOf(dir: string): Promise<Deno.DirEntry[]> {
  return Array.fromAsync(Deno.readDir(dir)).catch(() => []);
}
