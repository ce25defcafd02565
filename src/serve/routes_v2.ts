import { Hono } from "hono";
import type { Context } from "hono";
import { FerryError } from "../errors.ts";
import { VERSION } from "../version.ts";
import type { ServeEnv, ServeState } from "./_state.ts";
import { readBody } from "./_body.ts";
import { modelConfig, modelSummary } from "./_describe.ts";
import { binaryResponse, HEADER_LENGTH, splitBody } from "./_binary_body.ts";
import { readInputs } from "./_infer_inputs.ts";
import { inferAnswer, readOutputRequests } from "./_infer_outputs.ts";
import { EXTENSIONS } from "./_infer_parameters.ts";
import { parseJsonObject } from "./_tensor_json.ts";
import { parseInferJson } from "./_infer_json.ts";

/** The server's name, version and protocol extensions as `GET /v2` reports them. */
export const SERVER_METADATA = { name: "ferry", version: VERSION, extensions: EXTENSIONS };

/**
 * `/v2`: the Open Inference Protocol (KServe / Triton) over REST: health, server and model
 * metadata, configuration and statistics, inference with JSON or binary tensor data (FP32,
 * UINT8 pixels, BYTES images, classification), every model route also under
 * `/versions/{version}`, and the model repository extension.
 */
export function v2Routes(state: ServeState): Hono<ServeEnv> {
  const routes = new Hono<ServeEnv>();
  const { models } = state;
  const named = (c: Context<ServeEnv>) =>
    [c.req.param("name") as string, c.req.param("version") || undefined] as const;

  routes.get("/", (c) => c.json(SERVER_METADATA));
  routes.get("/health/live", (c) => c.json({ live: true }));
  routes.get("/health/ready", (c) => c.json({ ready: models.ready }, models.ready ? 200 : 503));
  // Before `/models/:name`, which would take "stats" for a model's name.
  routes.get(
    "/models/stats",
    (c) => c.json({ model_stats: models.list().map((m) => m.stats.toJson(m.name, m.version)) }),
  );
  for (const base of ["/models/:name", "/models/:name/versions/:version"]) {
    routes.get(base, (c) => c.json(modelSummary(models, ...named(c))));
    routes.get(`${base}/ready`, (c) => {
      const model = models.get(...named(c));
      const ready = model.ready && !models.draining;
      return c.json({ name: model.name, version: model.version, ready }, ready ? 200 : 503);
    });
    routes.get(`${base}/config`, (c) => c.json(modelConfig(models.get(...named(c)))));
    routes.get(`${base}/stats`, (c) => {
      const [name, version] = named(c);
      models.get(name, version);
      const chosen = models.list().filter((m) =>
        m.name === name && (version === undefined || m.version === version)
      );
      return c.json({ model_stats: chosen.map((m) => m.stats.toJson(m.name, m.version)) });
    });
    routes.post(`${base}/infer`, async (c) => {
      const [name, version] = named(c);
      models.get(name, version); // an unknown model is refused before its body is read
      const bytes = await readBody(c.req.raw, state.limits.maxBodyBytes);
      const { json, binary } = splitBody(bytes, c.req.header(HEADER_LENGTH));
      const body = state.jsonPool ? await state.jsonPool.parse(json) : parseInferJson(json);
      const answer = await models.use(name, version, async (model) => {
        const outputs = readOutputRequests(body, model, state.limits.maxTopK);
        const inputs = await readInputs(body, binary, model, state);
        const deadline = performance.now() + state.limits.deadlineMs;
        const rows = await model.batcher.submitAll(inputs, { deadline });
        const id = typeof body.id === "string" ? body.id : c.get("requestId");
        return inferAnswer(rows, outputs, model, id);
      });
      return answer.parts.length
        ? binaryResponse(answer.header, answer.parts)
        : c.json(answer.header);
    });
  }
  routes.post("/repository/index", async (c) => {
    const body = await readBody(c.req.raw, state.limits.maxBodyBytes);
    const ready = body.length > 0 && parseJsonObject(body).ready === true;
    return c.json(await repositoryOf(state).index(ready));
  });
  routes.post("/repository/models/:name/load", async (c) => {
    await repositoryOf(state).load(c.req.param("name"));
    return c.json({});
  });
  routes.post("/repository/models/:name/unload", async (c) => {
    await repositoryOf(state).unload(c.req.param("name"));
    return c.json({});
  });

  return routes;
}

function repositoryOf(state: ServeState) {
  if (!state.repository) {
    throw new FerryError(
      "not_found",
      "Cannot use the model repository: the server was started without --model-repository",
    );
  }
  return state.repository;
}
