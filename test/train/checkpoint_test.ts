import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type Checkpoint,
  CHECKPOINT_DIR,
  disposeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from "../../src/train/mod.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function checkpointAt(epoch: number): Checkpoint {
  return {
    state: { epoch, learningRate: 0.001, history: [], stopped: false },
    modelWeights: [tf.tensor2d([[epoch, 2], [3, 4]]), tf.tensor1d([5, 6])],
    optimizerWeights: [
      { name: "iter", tensor: tf.scalar(epoch * 10, "int32") },
      { name: "dense/kernel/m", tensor: tf.tensor1d([0.5, -0.5]) },
    ],
  };
}

describe("saveCheckpoint() and loadCheckpoint()", () => {
  it("round-trip state, model and optimiser weights, dtypes and names included", async () => {
    const dir = await Deno.makeTempDir();
    const saved = checkpointAt(3);
    await saveCheckpoint(dir, saved);
    const loaded = (await loadCheckpoint(dir))!;
    expect(loaded.state).toEqual(saved.state);
    expect(loaded.modelWeights.map((t) => t.shape)).toEqual([[2, 2], [2]]);
    expect(Array.from(loaded.modelWeights[0]!.dataSync())).toEqual([3, 2, 3, 4]);
    expect(loaded.optimizerWeights.map((w) => [w.name, w.tensor.dtype])).toEqual([
      ["iter", "int32"],
      ["dense/kernel/m", "float32"],
    ]);
    expect(loaded.bestWeights).toBeUndefined();
    disposeCheckpoint(saved);
    disposeCheckpoint(loaded);
    await Deno.remove(dir, { recursive: true });
  });

  it("keeps only the newest complete checkpoint and ignores a half-written one", async () => {
    const dir = await Deno.makeTempDir();
    for (const epoch of [1, 2]) {
      const c = checkpointAt(epoch);
      await saveCheckpoint(dir, c);
      disposeCheckpoint(c);
    }
    // A crash in the middle of writing epoch 3 leaves only its temporary folder behind.
    await Deno.mkdir(join(dir, CHECKPOINT_DIR, ".tmp-epoch-0003-999"));
    await Deno.writeTextFile(join(dir, CHECKPOINT_DIR, ".tmp-epoch-0003-999", "state.json"), "{");
    const names = [...Deno.readDirSync(join(dir, CHECKPOINT_DIR))].map((e) => e.name).sort();
    expect(names).toEqual([".tmp-epoch-0003-999", "epoch-0002"]);
    const loaded = (await loadCheckpoint(dir))!;
    expect(loaded.state.epoch).toBe(2);
    disposeCheckpoint(loaded);
    await Deno.remove(dir, { recursive: true });
  });

  it("finds nothing in a run that has no checkpoint yet", async () => {
    expect(await loadCheckpoint("/nonexistent/run")).toBeUndefined();
  });
});
