import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { FerryError } from "../errors.ts";
import { weightBytes } from "../model/mod.ts";
import type { EarlyStoppingState } from "./early_stopping.ts";
import type { EpochLog } from "./history.ts";
import type { ReduceLrState } from "./reduce_lr.ts";

/** Folder of a run's checkpoints (ignored by git: `/models/*\/checkpoint*\/`). */
export const CHECKPOINT_DIR = "checkpoints";

/** The loop's state after an epoch, as JSON. */
export interface CheckpointState {
  /** Epochs completed. */
  epoch: number;
  /** Learning rate for the next epoch. */
  learningRate: number;
  history: EpochLog[];
  earlyStopping?: EarlyStoppingState;
  reduceLr?: ReduceLrState;
  /** Whether early stopping ended the run at this epoch. */
  stopped: boolean;
}

/** What a checkpoint holds: the state plus three groups of tensors. */
export interface Checkpoint {
  state: CheckpointState;
  /** The model's weights, in `model.getWeights()` order. */
  modelWeights: tf.Tensor[];
  /** The optimiser's weights (iteration count, moments), as `optimizer.getWeights()` gives them. */
  optimizerWeights: NamedTensor[];
  /** EarlyStopping's best-weights snapshot, in model order, if one was taken. */
  bestWeights?: tf.Tensor[];
}

/** A tensor with a name, as optimisers list their weights. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

const GROUPS = ["model", "optimizer", "best"] as const;
type Group = typeof GROUPS[number];

interface StateFile {
  format: "ferry-checkpoint/1";
  state: CheckpointState;
  specs: Partial<Record<Group, tf.io.WeightsManifestEntry[]>>;
}

const epochName = (epoch: number) => `epoch-${String(epoch).padStart(4, "0")}`;

/**
 * Writes a checkpoint into `<runDir>/checkpoints/epoch-NNNN/` atomically: everything goes to a
 * temporary folder first, which is then renamed (rename is atomic within one file system), and
 * older checkpoints are removed only after that. A kill at any moment leaves the previous
 * complete checkpoint or the new one, never a half-written one.
 */
export async function saveCheckpoint(runDir: string, checkpoint: Checkpoint): Promise<string> {
  const root = join(runDir, CHECKPOINT_DIR);
  await Deno.mkdir(root, { recursive: true });
  const name = epochName(checkpoint.state.epoch);
  const tmp = join(root, `.tmp-${name}-${Deno.pid}`);
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
  await Deno.mkdir(tmp);
  const groups: Record<Group, NamedTensor[] | undefined> = {
    model: checkpoint.modelWeights.map((tensor, i) => ({ name: `w${i}`, tensor })),
    optimizer: checkpoint.optimizerWeights,
    best: checkpoint.bestWeights?.map((tensor, i) => ({ name: `w${i}`, tensor })),
  };
  const file: StateFile = { format: "ferry-checkpoint/1", state: checkpoint.state, specs: {} };
  for (const group of GROUPS) {
    const tensors = groups[group];
    if (!tensors) continue;
    const { data, specs } = await tf.io.encodeWeights(tensors);
    file.specs[group] = specs;
    await Deno.writeFile(join(tmp, `${group}.bin`), weightBytes(data));
  }
  await Deno.writeTextFile(join(tmp, "state.json"), JSON.stringify(file));
  const target = join(root, name);
  await Deno.remove(target, { recursive: true }).catch(() => {});
  await Deno.rename(tmp, target);
  for await (const entry of Deno.readDir(root)) {
    if (entry.name !== name) await Deno.remove(join(root, entry.name), { recursive: true });
  }
  return target;
}

/** The newest complete checkpoint of a run, or undefined when it has none. */
export async function loadCheckpoint(runDir: string): Promise<Checkpoint | undefined> {
  const root = join(runDir, CHECKPOINT_DIR);
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(root)) {
      if (/^epoch-\d+$/.test(entry.name)) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const latest = names.sort().at(-1);
  if (latest === undefined) return undefined;
  const dir = join(root, latest);
  let file: StateFile;
  try {
    file = JSON.parse(await Deno.readTextFile(join(dir, "state.json")));
  } catch (error) {
    throw new FerryError("model", `Cannot read checkpoint '${dir}': ${(error as Error).message}`);
  }
  const read = async (group: Group): Promise<NamedTensor[] | undefined> => {
    const specs = file.specs[group];
    if (!specs) return undefined;
    const bytes = await Deno.readFile(join(dir, `${group}.bin`));
    const map = tf.io.decodeWeights(bytes.buffer as ArrayBuffer, specs);
    return specs.map((spec) => ({ name: spec.name, tensor: map[spec.name]! }));
  };
  const model = await read("model");
  const optimizer = await read("optimizer");
  const best = await read("best");
  if (!model || !optimizer) {
    throw new FerryError("model", `Cannot read checkpoint '${dir}': weights missing`);
  }
  return {
    state: file.state,
    modelWeights: model.map((w) => w.tensor),
    optimizerWeights: optimizer,
    ...(best ? { bestWeights: best.map((w) => w.tensor) } : {}),
  };
}

/** Frees the tensors of a loaded checkpoint. */
export function disposeCheckpoint(checkpoint: Checkpoint): void {
  tf.dispose([
    ...checkpoint.modelWeights,
    ...checkpoint.optimizerWeights.map((w) => w.tensor),
    ...(checkpoint.bestWeights ?? []),
  ]);
}
