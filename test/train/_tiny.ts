/**
 * Tiny, learnable fixtures for training tests on the cpu backend: a small conv net registered as
 * an architecture, and three-class images whose class is the brightest colour channel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import sharp from "sharp";
import { createBatches, createRng, type ImageDataset } from "../../src/data/mod.ts";
import { FERRY_INPUT_SPEC } from "../../src/image/mod.ts";
import { listArchitectures, type ModelOptions, registerArchitecture } from "../../src/model/mod.ts";
import { silentReporter } from "../../src/progress/mod.ts";
import {
  type BatchSource,
  type FitOptions,
  initBackend,
  TRAIN_DEFAULTS,
  type TrainConfig,
} from "../../src/train/mod.ts";

/** Registry name of the tiny architecture. */
export const TINY_ARCHITECTURE = "tiny_test_cnn";

/**
 * Conv(4) → MaxPool → Flatten → Dense(8) → Dropout → Dense(classes): ~300 parameters. The
 * trainable layers are named, as ferry's architectures name theirs, so that a run resumed in the
 * same process records its layers under the same names (tfjs numbers unnamed layers per process).
 */
export function buildTinyCnn(options: ModelOptions): tf.LayersModel {
  const init = (i: number) => tf.initializers.glorotUniform({ seed: options.seed + i });
  const model = tf.sequential({ name: "tiny" });
  model.add(tf.layers.conv2d({
    inputShape: options.inputShape,
    filters: 4,
    kernelSize: 3,
    padding: "same",
    activation: options.activation,
    kernelInitializer: init(0),
    name: "conv2d",
  }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(
    tf.layers.dense({
      units: 8,
      activation: options.activation,
      kernelInitializer: init(1),
      name: "dense_1",
    }),
  );
  model.add(tf.layers.dropout({ rate: options.dropout }));
  model.add(tf.layers.dense({
    units: options.numClasses,
    activation: "softmax",
    kernelInitializer: init(2),
    name: "dense_2",
  }));
  return model;
}

/** Registers the tiny architecture once per module graph and selects the cpu backend. */
export async function setUpTiny(): Promise<void> {
  if (!listArchitectures().some((a) => a.name === TINY_ARCHITECTURE)) {
    registerArchitecture({
      name: TINY_ARCHITECTURE,
      description: "test-only",
      build: buildTinyCnn,
    });
  }
  await initBackend("cpu", silentReporter);
}

/** Pixels of one image of class `label`: that channel bright, the others dark, plus noise. */
function pixelsOf(label: number, side: number, rng: ReturnType<typeof createRng>): Uint8Array {
  const out = new Uint8Array(side * side * 3);
  for (let i = 0; i < out.length; i++) {
    const base = i % 3 === label ? 170 : 40;
    out[i] = base + rng.int(60);
  }
  return out;
}

/** An in-memory dataset of `perClass` images for each of 3 classes, `side`×`side`. */
export function colourDataset(perClass: number, side = 8, seed = 1): ImageDataset {
  const rng = createRng(seed);
  const count = perClass * 3;
  const pixels = side * side * 3;
  const images = new Uint8Array(count * pixels);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    labels[n] = n % 3;
    images.set(pixelsOf(n % 3, side, rng), n * pixels);
  }
  return { images, labels, classNames: ["red", "green", "blue"], width: side, height: side, count };
}

/** `dataset` in batches of 8 for fit(), shuffled per epoch (seed 3) when asked. */
export function tinySource(dataset: ImageDataset, shuffle: boolean): BatchSource {
  const spec = { ...FERRY_INPUT_SPEC, width: dataset.width, height: dataset.height };
  return {
    steps: Math.ceil(dataset.count / 8),
    batches: (epoch) => createBatches(dataset, { batchSize: 8, shuffle, seed: 3, epoch, spec }),
  };
}

/** fit()'s options for the tiny tests: one epoch of Adam at 0.01, no callbacks. */
export const TINY_FIT_OPTIONS: FitOptions = {
  epochs: 1,
  loss: "categorical_crossentropy",
  optimizer: { name: "adam", learningRate: 0.01, momentum: 0 },
  seed: 5,
  earlyStopping: false,
  reduceLr: false,
};

/** Writes `perClass` PNG files per class into `<dir>/<class>/` and returns `dir`. */
export async function writeColourFolder(dir: string, perClass: number, side = 8): Promise<string> {
  const rng = createRng(7);
  const classNames = ["c0_red", "c1_green", "c2_blue"];
  for (const [label, name] of classNames.entries()) {
    await Deno.mkdir(join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const png = await sharp(pixelsOf(label, side, rng), {
        raw: { width: side, height: side, channels: 3 },
      }).png().toBuffer();
      await Deno.writeFile(join(dir, name, `${i}.png`), png);
    }
  }
  return dir;
}

/** A training config for the tiny architecture on `data`, writing runs under `outDir`. */
export function tinyConfig(
  data: string,
  outDir: string,
  overrides: Partial<TrainConfig> = {},
): TrainConfig {
  return {
    ...TRAIN_DEFAULTS,
    data,
    outDir,
    run: "tiny",
    architecture: TINY_ARCHITECTURE,
    valSplit: 0.25,
    batchSize: 8,
    epochs: 4,
    learningRate: 0.01,
    backend: "cpu",
    ...overrides,
  };
}
