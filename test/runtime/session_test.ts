/** openClassifier(): ferry models by their metadata, foreign models by their shape and overrides. */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FerryError } from "../../src/errors.ts";
import { FERRY_INPUT_SPEC, type InputSpec, normalizeInto } from "../../src/image/mod.ts";
import { encodeOnnxModel } from "../../src/onnx/mod.ts";
import type { Reporter } from "../../src/progress/mod.ts";
import {
  compareModelPaths,
  findModels,
  modelNameOf,
  openClassifier,
  topK,
} from "../../src/runtime/mod.ts";
import { tinyModel, writeTinyModel } from "../_fixtures/tiny_model.ts";

let dir: string;

beforeAll(async () => {
  dir = await Deno.makeTempDir({ prefix: "ferry_session_" });
});

afterAll(async () => {
  await Deno.remove(dir, { recursive: true });
});

/** Solid-colour images as model input in `spec`'s layout. */
function solid(colors: [number, number, number][], spec: InputSpec): Float32Array {
  const size = spec.width * spec.height * 3;
  const out = new Float32Array(colors.length * size);
  for (const [i, rgb] of colors.entries()) {
    const data = new Uint8Array(size);
    for (let p = 0; p < size; p++) data[p] = rgb[p % 3]!;
    normalizeInto({ data, width: spec.width, height: spec.height }, out, i * size, spec);
  }
  return out;
}

function recorder(): Reporter & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    task: () => ({ tick() {}, done() {} }),
    info() {},
    warn: (m) => warnings.push(m),
  };
}

describe("openClassifier() on a ferry model", () => {
  test("reads class names, input spec and output kind from the metadata and classifies", async () => {
    const path = await writeTinyModel(dir, { fileName: "ferry.onnx" });
    const model = await openClassifier(path, { threads: 1 });
    try {
      expect(model.info).toMatchObject({
        name: "ferry",
        classNames: ["red", "green", "blue"],
        inputSpec: FERRY_INPUT_SPEC,
        inputName: "image",
        outputName: "probabilities",
        outputIsProbabilities: true,
        provider: "cpu",
        inputShape: ["N", 32, 32, 3],
      });
      expect(model.info.fixedBatchSize).toBeUndefined();
      const probs = await model.run(solid([[250, 5, 5], [5, 5, 250]], model.info.inputSpec), 2);
      expect(probs).toHaveLength(6);
      expect(topK(probs.subarray(0, 3), model.info.classNames, 1)[0]!.label).toBe("red");
      expect(topK(probs.subarray(3, 6), model.info.classNames, 1)[0]!.label).toBe("blue");
      expect(await model.run(new Float32Array(), 0)).toHaveLength(0);
    } finally {
      await model.release();
    }
  });

  test("run() refuses input of the wrong length with a usage error", async () => {
    const model = await openClassifier(await writeTinyModel(dir, { fileName: "len.onnx" }));
    const error = await model.run(new Float32Array(10), 1).catch((e) => e);
    await model.release();
    expect(error).toBeInstanceOf(FerryError);
    expect(error.kind).toBe("usage");
  });
});

describe("openClassifier() on a foreign model", () => {
  test("infers NCHW and the size from [N,3,H,W], numbers the classes, softmaxes logits", async () => {
    const path = await writeTinyModel(dir, {
      fileName: "foreign.onnx",
      metadata: false,
      layout: "nchw",
      output: "logits",
      size: 16,
    });
    const model = await openClassifier(path);
    try {
      expect(model.info.inputSpec).toMatchObject({ layout: "nchw", width: 16, height: 16 });
      expect(model.info.classNames).toEqual(["0", "1", "2"]);
      expect(model.info.outputIsProbabilities).toBe(false);
      const probs = await model.run(solid([[5, 240, 5]], model.info.inputSpec), 1);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(topK(probs, model.info.classNames, 1)[0]!.label).toBe("1");
    } finally {
      await model.release();
    }
  });

  test("overrides give labels, normalisation and channel order, and win over the shape", async () => {
    const path = await writeTinyModel(dir, {
      fileName: "foreign_bgr.onnx",
      metadata: false,
      layout: "nchw",
    });
    const model = await openClassifier(path, {
      overrides: {
        labels: ["r", "g", "b"],
        channelOrder: "bgr",
        divisor: 1,
        mean: [0, 0, 0],
        std: [255, 255, 255],
        output: "probabilities",
      },
    });
    try {
      expect(model.info.classNames).toEqual(["r", "g", "b"]);
      expect(model.info.inputSpec).toMatchObject({
        channelOrder: "bgr",
        divisor: 1,
        layout: "nchw",
      });
      // A red picture fed in BGR order reaches the model's third channel: "b".
      const probs = await model.run(solid([[250, 5, 5]], model.info.inputSpec), 1);
      expect(topK(probs, model.info.classNames, 1)[0]!.label).toBe("b");
    } finally {
      await model.release();
    }
  });

  test("overrides that contradict the model are refused before onnxruntime starts", async () => {
    const path = await writeTinyModel(dir, { fileName: "contra.onnx", metadata: false });
    await expect(openClassifier(path, { overrides: { labels: ["a", "b"] } })).rejects.toThrow(
      /3 outputs per image but 2 labels/,
    );
    await expect(openClassifier(path, { overrides: { layout: "nchw" } })).rejects.toThrow(
      /does not fit 32×32 NCHW images/,
    );
  });

  test("a model fixed to batch size 1 runs a batch image by image", async () => {
    const onnx = tinyModel({ metadata: false });
    onnx.graph!.input[0]!.type!.tensorType!.shape!.dim![0] = { dimValue: 1 };
    const path = join(dir, "batch1.onnx");
    await Deno.writeFile(path, encodeOnnxModel(onnx));
    const model = await openClassifier(path);
    try {
      expect(model.info.fixedBatchSize).toBe(1);
      const probs = await model.run(
        solid([[250, 0, 0], [0, 250, 0], [0, 0, 250]], model.info.inputSpec),
        3,
      );
      const labels = [0, 1, 2].map((i) =>
        topK(probs.subarray(i * 3, i * 3 + 3), model.info.classNames, 1)[0]!.index
      );
      expect(labels).toEqual([0, 1, 2]);
    } finally {
      await model.release();
    }
  });
});

