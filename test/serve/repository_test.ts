import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openClassifier } from "../../src/runtime/mod.ts";
import {
  createApp,
  type ModelControlMode,
  scanRepository,
  type ServeApp,
} from "../../src/serve/mod.ts";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";

const services: ServeApp[] = [];
afterEach(async () => {
  for (const service of services.splice(0)) await service.drain();
});

/** Writes the tiny model as `dir/<name>/<version>/model.onnx` (`version` "" for the bare file). */
async function putModel(dir: string, name: string, version: string): Promise<void> {
  const folder = join(dir, name, version);
  await Deno.mkdir(folder, { recursive: true });
  await writeTinyModel(folder, { fileName: "model.onnx" });
}

async function repositoryApp(
  dir: string,
  mode: ModelControlMode,
  options: { token?: string; pollSecs?: number } = {},
) {
  const service = createApp({
    models: [],
    ...(options.token ? { token: options.token } : {}),
    repository: {
      dir,
      mode,
      pollSecs: options.pollSecs ?? 60,
      open: (path, name) => openClassifier(path, { threads: 1, name }),
    },
  });
  services.push(service);
  await service.warmUp();
  return service;
}

const pixels = { name: "image", datatype: "FP32", shape: [1, 32, 32, 3] };
const inferBody = () =>
  JSON.stringify({ inputs: [{ ...pixels, data: new Array(3072).fill(0.25) }] });
const post = (body?: string, headers: Record<string, string> = {}) => ({
  method: "POST",
  ...(body === undefined ? {} : { body }),
  headers: { "content-type": "application/json", ...headers },
});

