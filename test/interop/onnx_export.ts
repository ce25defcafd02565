/**
 * Interop check: ferry's exported ONNX models read by independent peers. Python's `onnx` checker
 * (full_check) must accept them, and Python onnxruntime must give the probabilities ferry's
 * runtime (onnxruntime-node) gives on the same 256 inputs, within 1e-6; the int8 copy that
 * `--quantize int8` writes included. Installs `onnx` and
 * `onnxruntime` from the pip store when missing; run by `deno task test:interop`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { CIFAR10_CLASSES } from "../../src/data/mod.ts";
import sharp from "sharp";
import { exportModel, type ExportOptions, parityImages } from "../../src/export/mod.ts";
import { buildModel, saveModel } from "../../src/model/mod.ts";
import { openClassifier } from "../../src/runtime/mod.ts";
import { ensurePythonPackages, runPythonJson } from "./_python.ts";

const TOLERANCE = 1e-6;
await tf.setBackend("cpu");

/** A functional model with every kind of layer the notebook CNN lacks. */
function residualModel(): tf.LayersModel {
  const input = tf.input({ shape: [12, 12, 3] });
  const stem = tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: "same" })
    .apply(input) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization().apply(stem) as tf.SymbolicTensor;
  const act = tf.layers.activation({ activation: "elu" }).apply(bn) as tf.SymbolicTensor;
  const branch = tf.layers.conv2d({
    filters: 6,
    kernelSize: 3,
    padding: "same",
    activation: "selu",
  })
    .apply(act) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([act, branch]) as tf.SymbolicTensor;
  const pooled = tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: "same" })
    .apply(sum) as tf.SymbolicTensor;
  const side = tf.layers.maxPooling2d({ poolSize: 2, padding: "same" }).apply(
    act,
  ) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate().apply([pooled, side]) as tf.SymbolicTensor;
  const gap = tf.layers.globalAveragePooling2d({}).apply(joined) as tf.SymbolicTensor;
  const hidden = tf.layers.dense({ units: 8 }).apply(gap) as tf.SymbolicTensor;
  const leaky = tf.layers.leakyReLU({ alpha: 0.2 }).apply(hidden) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 4, activation: "softmax" }).apply(
    leaky,
  ) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** `perClass` seeded noise PNGs (32×32) in a subfolder per class, for calibration and checks. */
async function noiseImages(dir: string, classes: readonly string[], perClass: number) {
  let seed = 5;
  for (const name of classes) {
    await Deno.mkdir(join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const pixels = Uint8Array.from({ length: 32 * 32 * 3 }, () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed >> 23;
      });
      const png = await sharp(pixels, { raw: { width: 32, height: 32, channels: 3 } }).png()
        .toBuffer();
      await Deno.writeFile(join(dir, name, `${i}.png`), png);
    }
  }
  return dir;
}

interface Case {
  model: string;
  input: string;
  output: string;
  shape: number[];
  classes: string[];
}

async function prepare(
  root: string,
  name: string,
  model: tf.LayersModel,
  classes: string[],
  options: ExportOptions = {},
) {
  const runDir = join(root, name);
  await saveModel(model, runDir, { ferry: { classNames: classes, architecture: name, run: name } });
  model.dispose();
  const result = await exportModel(runDir, options);
  const out = result.quantized?.out ?? result.out;
  const session = await openClassifier(out);
  const images = await parityImages(session.info.inputSpec, { seed: 11 });
  const probabilities = await session.run(images.x, images.count);
  await session.release();
  const c: Case = {
    model: out,
    input: join(root, `${name}.input.f32`),
    output: join(root, `${name}.probabilities.f32`),
    shape: [images.count, session.info.inputSpec.height, session.info.inputSpec.width, 3],
    classes,
  };
  await Deno.writeFile(c.input, new Uint8Array(images.x.buffer));
  await Deno.writeFile(c.output, new Uint8Array(probabilities.buffer));
  return c;
}

await ensurePythonPackages(["onnx", "onnxruntime", "numpy"]);
const root = await Deno.makeTempDir({ prefix: "ferry_interop_onnx_" });
const cases = [
  await prepare(root, "notebook_cnn", buildModel("notebook_cnn", { seed: 5 }), [
    ...CIFAR10_CLASSES,
  ]),
  await prepare(root, "residual", residualModel(), ["a", "b", "c", "d"]),
  await prepare(root, "notebook_cnn_int8", buildModel("notebook_cnn", { seed: 5 }), [
    ...CIFAR10_CLASSES,
  ], { quantize: "int8", data: await noiseImages(join(root, "noise"), CIFAR10_CLASSES, 80) }),
];
const { code, stdout } = await runPythonJson(
  new URL("./_onnx_check.py", import.meta.url).pathname,
  cases,
);
await Deno.remove(root, { recursive: true });
if (code !== 0) {
  console.log(
    `  FAIL python3 _onnx_check.py exited with ${code} (onnx checker or onnxruntime refused a model)`,
  );
  Deno.exit(1);
}
const results = JSON.parse(stdout) as {
  checker: string;
  ir_version: number;
  opset: number;
  class_names: string[];
  input: (string | number)[];
  max_abs_diff: number;
  top1_mismatches: number;
}[];
let failures = 0;
results.forEach((r, i) => {
  const c = cases[i]!;
  const name = c.model.split("/").slice(-2, -1)[0];
  const ok = r.checker === "passed" && r.max_abs_diff <= TOLERANCE && r.top1_mismatches === 0 &&
    JSON.stringify(r.class_names) === JSON.stringify(c.classes) && r.input[0] === "N";
  if (!ok) failures++;
  console.log(
    `${ok ? "ok  " : "FAIL"} ${name}: onnx.checker full_check ${r.checker} (IR ${r.ir_version}, ` +
      `opset ${r.opset}); Python onnxruntime vs ferry on ${c.shape[0]} images: max |Δprob| = ` +
      `${
        r.max_abs_diff.toExponential(2)
      } (limit ${TOLERANCE}), top-1 mismatches ${r.top1_mismatches}; ` +
      `class names ${
        JSON.stringify(r.class_names) === JSON.stringify(c.classes) ? "match" : "DIFFER"
      }`,
  );
});
console.log(`ONNX interop: ${results.length - failures} of ${results.length} models agree`);
Deno.exit(failures === 0 && results.length === cases.length ? 0 : 1);
