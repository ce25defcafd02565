import { Hono } from "hono";
import { FerryError } from "../errors.ts";
import type { ServeEnv, ServeState } from "./_state.ts";
import { readBody } from "./_body.ts";
import { modelSummary } from "./_describe.ts";
import { checkOutputs, imageCount, imageRows } from "./_tensor_input.ts";
import type { ServedModel } from "./_models.ts";

/** The server's name and version as `GET /v2` reports them. */
export const SERVER_METADATA = { name: "ferry", version: "0.1.0", extensions: [] as string[] };

/**
 * `/v2`: the Open Inference Protocol (KServe / Triton) over REST: health, server and model
 * metadata, and inference with the JSON tensor format.
 */
export function v2Routes(state: ServeState): Hono<ServeEnv> {
  const routes = new Hono<ServeEnv>();
  const { models } = state;

  routes.get("/", (c) => c.json(SERVER_METADATA));
  routes.get("/health/live", (c) => c.json({ live: true }));
  routes.get("/health/ready", (c) => c.json({ ready: models.ready }, models.ready ? 200 : 503));
  routes.get("/models/:name", (c) => c.json(modelSummary(models.get(c.req.param("name")))));
  routes.get("/models/:name/ready", (c) => {
    const model = models.get(c.req.param("name"));
    const ready = model.ready && !models.draining;
    return c.json({ name: model.name, ready }, ready ? 200 : 503);
  });
  routes.post("/models/:name/infer", async (c) => {
    const model = models.get(c.req.param("name"));
    const body = parseJson(await readBody(c.req.raw, state.limits.maxBodyBytes));
    const { inputs, count } = readInputTensor(body, model, state.limits.maxFiles);
    if (Array.isArray(body.outputs)) checkOutputs(body.outputs, model);
    const outputName = model.session.info.outputName;
    const deadline = performance.now() + state.limits.deadlineMs;
    const outputs = await model.batcher.submitAll(inputs, { deadline });
    const classes = model.session.info.classNames.length;
    const data = new Array<number>(count * classes);
    outputs.forEach((row, i) => row.forEach((v, j) => data[i * classes + j] = v));
    return c.json({
      model_name: model.name,
      model_version: "1",
      id: typeof body.id === "string" ? body.id : c.get("requestId"),
      outputs: [{ name: outputName, datatype: "FP32", shape: [count, classes], data }],
    });
  });

  return routes;
}

function parseJson(bytes: Uint8Array): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new FerryError("usage", `Cannot parse the request as JSON: ${(error as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new FerryError("usage", "Cannot infer: the request must be a JSON object with 'inputs'");
  }
  return body as Record<string, unknown>;
}

/** Checks the one FP32 input tensor against the model and splits it into per-image rows. */
function readInputTensor(
  body: Record<string, unknown>,
  model: ServedModel,
  maxImages: number,
): { inputs: Float32Array[]; count: number } {
  const given = body.inputs;
  if (!Array.isArray(given) || given.length !== 1) {
    throw new FerryError("usage", "Cannot infer: 'inputs' must hold exactly one tensor");
  }
  const tensor = (given[0] ?? {}) as Record<string, unknown>;
  const count = imageCount({ datatype: tensor.datatype, shape: tensor.shape }, model, maxImages);
  const data = Array.isArray(tensor.data) ? tensor.data.flat(Infinity) : undefined;
  if (!data || data.some((v) => typeof v !== "number")) {
    throw new FerryError("usage", "Cannot infer: 'data' must be an array of numbers");
  }
  return { inputs: imageRows(Float32Array.from(data as number[]), count, model), count };
}