describe("the model repository", () => {
  it("scanRepository() reads Triton's layout: numbered versions, a bare model.onnx as version 1", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-repo-" });
    await putModel(dir, "cifar", "1");
    await putModel(dir, "cifar", "12");
    await putModel(dir, "cifar", "latest"); // not a version: passed over
    await putModel(dir, "bare", "");
    await Deno.writeTextFile(join(dir, "README.md"), "not a model");
    const found = await scanRepository(dir);
    expect(found.map((e) => [e.name, e.version])).toEqual([
      ["bare", "1"],
      ["cifar", "1"],
      ["cifar", "12"],
    ]);
    expect(found[2]!.path).toBe(join(dir, "cifar", "12", "model.onnx"));
  });

  it("serves every version, the highest by default, with metadata, config and stats per version", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-repo-" });
    await putModel(dir, "tiny", "1");
    await putModel(dir, "tiny", "3");
    const { app } = await repositoryApp(dir, "none");

    const latest = await (await app.request("/v2/models/tiny/infer", post(inferBody()))).json();
    expect(latest.model_version).toBe("3");
    const one = await app.request("/v2/models/tiny/versions/1/infer", post(inferBody()));
    expect((await one.json()).model_version).toBe("1");
    expect((await app.request("/v2/models/tiny/versions/2/infer", post(inferBody()))).status)
      .toBe(404);

    const meta = await (await app.request("/v2/models/tiny/versions/1")).json();
    expect(meta).toMatchObject({
      name: "tiny",
      versions: ["1", "3"],
      platform: "onnxruntime_onnx",
    });
    expect(await (await app.request("/v2/models/tiny/versions/3/ready")).json())
      .toEqual({ name: "tiny", version: "3", ready: true });
    const config = await (await app.request("/v2/models/tiny/config")).json();
    expect(config).toMatchObject({
      name: "tiny",
      platform: "onnxruntime_onnx",
      input: [{ data_type: "TYPE_FP32", dims: [32, 32, 3] }],
      output: [{ data_type: "TYPE_FP32", dims: [3] }],
    });

    const stats = await (await app.request("/v2/models/tiny/versions/1/stats")).json();
    expect(stats.model_stats).toHaveLength(1);
    expect(stats.model_stats[0]).toMatchObject({
      name: "tiny",
      version: "1",
      inference_count: 1,
      execution_count: 1,
      inference_stats: { success: { count: 1 }, fail: { count: 0 } },
    });
    const all = await (await app.request("/v2/models/stats")).json();
    expect(all.model_stats.map((s: { version: string }) => s.version)).toEqual(["1", "3"]);

    const index = await (await app.request("/v2/repository/index", post())).json();
    expect(index).toEqual([
      { name: "tiny", version: "1", state: "READY", reason: "" },
      { name: "tiny", version: "3", state: "READY", reason: "" },
    ]);
    const refused = await app.request("/v2/repository/models/tiny/unload", post());
    expect(refused.status).toBe(400);
    expect((await refused.json()).error).toMatch(/control mode is 'none'/);
  });

  it("poll mode loads a version copied in and unloads a version removed, one session each", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-repo-" });
    await putModel(dir, "tiny", "1");
    const service = await repositoryApp(dir, "poll", { pollSecs: 0.2 });
    const { app } = service;
    expect((await (await app.request("/v2/models/tiny")).json()).versions).toEqual(["1"]);

    await putModel(dir, "tiny", "2");
    const started = performance.now();
    let version = "1";
    while (version !== "2" && performance.now() - started < 5000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      version = (await (await app.request("/v2/models/tiny/infer", post(inferBody()))).json())
        .model_version;
    }
    expect(version).toBe("2");
    // Within one interval of the copy, and the scan's load included.
    expect(performance.now() - started).toBeLessThan(2000);

    await Deno.remove(join(dir, "tiny", "1"), { recursive: true });
    await service.state.repository!.poll();
    expect(service.state.models.versions("tiny")).toEqual(["2"]);
    expect(service.state.models.sessionCount).toBe(1);
    const index = await (await app.request("/v2/repository/index", post())).json();
    expect(index).toEqual([{ name: "tiny", version: "2", state: "READY", reason: "" }]);
  });

  it("explicit mode loads and unloads only on request, behind the token", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-repo-" });
    await putModel(dir, "tiny", "1");
    await putModel(dir, "other", "");
    const service = await repositoryApp(dir, "explicit", { token: "s3cret" });
    const { app } = service;
    const auth = { authorization: "Bearer s3cret" };
    expect(service.state.models.names()).toEqual([]);
    expect((await app.request("/v2/models/tiny/infer", post(inferBody(), auth))).status).toBe(404);
    const index = await (await app.request("/v2/repository/index", post(undefined, auth))).json();
    expect(index.map((r: { state: string }) => r.state)).toEqual(["UNAVAILABLE", "UNAVAILABLE"]);

    expect((await app.request("/v2/repository/models/tiny/load", post())).status).toBe(401);
    const loaded = await app.request("/v2/repository/models/tiny/load", post(undefined, auth));
    expect(loaded.status).toBe(200);
    await app.request("/v2/repository/models/other/load", post(undefined, auth));
    const ok = await app.request("/v2/models/tiny/infer", post(inferBody(), auth));
    expect((await ok.json()).model_version).toBe("1");

    // A second version on disk comes in with the next load of the model, as Triton reloads it.
    await putModel(dir, "tiny", "2");
    await app.request("/v2/repository/models/tiny/load", post(undefined, auth));
    expect(service.state.models.versions("tiny")).toEqual(["1", "2"]);

    const unloaded = await app.request("/v2/repository/models/other/unload", post(undefined, auth));
    expect(unloaded.status).toBe(200);
    expect(service.state.models.names()).toEqual(["tiny"]);
    expect(service.state.models.sessionCount).toBe(2);
    const missing = await app.request("/v2/repository/models/nope/load", post(undefined, auth));
    expect(missing.status).toBe(404);
    expect(
      (await (await app.request("/v2/repository/index", post('{"ready":true}', auth))).json())
        .map((r: { version: string }) => r.version),
    ).toEqual(["1", "2"]);
  });

  it("answers 404 on the repository routes of a server started without one", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-repo-" });
    const path = await writeTinyModel(dir);
    const session = await openClassifier(path, { threads: 1 });
    const service = createApp({ models: [session] });
    const res = await service.app.request("/v2/repository/index", post());
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatch(/--model-repository/);
    await session.release();
  });
});
