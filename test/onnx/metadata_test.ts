/** ferry's metadata keys: what the writer encodes the reader decodes, and bad values are named. */
import { describe, expect, test } from "vitest";
import { IMAGENET_NORMALIZATION } from "../../src/image/mod.ts";
import {
  decodeMetadata,
  decodeOnnxModel,
  encodeMetadata,
  encodeOnnxModel,
  type FerryMetadata,
  METADATA_KEYS,
  withMetadata,
} from "../../src/onnx/mod.ts";
import { tinyModel } from "../_fixtures/tiny_model.ts";

const META: FerryMetadata = {
  classNames: ["airplane", "automobile", "bird"],
  inputSpec: {
    width: 224,
    height: 160,
    layout: "nchw",
    channelOrder: "bgr",
    ...IMAGENET_NORMALIZATION,
  },
  output: "logits",
  architecture: "notebook_cnn",
  runId: "run-42",
  validationMetrics: { val_accuracy: 0.772, val_loss: 0.681 },
  testMetrics: { accuracy: 0.77 },
  parity: { max_abs_diff: 3e-7, top1_mismatches: 0, images: 256, source: "random pixels (seed 1)" },
};

const asProps = (entries: { key: string; value: string }[]) =>
  Object.fromEntries(entries.map((e) => [e.key, e.value]));

describe("metadata", () => {
  test("decodeMetadata(encodeMetadata(m)) gives m back", () => {
    expect(decodeMetadata(asProps(encodeMetadata(META)))).toEqual(META);
  });

  test("values are plain strings, JSON where structured, readable without ferry", () => {
    const props = asProps(encodeMetadata(META));
    expect(props[METADATA_KEYS.inputWidth]).toBe("224");
    expect(props[METADATA_KEYS.layout]).toBe("nchw");
    expect(JSON.parse(props[METADATA_KEYS.classNames]!)).toEqual(META.classNames);
    expect(JSON.parse(props[METADATA_KEYS.normalization]!)).toEqual(IMAGENET_NORMALIZATION);
  });

  test("withMetadata restamps a model: its file reads back the new metadata and the same graph", () => {
    const model = tinyModel();
    const file = decodeOnnxModel(encodeOnnxModel(withMetadata(model, META)));
    expect(decodeMetadata(asProps(file.metadataProps!))).toEqual(META);
    expect(file.graph).toEqual(decodeOnnxModel(encodeOnnxModel(model)).graph);
    expect(model.metadataProps).not.toEqual(file.metadataProps);
  });

  test("a foreign model's empty metadata decodes to nothing", () => {
    expect(decodeMetadata({})).toEqual({});
  });

  test("a malformed value is an error naming its key", () => {
    expect(() => decodeMetadata({ [METADATA_KEYS.classNames]: "[1,2" })).toThrow(
      /'ferry.class_names' is not valid JSON/,
    );
    expect(() =>
      decodeMetadata({
        [METADATA_KEYS.inputWidth]: "0",
        [METADATA_KEYS.inputHeight]: "32",
      })
    ).toThrow(/'ferry.input_width' must be a positive integer/);
  });
});
