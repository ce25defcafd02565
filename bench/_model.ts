/**
 * The ONNX model the serve and classify benchmarks use: the one named by `--model`, else the
 * shipped notebook CNN (every figure in docs/benchmarks.md is of it, so they stay comparable when a
 * heavier model is shipped beside it), else the notebook's CNN with random weights (speed does not
 * depend on them).
 *
 * @module
 */
import { findModels } from "../src/runtime/mod.ts";
import { writeNotebookCnn } from "./_notebook_cnn.ts";

const NOTEBOOK_MODEL = "models/cifar10-notebook/model.onnx";

/** Path of the model to benchmark and where it came from. */
export async function benchModel(given?: string): Promise<{ path: string; source: string }> {
  if (given) return { path: given, source: "--model" };
  const [shipped] = await findModels(NOTEBOOK_MODEL);
  if (shipped) return { path: shipped, source: "shipped" };
  const dir = await Deno.makeTempDir({ prefix: "ferry-bench-" });
  return { path: await writeNotebookCnn(dir), source: "notebook CNN, random weights" };
}

/** The int8 copy beside `path` (`model.onnx` → `model.int8.onnx`), when there is one. */
export async function int8Sibling(path: string): Promise<string | undefined> {
  const sibling = path.replace(/\.onnx$/i, ".int8.onnx");
  if (sibling === path) return undefined;
  return await Deno.stat(sibling).then(() => sibling, () => undefined);
}

if (import.meta.main) console.log(JSON.stringify(await benchModel(Deno.args[0])));
