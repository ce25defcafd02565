import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FerryError } from "../../src/errors.ts";
import { loadModel } from "../../src/model/mod.ts";
import {
  CHECKPOINT_DIR,
  type EpochLog,
  resumeRun,
  RUN_FILES,
  trainRun,
  type TrainRunOptions,
} from "../../src/train/mod.ts";
import { silentReporter } from "../../src/progress/mod.ts";
import { setUpTiny, tinyConfig, writeColourFolder } from "./_tiny.ts";

let root = "";
let data = "";
let test = "";
const noCache: TrainRunOptions = { imageFolder: { cache: false } };

// Callbacks tuned so that both act inside five epochs: ReduceLROnPlateau sees no improvement of
// 10 after the first epoch and halves the rate every epoch; EarlyStopping stops at epoch 4.
const callbacks = {
  epochs: 5,
  minDelta: 10,
  patience: 3,
  reduceLrMinDelta: 10,
  reduceLrPatience: 1,
  reduceLrFactor: 0.5,
};

const withoutTime = (history: EpochLog[]) => history.map(({ seconds: _, ...rest }) => rest);

beforeAll(async () => {
  await setUpTiny();
  root = await Deno.makeTempDir({ prefix: "ferry-train-" });
  data = await writeColourFolder(join(root, "data"), 12);
  test = await writeColourFolder(join(root, "test"), 2);
});

afterAll(async () => {
  await Deno.remove(root, { recursive: true });
});