describe("openClassifier() providers", () => {
  test("CUDA first falls back to the CPU with a warning when CUDA cannot load", async () => {
    const path = await writeTinyModel(dir, { fileName: "providers.onnx" });
    const reporter = recorder();
    const model = await openClassifier(path, { providers: ["cuda", "cpu"], reporter });
    await model.release();
    if (model.info.provider === "cpu") {
      expect(reporter.warnings).toHaveLength(1);
      expect(reporter.warnings[0]).toMatch(
        /^Provider 'cuda' is unavailable \(.*\); falling back to 'cpu'$/,
      );
    } else {
      expect(model.info.provider).toBe("cuda");
      expect(reporter.warnings).toEqual([]);
    }
  });

  test("CUDA alone either loads or fails with a model error that gives the reason", async () => {
    const path = await writeTinyModel(dir, { fileName: "cuda_only.onnx" });
    const outcome = await openClassifier(path, { providers: ["cuda"] }).catch((e) => e);
    if (outcome instanceof Error) {
      expect(outcome).toBeInstanceOf(FerryError);
      expect((outcome as FerryError).kind).toBe("model");
      expect(outcome.message).toMatch(/^Cannot open model '.*' with provider\(s\) cuda: cuda: /);
    } else {
      expect(outcome.info.provider).toBe("cuda");
      await outcome.release();
    }
  });

  test("an unknown provider is a usage error", async () => {
    const path = await writeTinyModel(dir, { fileName: "unknown.onnx" });
    // deno-lint-ignore no-explicit-any -- a value a flag parser could hand over
    const error = await openClassifier(path, { providers: ["tpu" as any] }).catch((e) => e);
    expect(error.kind).toBe("usage");
  });
});

describe("modelNameOf()", () => {
  test("names a file by its stem, and a run folder's model.onnx by the folder", () => {
    expect(modelNameOf("models/resnet18.onnx")).toBe("resnet18");
    expect(modelNameOf("models/cifar10-notebook/model.onnx")).toBe("cifar10-notebook");
    expect(modelNameOf("model.onnx")).toBe("model");
    expect(modelNameOf("models/cifar10-notebook/model.int8.onnx")).toBe("cifar10-notebook-int8");
    expect(modelNameOf("model.int8.onnx")).toBe("model.int8");
  });

  test("findModels() finds a folder's models and those of its run folders, a run's model.onnx before its int8 copy", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-find-" });
    try {
      expect(await findModels(dir)).toEqual([]);
      expect(await findModels(join(dir, "missing"))).toEqual([]);
      await Deno.mkdir(join(dir, "run", "deeper"), { recursive: true });
      const names = ["notes.txt", "run/model.int8.onnx", "run/model.onnx", "run/deeper/x.onnx"];
      for (const name of [...names, "z.ONNX"]) await Deno.writeTextFile(join(dir, name), "");
      expect(await findModels(dir)).toEqual([
        join(dir, "run", "model.onnx"),
        join(dir, "run", "model.int8.onnx"),
        join(dir, "z.ONNX"),
      ]);
      expect(await findModels(join(dir, "notes.txt"))).toEqual([join(dir, "notes.txt")]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  test("orders a run's model.onnx before its int8 copy", () => {
    const paths = ["m/run/model.int8.onnx", "m/run/model.onnx", "m/a.onnx"];
    expect(paths.sort(compareModelPaths)).toEqual([
      "m/a.onnx",
      "m/run/model.onnx",
      "m/run/model.int8.onnx",
    ]);
  });
});
