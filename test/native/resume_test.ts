import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadModel } from "../../src/model/mod.ts";
import { type EpochLog, resumeRun, trainRun, type TrainRunOptions } from "../../src/train/mod.ts";
import { setUpTiny, tinyConfig, writeColourFolder } from "../train/_tiny.ts";

let root = "";
let data = "";
const noCache: TrainRunOptions = { imageFolder: { cache: false } };
const withoutTime = (history: EpochLog[]) => history.map(({ seconds: _, ...rest }) => rest);

beforeAll(async () => {
  await setUpTiny();
  root = await Deno.makeTempDir({ prefix: "ferry-native-resume-" });
  data = await writeColourFolder(join(root, "data"), 12);
});
afterAll(async () => {
  await Deno.remove(root, { recursive: true });
});

it("a native run with TensorFlow's Adam, resumed after a kill, equals an uninterrupted one", async () => {
  const config = (run: string) =>
    tinyConfig(data, root, { run, backend: "tensorflow", epochs: 4, earlyStopping: false });
  const whole = await trainRun(config("whole"), noCache);
  expect(whole.backend.name).toBe("tensorflow");
  expect(whole.history.at(-1)!.loss).toBeLessThan(whole.history[0]!.loss);

  const killed = await trainRun(config("killed"), {
    ...noCache,
    afterCheckpoint: (epoch) => {
      if (epoch === 2) throw new Error("simulated kill");
    },
  }).catch((e) => e);
  expect(killed.message).toBe("simulated kill");
  const resumed = await resumeRun(join(root, "killed"), noCache);
  expect(withoutTime(resumed.history)).toEqual(withoutTime(whole.history));
  const weights = async (run: string) => {
    const model = await loadModel(join(root, run));
    const values = model.getWeights().map((w) => Array.from(w.dataSync()));
    model.dispose();
    return values;
  };
  expect(await weights("killed")).toEqual(await weights("whole"));
});
