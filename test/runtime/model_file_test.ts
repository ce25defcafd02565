/** readOnnxModel() and openClassifier() on files that are not whole ONNX models. */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FerryError } from "../../src/errors.ts";
import { encodeOnnxModel } from "../../src/onnx/mod.ts";
import { openClassifier, readOnnxModel } from "../../src/runtime/mod.ts";
import { tinyModel } from "../_fixtures/tiny_model.ts";

let dir: string;
let whole: Uint8Array;

beforeAll(async () => {
  dir = await Deno.makeTempDir({ prefix: "ferry_model_file_" });
  whole = encodeOnnxModel(tinyModel());
});

afterAll(async () => {
  await Deno.remove(dir, { recursive: true });
});

async function failure(bytes: Uint8Array, name: string): Promise<FerryError> {
  const path = join(dir, name);
  await Deno.writeFile(path, bytes);
  const error = await openClassifier(path).then(
    async (session) => {
      await session.release();
      throw new Error(`openClassifier() accepted ${name}`);
    },
    (e) => e,
  );
  expect(error).toBeInstanceOf(FerryError);
  return error;
}

describe("readOnnxModel()", () => {
  test("reads a whole model's inputs, outputs, opset and metadata", async () => {
    const file = await readOnnxModel(whole);
    expect(file.inputs).toEqual([{ name: "image", elemType: 1, shape: ["N", 32, 32, 3] }]);
    expect(file.outputs[0]!.name).toBe("probabilities");
    expect(file.opsetVersion).toBe(17);
    expect(JSON.parse(file.metadata["ferry.class_names"]!)).toEqual(["red", "green", "blue"]);
  });

  test.each([0.1, 0.5, 0.9, 0.999])(
    "a file truncated to %s of its length is a clear model error naming the file",
    async (fraction) => {
      const cut = whole.slice(0, Math.floor(whole.length * fraction));
      const error = await failure(cut, `cut_${fraction}.onnx`);
      expect(error.kind).toBe("model");
      expect(error.message).toContain(`cut_${fraction}.onnx`);
      expect(error.message).toMatch(/truncated or not an ONNX model/);
    },
  );

  test("random bytes, a text file and an empty file are model errors", async () => {
    let seed = 5;
    const noise = Uint8Array.from({ length: 4000 }, () => (seed = (seed * 75 + 74) % 65537) & 255);
    const text = new TextEncoder().encode("this is not a model\n".repeat(20));
    for (const [name, bytes] of [["noise", noise], ["text", text], ["empty", new Uint8Array()]]) {
      const error = await failure(bytes as Uint8Array, `${name}.onnx`);
      expect(error.kind).toBe("model");
      expect(error.message).toMatch(/^Cannot read ONNX model '.*\.onnx': the file is truncated/);
    }
  });

  test("a corrupted byte inside the weights is caught by onnxruntime as a model error", async () => {
    const model = tinyModel();
    // Give the initializer the wrong number of bytes: well-formed protobuf, broken tensor.
    model.graph!.initializer![0]!.rawData = new Uint8Array(7);
    const error = await failure(encodeOnnxModel(model), "bad_weights.onnx");
    expect(error.kind).toBe("model");
    expect(error.message).toMatch(/^Cannot load model '.*bad_weights\.onnx' in onnxruntime/);
  });

  test("a missing file is not_found", async () => {
    const error = await readOnnxModel(join(dir, "absent.onnx")).catch((e) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect(error.kind).toBe("not_found");
  });
});
