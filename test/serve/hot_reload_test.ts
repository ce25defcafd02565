import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openClassifierInWorker } from "../../src/runtime/mod.ts";
import { createApp, type ModelControlMode, startServer } from "../../src/serve/mod.ts";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";

async function putModel(dir: string, name: string, version: string): Promise<void> {
  const folder = join(dir, name, version);
  await Deno.mkdir(folder, { recursive: true });
  // Written beside and renamed in, as an operator copies a model into a live repository.
  await writeTinyModel(dir, { fileName: `.${name}-${version}.tmp` });
  await Deno.rename(join(dir, `.${name}-${version}.tmp`), join(folder, "model.onnx"));
}

/** A served repository on a real socket whose sessions (worker threads) are counted as they live. */
async function serveRepository(dir: string, mode: ModelControlMode, pollSecs = 60) {
  let alive = 0;
  const opened: Record<string, number> = {};
  const service = createApp({
    models: [],
    token: "t",
    batching: { maxWaitMs: 2 },
    repository: {
      dir,
      mode,
      pollSecs,
      open: async (path, name) => {
        opened[path] = performance.now();
        const session = await openClassifierInWorker(path, { threads: 1, name });
        alive++;
        return {
          ...session,
          info: session.info,
          run: (input, count) => session.run(input, count),
          release: async () => {
            alive--;
            await session.release();
          },
        };
      },
    },
  });
  const server = await startServer(service, { port: 0 });
  await service.warmUp();
  const url = `http://127.0.0.1:${server.addr.port}`;
  const loaded: Record<string, number> = {};
  service.state.models.subscribe((event) => {
    if (event.type === "loaded") loaded[event.version] = performance.now();
  });
  return { service, server, url, alive: () => alive, opened, loaded };
}

/**
 * `clients` loops that post v2 infer requests until `stop` resolves: every answer's status, and
 * when each request started with the version that answered it.
 */
function load(url: string, clients: number, stop: Promise<void>) {
  const statuses = new Map<number, number>();
  const answers: { started: number; version: string }[] = [];
  let stopped = false;
  void stop.then(() => stopped = true);
  const body = JSON.stringify({
    inputs: [{
      name: "image",
      datatype: "FP32",
      shape: [1, 32, 32, 3],
      data: new Array(3072).fill(0.3),
    }],
  });
  const loops = Array.from({ length: clients }, async () => {
    while (!stopped) {
      const started = performance.now();
      const res = await fetch(`${url}/v2/models/tiny/infer`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", authorization: "Bearer t" },
      });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const answer = await res.json();
      if (res.ok) answers.push({ started, version: answer.model_version });
    }
  });
  /** The versions that answered requests started after `time`. */
  const versionsAfter = (
    time: number,
  ) => [...new Set(answers.filter((a) => a.started > time).map((a) => a.version))];
  return { done: Promise.all(loops), statuses, versionsAfter };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `change` while 32 clients post, after 0.7 s of traffic; every answer must be a 200. */
async function underLoad(url: string, change: () => Promise<void>) {
  const stop = Promise.withResolvers<void>();
  const traffic = load(url, 32, stop.promise);
  try {
    await sleep(700);
    await change();
  } finally {
    stop.resolve();
    await traffic.done;
  }
  expect([...traffic.statuses.keys()]).toEqual([200]);
  return traffic;
}

describe("hot reload under load (32 clients on a real socket)", () => {
  it("poll mode: a version copied in is opened at the next scan, serves once warm, and no request fails", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-reload-" });
    await putModel(dir, "tiny", "1");
    const pollMs = 500;
    const { service, server, url, alive, opened, loaded } = await serveRepository(
      dir,
      "poll",
      pollMs / 1000,
    );
    let copied = 0;
    try {
      const traffic = await underLoad(url, async () => {
        await putModel(dir, "tiny", "2");
        copied = performance.now();
        await sleep(pollMs + 1500);
        await Deno.remove(join(dir, "tiny", "1"), { recursive: true });
        await sleep(pollMs + 700);
      });
      expect(traffic.statuses.get(200)).toBeGreaterThan(100);
      // The next scan opens it: within one interval of the copy, plus what a loaded machine
      // adds to a timer's delay. Every request that starts once it is warm gets it.
      expect(opened[join(dir, "tiny", "2", "model.onnx")]! - copied).toBeLessThan(3 * pollMs);
      expect(traffic.versionsAfter(loaded["2"]!)).toEqual(["2"]);
      expect(service.state.models.versions("tiny")).toEqual(["2"]);
      expect(service.state.models.sessionCount).toBe(1);
      expect(alive()).toBe(1);
    } finally {
      await server.shutdown();
    }
    expect(alive()).toBe(0);
  });

  it("explicit mode: versions unloaded while requests run, and no request fails", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-reload-" });
    await putModel(dir, "tiny", "1");
    await putModel(dir, "tiny", "2");
    await putModel(dir, "other", "1");
    const { service, server, url, alive } = await serveRepository(dir, "explicit");
    const control = (what: string, name: string) =>
      fetch(`${url}/v2/repository/models/${name}/${what}`, {
        method: "POST",
        headers: { authorization: "Bearer t" },
      }).then(async (res) => (await res.body?.cancel(), res.status));
    expect(await control("load", "tiny")).toBe(200);
    expect(await control("load", "other")).toBe(200);
    expect(alive()).toBe(3);
    let reloaded = 0;
    try {
      const traffic = await underLoad(url, async () => {
        // The default model's highest version leaves the repository and is reloaded away.
        await Deno.remove(join(dir, "tiny", "2"), { recursive: true });
        expect(await control("load", "tiny")).toBe(200);
        reloaded = performance.now();
        expect(await control("unload", "other")).toBe(200);
        await sleep(1000);
      });
      expect(traffic.versionsAfter(reloaded)).toEqual(["1"]);
      expect(service.state.models.list().map((m) => `${m.name} ${m.version}`)).toEqual([
        "tiny 1",
      ]);
      expect(service.state.models.sessionCount).toBe(1);
      expect(alive()).toBe(1);
    } finally {
      await server.shutdown();
    }
    expect(alive()).toBe(0);
  });
});
