import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { FerryError } from "../../src/errors.ts";
import {
  buildModel,
  listArchitectures,
  registerArchitecture,
  unexportableLayers,
} from "../../src/model/mod.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const weightsOf = (model: tf.LayersModel) =>
  model.getWeights().map((w) => Array.from(w.dataSync()));

describe("buildModel()", () => {
  it("builds the same weights from the same seed and other weights from another", () => {
    const [a, b, c] = [1, 1, 2].map((seed) =>
      buildModel("notebook_cnn", { seed, inputShape: [8, 8, 3] })
    );
    expect(weightsOf(b!)).toEqual(weightsOf(a!));
    expect(weightsOf(c!)[0]).not.toEqual(weightsOf(a!)[0]);
    [a, b, c].forEach((m) => m!.dispose());
  });

  it("gives two same-shaped layers different initial kernels", () => {
    const model = buildModel("notebook_cnn", { inputShape: [8, 8, 3] });
    const kernels = model.getWeights().filter((w) => w.shape.length === 4);
    expect(kernels.length).toBe(3);
    const first = Array.from(kernels[0]!.dataSync()).slice(0, 20);
    const second = Array.from(kernels[1]!.dataSync()).slice(0, 20);
    expect(second).not.toEqual(first);
    model.dispose();
  });

  it("applies the activation and kernel initialiser options", () => {
    const model = buildModel("notebook_cnn", {
      inputShape: [8, 8, 3],
      activation: "tanh",
      kernelInitializer: "zeros",
      dropout: 0.25,
    });
    const config = model.getConfig() as unknown as {
      layers: { config: Record<string, unknown> }[];
    };
    const conv = config.layers[0]!.config;
    expect(conv.activation).toBe("tanh");
    expect(model.getWeights().every((w) => w.dataSync().every((v) => v === 0))).toBe(true);
    const dropout = model.layers.find((l) => l.getClassName() === "Dropout")!;
    expect((dropout.getConfig() as { rate: number }).rate).toBe(0.25);
    model.dispose();
  });

  it("draws he_normal kernels with the spread of sqrt(2 / fan_in)", () => {
    const model = buildModel("notebook_cnn", { kernelInitializer: "he_normal" });
    const dense = model.getWeights()[6]!; // dense_1 kernel, fan_in 2048
    const values = Array.from(dense.dataSync());
    const mean = values.reduce((a, v) => a + v, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
    // Keras' he_normal is a truncated normal whose std is sqrt(2 / fan_in) after truncation
    // (tfjs' own heNormal gives 0.88 of that), and nothing lies beyond 2σ before truncation.
    expect(std / Math.sqrt(2 / 2048)).toBeCloseTo(1, 1);
    expect(Math.abs(std / Math.sqrt(2 / 2048) - 1)).toBeLessThan(0.02);
    const cut = 2 * Math.sqrt(2 / 2048) / 0.87962566103423978;
    expect(values.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeLessThanOrEqual(
      cut * (1 + 1e-6),
    );
    model.dispose();
  });

  it("rejects an unknown architecture and bad options with a usage error naming them", () => {
    const fails = (f: () => unknown, pattern: RegExp) => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(FerryError);
        expect((error as FerryError).kind).toBe("usage");
        expect((error as Error).message).toMatch(pattern);
        return;
      }
      throw new Error("expected a throw");
    };
    fails(
      () => buildModel("resnet9000"),
      /unknown architecture 'resnet9000' \(known: .*notebook_cnn/,
    );
    fails(
      () => buildModel("notebook_cnn", { activation: "gelu" as "relu" }),
      /'activation'.*"gelu"/,
    );
    fails(() => buildModel("notebook_cnn", { dropout: 1 }), /'dropout' must be in \[0, 1\), got 1/);
  });

  it("refuses an architecture with a layer the ONNX exporter does not map", () => {
    registerArchitecture({
      name: "test_unexportable",
      description: "uses an LSTM",
      build: () => {
        const model = tf.sequential();
        model.add(tf.layers.lstm({ units: 2, inputShape: [3, 4] }));
        return model;
      },
    });
    expect(() => buildModel("test_unexportable")).toThrow(/does not map: LSTM/);
  });
});

describe("listArchitectures()", () => {
  it("lists the notebook CNN, and every registered architecture builds exportable", () => {
    const names = listArchitectures().map((a) => a.name);
    expect(names).toContain("notebook_cnn");
    for (
      const architecture of listArchitectures().filter((a) => a.name.startsWith("test_") === false)
    ) {
      const model = buildModel(architecture.name);
      expect(unexportableLayers(model), architecture.name).toEqual([]);
      model.dispose();
    }
  });
});
