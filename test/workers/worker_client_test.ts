import { afterEach, describe, expect, test } from "vitest";
import { FerryError } from "../../src/errors.ts";
import { leastBusy, WorkerClient, type WorkerClientOptions } from "../../src/workers/mod.ts";
import { countMessages, recordWorkers } from "../_fixtures/workers.ts";

const ECHO = new URL("./_echo_worker.ts", import.meta.url);
let clients: WorkerClient[] = [];

function start(options: Partial<WorkerClientOptions> = {}): WorkerClient {
  const client = new WorkerClient(ECHO, {
    crashError: (message) => new FerryError("model", `Cannot echo: ${message}`),
    ...options,
  });
  clients.push(client);
  return client;
}

afterEach(() => {
  for (const client of clients) client.terminate();
  clients = [];
});

describe("WorkerClient", () => {
  test("answers each call with its own value, many calls at once", async () => {
    const client = start();
    const values = Array.from({ length: 50 }, (_, i) => ({ i, text: `call ${i}` }));
    expect(await Promise.all(values.map((v) => client.call("echo", v)))).toEqual(values);
    expect(client.pending).toBe(0);
  });

  test("fails a call with the worker's error, a FerryError keeping its kind and status", async () => {
    const client = start();
    const ferry = await client.call<never>("fail", "too_many_pixels").catch((e) => e);
    expect(ferry).toBeInstanceOf(FerryError);
    expect([ferry.kind, ferry.httpStatus, ferry.message])
      .toEqual(["too_many_pixels", 422, "Cannot decode png: too many pixels"]);
    const plain = await client.call<never>("fail").catch((e) => e);
    expect(plain).not.toBeInstanceOf(FerryError);
    expect(plain.message).toBe("plain failure");
    await expect(client.call("nothing")).rejects.toThrow(
      "Cannot call 'nothing': the worker has no such method",
    );
  });

  test("moves the buffers it is told to, both ways, and passes events on", async () => {
    const events: unknown[] = [];
    const client = start({ onEvent: (data) => events.push(data) });
    const sent = new Float32Array(4).fill(1);
    const echoed = await client.call<Float32Array>("echo", sent, [sent.buffer]);
    expect(sent.length).toBe(0);
    expect([...echoed]).toEqual([1, 1, 1, 1]);
    expect([...await client.call<Float32Array>("filled", 3)]).toEqual([7, 7, 7]);
    expect(await client.call("told", "hello")).toBe(5);
    expect(events).toEqual(["hello"]);
  });

  test("sends the calls of one turn in messages of at most `batch` calls", async () => {
    const { started, restore } = recordWorkers();
    try {
      const client = start({ batch: 2 });
      const messages = countMessages(started[0]!);
      expect(await Promise.all([1, 2, 3, 4, 5].map((v) => client.call("echo", v))))
        .toEqual([1, 2, 3, 4, 5]);
      expect(messages()).toBe(3);
    } finally {
      restore();
    }
  });

  test("flush() hands the calls made so far to the worker while the owner's thread stays busy", async () => {
    const client = start();
    await client.call("echo", "started"); // the worker has loaded
    // Whether the worker raised the flag while the owner's thread was busy (at most 1 s).
    const raisedWhileBusy = async (flush: boolean) => {
      const flag = new Int32Array(new SharedArrayBuffer(4));
      const call = client.call("raise", flag);
      if (flush) client.flush();
      const deadline = performance.now() + 1000;
      while (Atomics.load(flag, 0) === 0 && performance.now() < deadline) {
        // The owner's thread computes something of its own.
      }
      const raised = Atomics.load(flag, 0) === 1;
      await call;
      return raised;
    };
    expect(await raisedWhileBusy(true)).toBe(true);
    // Without it the calls leave at the end of the turn, after the busy spell.
    expect(await raisedWhileBusy(false)).toBe(false);
  });

  test("after a crash, fails pending and later calls with crashError and calls onCrash once", async () => {
    const { started, restore } = recordWorkers();
    try {
      let crashes = 0;
      const client = start({ onCrash: () => crashes++ });
      await client.call("echo", 1);
      const crash = (message: string) =>
        started[0]!.dispatchEvent(new ErrorEvent("error", { message, cancelable: true }));
      const pending = client.call<never>("echo", 2).catch((e) => e);
      crash("boom");
      const failed = await pending;
      expect(failed).toBeInstanceOf(FerryError);
      expect([failed.kind, failed.message]).toEqual(["model", "Cannot echo: boom"]);
      expect(await client.call("echo", 3).catch((e) => e)).toBe(failed);
      crash("again");
      expect(crashes).toBe(1);
      expect(client.pending).toBe(0);
    } finally {
      restore();
    }
  });

  test("fails a call whose argument cannot be cloned, and goes on", async () => {
    const client = start();
    await expect(client.call("echo", () => 1)).rejects.toThrow(/could not be cloned/);
    expect(await client.call("echo", 2)).toBe(2);
  });

  test("terminate() fails the calls still pending with its reason", async () => {
    const client = start();
    const call = client.call("echo", 1);
    client.terminate(new Error("Cannot echo: stopped"));
    await expect(call).rejects.toThrow("Cannot echo: stopped");
    await expect(client.call("echo", 2)).rejects.toThrow("Cannot echo: stopped");
  });
});

test("leastBusy() picks the item with the fewest pending, the first of those tied", () => {
  const items = [{ n: 2 }, { n: 1 }, { n: 3 }, { n: 1 }];
  expect(leastBusy(items, (item) => item.n)).toBe(items[1]);
  expect(leastBusy([items[0]!], (item) => item.n)).toBe(items[0]);
});
