import { describe, expect, it } from "vitest";
import { FerryError } from "../../src/errors.ts";
import { Batcher } from "../../src/runtime/batcher.ts";

/** A runner that doubles each value and sums each item, recording batch sizes; optionally slow. */
function recordingRunner(delayMs = 0) {
  const sizes: number[] = [];
  const run = async (input: Float32Array, count: number) => {
    sizes.push(count);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    const per = input.length / count;
    const out = new Float32Array(count * 2);
    for (let i = 0; i < count; i++) {
      let sum = 0;
      for (let j = 0; j < per; j++) sum += input[i * per + j]!;
      out[i * 2] = sum;
      out[i * 2 + 1] = sum * 2;
    }
    return out;
  };
  return { run, sizes };
}

const item = (v: number) => Float32Array.of(v, v + 1, v + 2);

describe("Batcher", () => {
  it("runs a lone input on an idle batcher at once, even with a long maxWaitMs", async () => {
    const { run, sizes } = recordingRunner();
    const batcher = new Batcher(run, { valuesPerItem: 3, outputsPerItem: 2, maxWaitMs: 5_000 });
    const started = performance.now();
    const out = await batcher.submit(item(1));
    expect(performance.now() - started).toBeLessThan(100);
    expect([...out]).toEqual([6, 12]);
    expect(sizes).toEqual([1]);
  });

  it("gathers inputs that arrive during a run into the next run, up to maxBatchSize", async () => {
    const { run, sizes } = recordingRunner(30);
    const batcher = new Batcher(run, { valuesPerItem: 3, outputsPerItem: 2, maxBatchSize: 4 });
    const first = batcher.submit(item(0));
    await new Promise((r) => setTimeout(r, 5));
    const rest = Array.from({ length: 6 }, (_, i) => batcher.submit(item(i + 1)));
    const outputs = await Promise.all([first, ...rest]);
    expect(sizes).toEqual([1, 4, 2]);
    outputs.forEach((out, i) => expect([...out]).toEqual([3 * i + 3, 6 * i + 6]));
  });

  it("gives the same answers with batching as without", async () => {
    const inputs = Array.from({ length: 20 }, (_, i) => item(i * 0.5));
    const batched = new Batcher(recordingRunner(5).run, { valuesPerItem: 3, outputsPerItem: 2 });
    const single = new Batcher(recordingRunner().run, {
      valuesPerItem: 3,
      outputsPerItem: 2,
      maxBatchSize: 1,
    });
    const a = await batched.submitAll(inputs);
    const b = [];
    for (const input of inputs) b.push(await single.submit(input));
    expect(a.map((x) => [...x])).toEqual(b.map((x) => [...x]));
  });

  it("tells the runner that a gathered batch is its own to take, and a lone input is not", async () => {
    const owned: boolean[] = [];
    const { run } = recordingRunner(20);
    const batcher = new Batcher((input, count, isOwned) => {
      owned.push(isOwned);
      return run(input, count);
    }, { valuesPerItem: 3, outputsPerItem: 2 });
    const lone = item(1);
    const first = batcher.submit(lone);
    await new Promise((r) => setTimeout(r, 5));
    await Promise.all([first, batcher.submit(item(2)), batcher.submit(item(3))]);
    expect(owned).toEqual([false, true]);
    expect([...lone]).toEqual([1, 2, 3]);
  });

  it("submitAll() puts one request's inputs into one run", async () => {
    const { run, sizes } = recordingRunner();
    const batcher = new Batcher(run, { valuesPerItem: 3, outputsPerItem: 2 });
    await batcher.submitAll([item(1), item(2), item(3)]);
    expect(sizes).toEqual([3]);
  });

  it("refuses inputs past maxQueue as overloaded", async () => {
    const { run } = recordingRunner(20);
    const batcher = new Batcher(run, { valuesPerItem: 3, outputsPerItem: 2, maxQueue: 2 });
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, (_, i) => batcher.submit(item(i))),
    );
    const refused = results.filter((r) => r.status === "rejected");
    expect(refused.length).toBe(2);
    const reason = (refused[0] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(FerryError);
    expect(reason.kind).toBe("overloaded");
  });

  it("refuses a request that does not fit the queue whole, and runs none of it", async () => {
    const { run, sizes } = recordingRunner(20);
    const batcher = new Batcher(run, { valuesPerItem: 3, outputsPerItem: 2, maxQueue: 4 });
    const queued = [1, 2, 3].map((v) => batcher.submit(item(v)));
    const reason = await batcher.submitAll([item(4), item(5)]).catch((e) => e);
    expect(reason).toBeInstanceOf(FerryError);
    expect(reason.kind).toBe("overloaded");
    await Promise.all(queued);
    await batcher.close();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it("refuses a queued input whose deadline passed", async () => {
    const { run } = recordingRunner(40);
    const batcher = new Batcher(run, { valuesPerItem: 3, outputsPerItem: 2 });
    const busy = batcher.submit(item(0));
    await new Promise((r) => setTimeout(r, 1));
    const late = batcher.submit(item(1), { deadline: performance.now() + 5 });
    await expect(late).rejects.toMatchObject({ kind: "overloaded" });
    await busy;
  });

  it("waits up to maxWaitMs for companions once busy", async () => {
    const { run, sizes } = recordingRunner(10);
    const batcher = new Batcher(run, {
      valuesPerItem: 3,
      outputsPerItem: 2,
      maxWaitMs: 40,
      maxBatchSize: 8,
    });
    const first = batcher.submit(item(0));
    await new Promise((r) => setTimeout(r, 2));
    const second = batcher.submit(item(1));
    await new Promise((r) => setTimeout(r, 20));
    const third = batcher.submit(item(2));
    await Promise.all([first, second, third]);
    expect(sizes).toEqual([1, 2]);
  });

  it("passes a runner's error to every input of the run", async () => {
    const batcher = new Batcher(() => Promise.reject(new Error("boom")), {
      valuesPerItem: 3,
      outputsPerItem: 2,
    });
    const results = await Promise.allSettled([batcher.submit(item(1)), batcher.submit(item(2))]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    await expect(batcher.submit(item(3))).rejects.toThrow("boom");
  });

  it("close() waits for queued inputs and refuses new ones", async () => {
    const { run } = recordingRunner(20);
    const batcher = new Batcher(run, { valuesPerItem: 3, outputsPerItem: 2 });
    const pending = batcher.submitAll([item(1), item(2)]);
    await batcher.close();
    expect((await pending).length).toBe(2);
    await expect(batcher.submit(item(3))).rejects.toMatchObject({ kind: "overloaded" });
  });

  it("rejects options that are not positive integers", () => {
    expect(() =>
      new Batcher(recordingRunner().run, {
        valuesPerItem: 3,
        outputsPerItem: 2,
        maxBatchSize: 0,
      })
    ).toThrow(/maxBatchSize/);
  });
});
