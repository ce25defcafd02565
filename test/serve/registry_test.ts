import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FerryError } from "../../src/errors.ts";
import type { ClassifierSession } from "../../src/runtime/mod.ts";
import { ModelRegistry, type RegistryEvent, ServeMetrics } from "../../src/serve/mod.ts";
import { openTinyModel, slowSession } from "./_helpers.ts";

let tiny: ClassifierSession;

beforeAll(async () => {
  tiny = await openTinyModel();
});
afterAll(async () => {
  await tiny.release();
});

const registryOf = () => new ModelRegistry({ batching: {}, metrics: new ServeMetrics() });
const input = () => new Float32Array(32 * 32 * 3).fill(0.5);

/** A session over the tiny model that counts its releases instead of freeing the shared one. */
function counted(inner: ClassifierSession, ms = 0) {
  const session = { ...slowSession(inner, ms), released: 0 };
  session.release = () => {
    session.released++;
    return Promise.resolve();
  };
  return session;
}

describe("ModelRegistry", () => {
  it("get() finds the default model's highest version, and every version by number", async () => {
    const registry = registryOf();
    await registry.load(counted(tiny), { version: "2" });
    await registry.load(counted(tiny), { version: "10" });
    await registry.load(counted(tiny), { version: "1" });
    expect(registry.get().version).toBe("10");
    expect(registry.get("tiny", "2").version).toBe("2");
    expect(registry.versions("tiny")).toEqual(["1", "2", "10"]);
    expect(registry.list().map((m) => m.version)).toEqual(["1", "2", "10"]);
    expect(() => registry.get("tiny", "3")).toThrow(/version 3 .*serving versions 1, 2, 10/);
    expect((() => {
      try {
        registry.get("nope");
      } catch (error) {
        return (error as FerryError).kind;
      }
    })()).toBe("not_found");
  });

  it("load() warms a session before it takes traffic and tells subscribers", async () => {
    const registry = registryOf();
    const events: RegistryEvent[] = [];
    registry.subscribe((event) => events.push(event));
    const model = await registry.load(counted(tiny), { version: "3" });
    expect(model.ready).toBe(true);
    expect(events).toEqual([{ type: "loaded", name: "tiny", version: "3" }]);
    await registry.unload("tiny");
    expect(events.at(-1)).toEqual({ type: "unloaded", name: "tiny", version: "3" });
    expect(registry.names()).toEqual([]);
  });

  it("a replaced version finishes the requests it holds, then its session is released", async () => {
    const registry = registryOf();
    const old = counted(tiny, 100);
    await registry.load(old, { owned: true });
    const running = registry.use("tiny", undefined, async (model) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { version: model.session, out: await model.batcher.submit(input()) };
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const next = counted(tiny);
    const swapped = registry.load(next, { owned: true });
    await new Promise((resolve) => setTimeout(resolve, 60));
    // The new session serves new requests while the old one still runs the held request.
    expect(registry.get().session).toBe(next);
    expect(registry.sessionCount).toBe(2);
    expect(old.released).toBe(0);
    const answer = await running;
    expect(answer.version).toBe(old);
    expect(answer.out).toHaveLength(3);
    await swapped;
    expect(old.released).toBe(1);
    expect(registry.sessionCount).toBe(1);
    expect(next.released).toBe(0);
  });

  it("unload() of one version leaves the others serving and keeps sessions it does not own", async () => {
    const registry = registryOf();
    const one = counted(tiny);
    await registry.load(one, { version: "1" });
    await registry.load(counted(tiny), { version: "2" });
    await registry.unload("tiny", "2");
    expect(registry.get().version).toBe("1");
    expect(one.released).toBe(0);
    await expect(registry.unload("tiny", "2")).rejects.toThrow(/not loaded/);
  });

  it("use() records successes, failures and batches in the statistics extension's shape", async () => {
    const registry = registryOf();
    await registry.load(counted(tiny));
    await registry.use(undefined, undefined, (m) => m.batcher.submitAll([input(), input()]));
    await expect(registry.use(undefined, undefined, () => Promise.reject(new Error("x"))))
      .rejects.toThrow("x");
    const stats = registry.get().stats.toJson("tiny", "1") as {
      inference_count: number;
      execution_count: number;
      inference_stats: Record<string, { count: number; ns: number }>;
      batch_stats: { batch_size: number }[];
    };
    expect(stats.inference_count).toBe(2);
    expect(stats.execution_count).toBe(1);
    expect(stats.inference_stats.success!.count).toBe(1);
    expect(stats.inference_stats.fail!.count).toBe(1);
    expect(stats.inference_stats.compute_infer!.ns).toBeGreaterThan(0);
    expect(stats.batch_stats.map((b) => b.batch_size)).toEqual([2]);
  });
});
