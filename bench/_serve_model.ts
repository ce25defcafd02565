/**
 * The ONNX model the serve benchmark uses: the shipped one (first `.onnx` under models/), or,
 * until one is shipped, the notebook's CNN with random weights exported to a temporary file
 * (speed does not depend on the weights).
 *
 * @module
 */
import { join } from "node:path";

async function firstOnnx(dir: string): Promise<string | undefined> {
  const entries = await Array.fromAsync(Deno.readDir(dir)).catch(() => []);
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isFile && entry.name.endsWith(".onnx")) return path;
    if (entry.isDirectory) {
      const found = await firstOnnx(path);
      if (found) return found;
    }
  }
  return undefined;
}

/** Path of the model to benchmark and where it came from. */
export async function benchModel(): Promise<{ path: string; source: string }> {
  const shipped = await firstOnnx("models");
  if (shipped) return { path: shipped, source: "shipped" };
  const { buildModel } = await import("../src/model/mod.ts");
  const { toOnnx } = await import("../src/export/to_onnx.ts");
  const model = buildModel("notebook_cnn", { seed: 1 });
  const { bytes } = toOnnx(model);
  model.dispose();
  const dir = await Deno.makeTempDir({ prefix: "ferry-bench-" });
  const path = join(dir, "notebook_cnn_random.onnx");
  await Deno.writeFile(path, bytes);
  return { path, source: "notebook CNN, random weights" };
}

if (import.meta.main) console.log(JSON.stringify(await benchModel()));
