import { describe, expect, it } from "vitest";
import { FerryError } from "../../src/errors.ts";
import { openClassifier, openClassifierWorkers } from "../../src/runtime/mod.ts";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";
import { recordWorkers } from "../_fixtures/workers.ts";

/** `count` distinct 32×32×3 images, as the tiny model takes them. */
function images(count: number, seed: number): Float32Array {
  const input = new Float32Array(count * 3072);
  for (let i = 0; i < input.length; i++) input[i] = ((i * 7919 + seed) % 256) / 255;
  return input;
}

describe("openClassifierWorkers()", () => {
  it("answers runs started together on different copies with each run's own probabilities", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-pool-" });
    const path = await writeTinyModel(dir);
    const { started, restore } = recordWorkers();
    const direct = await openClassifier(path, { threads: 1 });
    const pool = await openClassifierWorkers(path, 2, { threads: 1 }).finally(restore);
    try {
      expect(started).toHaveLength(2);
      expect(pool.parallelRuns).toBe(2);
      expect(pool.info).toEqual(direct.info);
      const inputs = [1, 2, 3, 4, 5].map((seed) => images(seed, seed));
      const pooled = await Promise.all(inputs.map((input, i) => pool.run(input, i + 1)));
      for (const [i, input] of inputs.entries()) {
        expect([...pooled[i]!]).toEqual([...await direct.run(input, i + 1)]);
      }
    } finally {
      await direct.release();
      await pool.release();
      await Deno.remove(dir, { recursive: true });
    }
  });

  it("with one copy is a plain worker session", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-pool-" });
    const single = await openClassifierWorkers(await writeTinyModel(dir), 1);
    try {
      expect(single.parallelRuns).toBeUndefined();
      expect(await single.run(images(1, 0), 1)).toHaveLength(3);
    } finally {
      await single.release();
      await Deno.remove(dir, { recursive: true });
    }
  });

  it("refuses a count below one, and passes a copy's failure on with its kind", async () => {
    await expect(openClassifierWorkers("any.onnx", 0)).rejects.toMatchObject({ kind: "usage" });
    const missing = await openClassifierWorkers("/nonexistent/model.onnx", 2).catch((e) => e);
    expect(missing).toBeInstanceOf(FerryError);
    expect(missing.kind).toBe("not_found");
  });

  it("warns once about what every copy meets", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-pool-" });
    const warnings: string[] = [];
    const reporter = {
      task: () => ({ tick() {}, done() {} }),
      info() {},
      warn: (m: string) => void warnings.push(m),
    };
    const pool = await openClassifierWorkers(await writeTinyModel(dir), 3, {
      providers: ["cuda", "cpu"],
      reporter,
    });
    try {
      expect(pool.info.provider).toBe("cpu");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/Provider 'cuda' is unavailable/);
    } finally {
      await pool.release();
      await Deno.remove(dir, { recursive: true });
    }
  });
});
