/**
 * The model repository's layout, Triton's: `DIR/<name>/<version>/model.onnx`, and a bare
 * `DIR/<name>/model.onnx` read as version 1.
 *
 * @module
 */
import { join } from "node:path";

/** One model version found in a repository. */
export interface RepositoryEntry {
  name: string;
  /** A positive integer as text. */
  version: string;
  path: string;
  /** Modification time of the file, so a rescan sees a file replaced in place. */
  mtimeMs: number;
}

const VERSION = /^[1-9]\d*$/;
const MODEL_FILE = "model.onnx";

/**
 * The model versions under `dir`, by name then version. Folders whose name is no positive
 * integer and files other than `model.onnx` are not models and are passed over, as Triton does;
 * a `dir` that cannot be read is an error for the caller, a model folder that cannot is empty.
 *
 * @example
 * ```ts
 * // models/cifar10/1/model.onnx, models/cifar10/3/model.onnx, models/tiny/model.onnx
 * await scanRepository("models"); // cifar10 1, cifar10 3, tiny 1
 * ```
 */
export async function scanRepository(dir: string): Promise<RepositoryEntry[]> {
  const found: RepositoryEntry[] = [];
  for (const model of await Array.fromAsync(Deno.readDir(dir))) {
    if (!model.isDirectory || model.name.startsWith(".")) continue;
    const folder = join(dir, model.name);
    const bare = await fileAt(join(folder, MODEL_FILE));
    if (bare) found.push({ name: model.name, version: "1", ...bare });
    for (const entry of await Array.fromAsync(Deno.readDir(folder)).catch(() => [])) {
      if (!entry.isDirectory || !VERSION.test(entry.name)) continue;
      // A numbered folder overrides the bare file for version 1.
      const file = await fileAt(join(folder, entry.name, MODEL_FILE));
      if (!file) continue;
      const at = found.findIndex((e) => e.name === model.name && e.version === entry.name);
      const versioned = { name: model.name, version: entry.name, ...file };
      if (at >= 0) found[at] = versioned;
      else found.push(versioned);
    }
  }
  return found.sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : Number(a.version) - Number(b.version)
  );
}

async function fileAt(path: string): Promise<{ path: string; mtimeMs: number } | undefined> {
  const stat = await Deno.stat(path).catch(() => undefined);
  return stat?.isFile ? { path, mtimeMs: stat.mtime?.getTime() ?? 0 } : undefined;
}
