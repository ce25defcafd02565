import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FerryError } from "../../src/errors.ts";
import { buildModel, loadModel, saveModel } from "../../src/model/mod.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("saveModel() and loadModel()", () => {
  it("round-trip the topology, the weights and the metadata through plain files", async () => {
    const dir = await Deno.makeTempDir();
    const model = buildModel("notebook_cnn", { inputShape: [8, 8, 3], numClasses: 3, seed: 9 });
    await saveModel(model, dir, { ferry: { classNames: ["a", "b", "c"] } });
    const json = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
    expect(json.format).toBe("layers-model");
    expect(json.weightsManifest[0].paths).toEqual(["weights.bin"]);
    const loaded = await loadModel(dir);
    expect(loaded.getUserDefinedMetadata()).toEqual({ ferry: { classNames: ["a", "b", "c"] } });
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, "float32", 1);
    const [p, q] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(q.dataSync())).toEqual(Array.from(p.dataSync()));
    tf.dispose([x, p, q]);
    model.dispose();
    loaded.dispose();
    await Deno.remove(dir, { recursive: true });
  });

  it("says which folder holds no model", async () => {
    const error = await loadModel("/nonexistent/run").catch((e) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect(error.kind).toBe("not_found");
    expect(error.message).toMatch(/Cannot load model '\/nonexistent\/run'/);
  });
});
