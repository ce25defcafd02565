import { describe, expect, it } from "vitest";
import { FerryError } from "../../src/errors.ts";
import { openClassifier, openClassifierInWorker } from "../../src/runtime/mod.ts";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";
import { recordWorkers } from "../_fixtures/workers.ts";

describe("openClassifierInWorker()", () => {
  it("gives the same info and probabilities as openClassifier()", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-worker-" });
    const path = await writeTinyModel(dir);
    const direct = await openClassifier(path, { threads: 1 });
    const worker = await openClassifierInWorker(path, { threads: 1 });
    try {
      expect(worker.info).toEqual(direct.info);
      const input = new Float32Array(3 * 3072);
      for (let i = 0; i < input.length; i++) input[i] = ((i * 7919) % 256) / 255;
      // A view into a larger buffer, as a batch slice would be.
      const view = new Float32Array(input.buffer, 3072 * 4, 2 * 3072);
      expect([...await worker.run(view, 2)]).toEqual([...await direct.run(view, 2)]);
      expect(view[0]).toBe(input[3072]);
    } finally {
      await direct.release();
      await worker.release();
      await Deno.remove(dir, { recursive: true });
    }
  });

  it("with transfer, moves a whole buffer to its thread (the caller's view empties) and answers as a copy would", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-worker-" });
    const worker = await openClassifierInWorker(await writeTinyModel(dir), { threads: 1 });
    try {
      const image = () => new Float32Array(2 * 3072).map((_, i) => ((i * 31) % 256) / 255);
      const copied = image();
      const moved = image();
      const viaCopy = await worker.run(copied, 2);
      const viaTransfer = await worker.run(moved, 2, { transfer: true });
      expect([...viaTransfer]).toEqual([...viaCopy]);
      expect(copied.length).toBe(2 * 3072);
      expect(moved.length).toBe(0);
      // A view of a larger buffer is copied even when transfer is asked: the rest is not the run's.
      const larger = image();
      const view = larger.subarray(3072);
      await worker.run(view, 1, { transfer: true });
      expect(larger.length).toBe(2 * 3072);
    } finally {
      await worker.release();
      await Deno.remove(dir, { recursive: true });
    }
  });

  it("release() lets the runs posted before it finish", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-worker-" });
    const worker = await openClassifierInWorker(await writeTinyModel(dir));
    const runs = Array.from({ length: 5 }, () => worker.run(new Float32Array(3072).fill(0.5), 1));
    await worker.release();
    const outputs = await Promise.all(runs);
    expect(outputs.map((o) => o.length)).toEqual([3, 3, 3, 3, 3]);
    await Deno.remove(dir, { recursive: true });
  });

  it("runs the jobs its worker script adds, and refuses one it lacks", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-worker-" });
    const path = await writeTinyModel(dir);
    const script = new URL("./_jobs_worker.ts", import.meta.url);
    const worker = await openClassifierInWorker(path, { script });
    const plain = await openClassifierInWorker(path);
    try {
      const input = new Float32Array(3072).fill(0.25);
      const probabilities = await worker.run(input, 1);
      const answer = await worker.call<{ classes: string[]; doubled: Float32Array }>(
        "double",
        input,
      );
      expect(answer.classes).toEqual(worker.info.classNames);
      expect([...answer.doubled]).toEqual([...probabilities].map((p) => Math.fround(2 * p)));
      await expect(plain.call("double", input)).rejects.toThrow(
        "Cannot call 'double': the worker has no such method",
      );
    } finally {
      await worker.release();
      await plain.release();
      await Deno.remove(dir, { recursive: true });
    }
  });

  it("passes errors back with their kind", async () => {
    const missing = await openClassifierInWorker("/nonexistent/model.onnx").catch((e) => e);
    expect(missing).toBeInstanceOf(FerryError);
    expect(missing.kind).toBe("not_found");
    const dir = await Deno.makeTempDir({ prefix: "ferry-worker-" });
    const worker = await openClassifierInWorker(await writeTinyModel(dir));
    try {
      await expect(worker.run(new Float32Array(5), 1)).rejects.toMatchObject({ kind: "usage" });
    } finally {
      await worker.release();
      await Deno.remove(dir, { recursive: true });
    }
  });

  it("after its worker crashes, fails runs at once and releases without waiting", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-worker-" });
    // Keep hold of the real worker, to crash it the way a bug would: a message it cannot read.
    const { started: workers, restore } = recordWorkers();
    try {
      const model = await openClassifierInWorker(await writeTinyModel(dir));
      workers[0]!.postMessage(null);
      const first = await model.run(new Float32Array(3072), 1).catch((e) => e);
      expect(first).toBeInstanceOf(FerryError);
      expect(first.kind).toBe("model");
      const later = await model.run(new Float32Array(3072), 1).catch((e) => e);
      expect([later.kind, later.message]).toEqual(["model", first.message]);
      await model.release();
    } finally {
      restore();
      await Deno.remove(dir, { recursive: true });
    }
  });
});
