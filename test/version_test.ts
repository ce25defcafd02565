/** One version: deno.json's `version` is what the CLI, the v2 metadata and every export say. */
import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, test, vi } from "vitest";
import { main } from "../src/cli/main.ts";
import { toOnnx } from "../src/export/mod.ts";
import { decodeOnnxModel } from "../src/onnx/mod.ts";
import { createApp } from "../src/serve/mod.ts";
import { openTinyModel } from "./serve/_helpers.ts";

const declared = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)))
  .version as string;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("ferry's version", () => {
  test("deno.json declares a semantic version", () => {
    expect(declared).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
  });

  test("ferry --version prints deno.json's version and exits 0", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    expect(await main(["--version"])).toBe(0);
    expect(log).toHaveBeenCalledWith(`ferry ${declared}`);
  });

  test("GET /v2 reports deno.json's version as the server's", async () => {
    const session = await openTinyModel();
    try {
      const res = await createApp({ models: [session] }).app.request("/v2");
      expect(await res.json()).toMatchObject({ name: "ferry", version: declared });
    } finally {
      await session.release();
    }
  });

  test("toOnnx() writes deno.json's version as the file's producer_version", () => {
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [2, 2, 3] }),
        tf.layers.dense({ units: 2, activation: "softmax" }),
      ],
    });
    try {
      const { bytes } = toOnnx(model, { metadata: { classNames: ["a", "b"] } });
      const file = decodeOnnxModel(bytes);
      expect(file.producerName).toBe("ferry");
      expect(file.producerVersion).toBe(declared);
    } finally {
      model.dispose();
    }
  });
});
