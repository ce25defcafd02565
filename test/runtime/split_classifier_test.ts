import { describe, expect, it } from "vitest";
import { openClassifier, openSplitClassifier } from "../../src/runtime/mod.ts";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";
import { recordWorkers } from "../_fixtures/workers.ts";
import { writeSlowTinyModel } from "../serve/_slow_model.ts";

/** Opens the model at `path` split, counting the messages posted to its worker thread. */
async function openCounting(path: string, maxLocalRunMs?: number) {
  const { started, restore } = recordWorkers();
  try {
    const model = await openSplitClassifier(path, {
      threads: 1,
      ...(maxLocalRunMs === undefined ? {} : { maxLocalRunMs }),
    });
    const worker = started[0]!;
    const post = worker.postMessage.bind(worker) as (
      message: unknown,
      transfer: Transferable[],
    ) => void;
    const counter = { posted: 0 };
    worker.postMessage = ((message: unknown, transfer: Transferable[] = []) => {
      counter.posted++;
      post(message, transfer);
    }) as Worker["postMessage"];
    return { model, counter };
  } finally {
    restore();
  }
}

const image = (count: number) => {
  const input = new Float32Array(count * 3072);
  for (let i = 0; i < input.length; i++) input[i] = ((i * 7919) % 256) / 255;
  return input;
};

describe("openSplitClassifier()", () => {
  it("gives openClassifier()'s info and probabilities for one image and for a batch", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-split-" });
    const path = await writeTinyModel(dir);
    const direct = await openClassifier(path, { threads: 1 });
    const split = await openSplitClassifier(path, { threads: 1 });
    try {
      expect(split.info).toEqual(direct.info);
      expect([...await split.run(image(1), 1)]).toEqual([...await direct.run(image(1), 1)]);
      expect([...await split.run(image(3), 3)]).toEqual([...await direct.run(image(3), 3)]);
    } finally {
      await direct.release();
      await split.release();
      await Deno.remove(dir, { recursive: true });
    }
  });

  it("runs a fast model's lone image on the calling thread and a batch on its worker", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-split-" });
    const { model, counter } = await openCounting(await writeTinyModel(dir));
    try {
      await model.run(image(1), 1);
      expect(counter.posted).toBe(0);
      await model.run(image(2), 2);
      expect(counter.posted).toBe(1);
    } finally {
      await model.release();
      await Deno.remove(dir, { recursive: true });
    }
  });

  it("refuses a negative maxLocalRunMs before opening anything", async () => {
    const refused = await openSplitClassifier("/nonexistent/model.onnx", { maxLocalRunMs: -1 })
      .catch((e) => e);
    expect([refused.kind, refused.message]).toEqual([
      "usage",
      "Cannot open model '/nonexistent/model.onnx': 'maxLocalRunMs' must be 0 or more, got -1",
    ]);
  });

  it("runs every image of a model slower than maxLocalRunMs on its worker", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-split-" });
    // 1,000 chained products of 32×96 by 96×96 per run: about 4 ms on an AVX-512 core.
    const { model, counter } = await openCounting(await writeSlowTinyModel(dir, 1000), 0.5);
    try {
      expect((await model.run(image(1), 1)).length).toBe(3);
      expect(counter.posted).toBe(1);
    } finally {
      await model.release();
      await Deno.remove(dir, { recursive: true });
    }
  });
});
