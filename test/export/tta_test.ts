/** Test-time augmentation baked into the ONNX graph: its output is the views' mean, in one run. */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, test } from "vitest";
import { exportModel, parityImages, toOnnx, withTta } from "../../src/export/mod.ts";
import { FERRY_INPUT_SPEC } from "../../src/image/mod.ts";
import { decodeMetadata, encodeOnnxModel, type OnnxModel } from "../../src/onnx/mod.ts";
import { saveModel } from "../../src/model/mod.ts";
import { readOnnxModel } from "../../src/runtime/mod.ts";
import { sequential } from "./_check.ts";

const SIZE = 6;
const root = await Deno.makeTempDir({ prefix: "ferry_tta_" });
afterAll(() => Deno.remove(root, { recursive: true }));

/** A small CNN whose left and right halves weigh differently, so a mirror changes its answer. */
function tinyModel(): tf.Sequential {
  return sequential([
    tf.layers.conv2d({ filters: 3, kernelSize: 3, activation: "relu" }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 4, activation: "softmax" }),
  ], SIZE);
}

/** Runs `onnx` in a real onnxruntime session on `count` NHWC images. */
async function run(onnx: OnnxModel, x: Float32Array, count: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(encodeOnnxModel(onnx));
  try {
    const out = await session.run({ input: new ort.Tensor("float32", x, [count, SIZE, SIZE, 3]) });
    return out[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Image `n`'s pixel (r, c) of channel k in NHWC order. */
const at = (n: number, r: number, c: number, k: number) => ((n * SIZE + r) * SIZE + c) * 3 + k;

/** The images moved by (dy, dx) with reflect padding, and mirrored if asked. */
function view(x: Float32Array, count: number, shift: number, flip: boolean): Float32Array {
  const out = new Float32Array(x.length);
  const reflect = (i: number) => i < 0 ? -i : i >= SIZE ? 2 * SIZE - 2 - i : i;
  for (let n = 0; n < count; n++) {
    for (let r = 0; r < SIZE; r++) {
      for (let c = 0; c < SIZE; c++) {
        const sc = reflect((flip ? SIZE - 1 - c : c) + shift);
        for (let k = 0; k < 3; k++) out[at(n, r, c, k)] = x[at(n, reflect(r + shift), sc, k)]!;
      }
    }
  }
  return out;
}

async function images(count: number): Promise<Float32Array> {
  return (await parityImages({ ...FERRY_INPUT_SPEC, width: SIZE, height: SIZE }, { count })).x;
}

describe("withTta()", () => {
  test("'flip' outputs the mean of the model on each image and on its mirror, within 1e-6", async () => {
    const model = tinyModel();
    const { model: plain } = toOnnx(model);
    model.dispose();
    const x = await images(32);
    const [direct, mirrored, averaged] = [
      await run(plain, x, 32),
      await run(plain, view(x, 32, 0, true), 32),
      await run(withTta(plain, "flip"), x, 32),
    ];
    let largest = 0, changed = 0;
    for (let i = 0; i < direct.length; i++) {
      largest = Math.max(largest, Math.abs(averaged[i]! - (direct[i]! + mirrored[i]!) / 2));
      changed = Math.max(changed, Math.abs(direct[i]! - mirrored[i]!));
    }
    expect(largest).toBeLessThanOrEqual(1e-6);
    // The mirror must matter, or the test could not tell a mean from the model alone.
    expect(changed).toBeGreaterThan(1e-3);
  });

  test("'flip-translate' weighs the two plain views by 1/4 and four shifted ones by 1/8", async () => {
    const model = tinyModel();
    const { model: plain } = toOnnx(model);
    model.dispose();
    const x = await images(8);
    const expected = new Float32Array(8 * 4);
    for (const [shift, weight] of [[0, 0.25], [-1, 0.125], [1, 0.125]] as const) {
      for (const flip of [false, true]) {
        const y = await run(plain, view(x, 8, shift, flip), 8);
        for (let i = 0; i < y.length; i++) expected[i]! += weight * y[i]!;
      }
    }
    const actual = await run(withTta(plain, "flip-translate"), x, 8);
    for (let i = 0; i < actual.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 6);
  });
});

describe("exportModel() with tta", () => {
  test("passes the parity check against tfjs's own mean and records the TTA in the metadata", async () => {
    const dir = join(root, "run");
    const model = tinyModel();
    await saveModel(model, dir, { ferry: { classNames: ["a", "b", "c", "d"] } });
    model.dispose();
    const result = await exportModel(dir, { tta: "flip" });
    expect(result.parity.passed).toBe(true);
    expect(result.parity.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    expect(decodeMetadata((await readOnnxModel(result.out)).metadata).tta).toBe("flip");
  });

  test("refuses an unknown TTA with a usage error", async () => {
    await expect(exportModel(join(root, "run"), { tta: "rotate" as "flip" })).rejects.toThrow(
      /Cannot use TTA 'rotate': expected flip or flip-translate/,
    );
  });
});