describe("trainRun()", () => {
  it("writes the model, history, config, classes, metrics and curves of a run", async () => {
    const outDir = join(root, "runs");
    const result = await trainRun(
      tinyConfig(data, outDir, { epochs: 2, run: "outputs", testData: test }),
      noCache,
    );
    const dir = join(outDir, "outputs");
    expect(result.runDir).toBe(dir);
    for (const file of [...Object.values(RUN_FILES), "model.json", "weights.bin"]) {
      expect((await Deno.stat(join(dir, file))).size, file).toBeGreaterThan(0);
    }
    const csv = (await Deno.readTextFile(join(dir, RUN_FILES.historyCsv))).trim().split("\n");
    expect(csv[0]).toBe("epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds");
    expect(csv).toHaveLength(3);
    const history = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.historyJson)));
    expect(Object.keys(history.history).join(",")).toBe(csv[0]); // Keras' layout
    expect(history.epochs).toHaveLength(2);
    const classes = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.classes)));
    expect(classes).toEqual(["c0_red", "c1_green", "c2_blue"]);
    const config = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.config)));
    expect(config).toMatchObject({ epochs: 2, run: "outputs", architecture: "tiny_test_cnn" });
    const metrics = JSON.parse(await Deno.readTextFile(join(dir, RUN_FILES.metrics)));
    expect(metrics.validation.images).toBe(9);
    expect(metrics.validation.accuracy).toBe(result.validation.accuracy);
    expect(metrics.test.images).toBe(6);
    expect(metrics.test.confusionMatrix.flat().reduce((a: number, b: number) => a + b)).toBe(6);
    expect(await Deno.readTextFile(join(dir, RUN_FILES.report))).toMatch(/^Test \(6 images\)$/m);
    // The run's model card: its recipe, curves and validation report.
    const card = await Deno.readTextFile(join(dir, "card.md"));
    expect(card).toContain("# Model card: outputs");
    expect(card).toContain("| architecture | tiny_test_cnn |");
    expect(card).toMatch(/^\| 2 \| 0\.\d{4} \| 0\.\d{4} \|/m);
    expect(card).toContain(`accuracy **${(100 * result.validation.accuracy).toFixed(2)}%**`);
    expect(await Deno.readTextFile(join(dir, "card.html"))).toContain('<section id="curves">');
    const model = await loadModel(dir);
    expect(model.outputs[0]!.shape).toEqual([null, 3]);
    model.dispose();
  });

  it("refuses to start over an existing run folder", async () => {
    const outDir = join(root, "runs");
    const error = await trainRun(tinyConfig(data, outDir, { run: "outputs" }), noCache).catch((
      e,
    ) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect(error.message).toMatch(/already exists; use --resume outputs/);
  });

  it("with whitenFirstConv, trains from a first convolution fitted to the training patches", async () => {
    const outDir = join(root, "runs");
    const said: string[] = [];
    const reporter = { ...silentReporter, info: (message: string) => said.push(message) };
    const config = tinyConfig(data, outDir, { epochs: 1, run: "whitened", whitenFirstConv: true });
    const result = await trainRun(config, { ...noCache, reporter });
    expect(said).toContain("Whitened the first convolution (conv2d)");
    expect(result.config.whitenFirstConv).toBe(true);
    const saved = JSON.parse(await Deno.readTextFile(join(result.runDir, RUN_FILES.config)));
    expect(saved.whitenFirstConv).toBe(true);
  });

  it("resumed after a kill, gives the same history and weights as an uninterrupted run", async () => {
    const outDir = join(root, "resume");
    const whole = await trainRun(tinyConfig(data, outDir, { ...callbacks, run: "whole" }), noCache);
    expect(whole.stoppedEarly).toBe(true);
    expect(whole.history).toHaveLength(4);
    expect(whole.history.map((h) => h.learning_rate)).toEqual([0.01, 0.01, 0.005, 0.0025].map(
      Math.fround,
    ));

    const killed = await trainRun(tinyConfig(data, outDir, { ...callbacks, run: "killed" }), {
      ...noCache,
      afterCheckpoint: (epoch) => {
        if (epoch === 2) throw new Error("simulated kill after epoch 2");
      },
    }).catch((e) => e);
    expect(killed.message).toBe("simulated kill after epoch 2");
    const checkpoints = [...Deno.readDirSync(join(outDir, "killed", CHECKPOINT_DIR))];
    expect(checkpoints.map((e) => e.name)).toEqual(["epoch-0002"]);

    const tensorsBefore = tf.memory().numTensors;
    const resumed = await resumeRun(join(outDir, "killed"), noCache);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(withoutTime(resumed.history)).toEqual(withoutTime(whole.history));
    expect(resumed.weightsEpoch).toBe(whole.weightsEpoch);
    const weights = async (run: string) => {
      const model = await loadModel(join(outDir, run));
      const values = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return values;
    };
    expect(await weights("killed")).toEqual(await weights("whole"));
  });

  it("resumes a run saved before layer records existed; its history.json loads and round-trips the new epochs' records", async () => {
    const outDir = join(root, "before-layers");
    const runDir = join(outDir, "old");
    const config = tinyConfig(data, outDir, {
      run: "old",
      epochs: 3,
      earlyStopping: false,
      reduceLr: false,
      layerStatsEvery: 0,
    });
    await trainRun(config, {
      ...noCache,
      afterCheckpoint: (epoch) => {
        if (epoch === 1) throw new Error("simulated kill after epoch 1");
      },
    }).catch((e) => e);
    // What a run of an older ferry left: no layer records, no layerStatsEvery in its config.
    const readJson = async (file: string) =>
      JSON.parse(await Deno.readTextFile(join(runDir, file)));
    const old = await readJson(RUN_FILES.historyJson);
    expect(old.epochs).toHaveLength(1);
    expect(old.epochs[0].layers).toBeUndefined();
    const { layerStatsEvery: _, ...saved } = await readJson(RUN_FILES.config);
    await Deno.writeTextFile(join(runDir, RUN_FILES.config), JSON.stringify(saved));

    const resumed = await resumeRun(runDir, noCache);
    expect(resumed.history.map((log) => log.layers === undefined)).toEqual([true, false, false]);
    const file = await readJson(RUN_FILES.historyJson);
    expect(file.epochs).toEqual(resumed.history);
    expect(Object.keys(file.history)).toEqual(
      ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "learning_rate", "seconds"],
    );
    expect((await Deno.stat(join(runDir, RUN_FILES.layerStatsPng))).size).toBeGreaterThan(1000);
    const svg = await Deno.readTextFile(join(runDir, RUN_FILES.layerStatsSvg));
    expect(svg).toContain(">Gradient norm per layer</text>");
    // Epoch 1 has no record: each layer's line starts at epoch 2.
    expect(svg.match(/<polyline /g)).toHaveLength(2 * Object.keys(file.epochs[2].layers).length);
  });
});
