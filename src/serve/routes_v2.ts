import { Hono } from "hono";
import { FerryError } from "../errors.ts";
import { valuesPerImage } from "../image/mod.ts";
import type { ServeEnv, ServeState } from "./app.ts";
import { readBody } from "./_body.ts";
import { parseJsonObject, tensorData } from "./_tensor_json.ts";
import { inputShape, modelSummary } from "./_describe.ts";
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
    const body = parseJsonObject(await readBody(c.req.raw, state.limits.maxBodyBytes));
    const { inputs, count } = readInputTensor(body, model, state.limits.maxFiles);
    const requested = body.outputs;
    const outputName = model.session.info.outputName;
    if (Array.isArray(requested)) {
      for (const output of requested as { name?: unknown }[]) {
        if (output?.name !== outputName) {
          throw new FerryError(
            "usage",
            `Cannot infer output '${output?.name}': model '${model.name}' has output '${outputName}'`,
          );
        }
      }
    }
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
  const tensor = given[0] as Record<string, unknown>;
  const info = model.session.info;
  if (tensor?.datatype !== "FP32") {
    throw new FerryError(
      "usage",
      `Cannot infer: input datatype must be FP32, got '${tensor?.datatype}'`,
    );
  }
  const expected = inputShape(model);
  const shape = tensor.shape;
  const count = Array.isArray(shape) ? shape[0] : undefined;
  const shapeOk = Array.isArray(shape) && shape.length === expected.length &&
    Number.isInteger(count) && count > 0 &&
    expected.every((dim, i) => i === 0 || shape[i] === dim);
  if (!shapeOk) {
    throw new FerryError(
      "usage",
      `Cannot infer: input shape must be [N,${expected.slice(1).join(",")}], got ${
        JSON.stringify(shape)
      }`,
    );
  }
  if (count > maxImages) {
    throw new FerryError(
      "too_large",
      `Cannot infer ${count} images in one request: the limit is ${maxImages}`,
    );
  }
  const perImage = valuesPerImage(info.inputSpec);
  const flat = tensorData(tensor.data, shape as number[]);
  const inputs = Array.from(
    { length: count },
    (_, i) => flat.slice(i * perImage, (i + 1) * perImage),
  );
  return { inputs, count };
}
