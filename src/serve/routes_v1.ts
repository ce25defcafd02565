import { Hono } from "hono";
import { FerryError } from "../errors.ts";
import type { ServeEnv, ServeState } from "./_state.ts";
import { readImageUpload } from "./_body.ts";
import { classifyImages } from "./_classify.ts";
import { modelSummary } from "./_describe.ts";

/** `/v1`: ferry's own API: classify uploaded images, list models. */
export function v1Routes(state: ServeState): Hono<ServeEnv> {
  const routes = new Hono<ServeEnv>();

  routes.post("/classify", async (c) => {
    const started = performance.now();
    const model = state.models.get(c.req.query("model"));
    const upload = await readImageUpload(c.req.raw, state.limits);
    const topK = parseTopK(c.req.query("top_k") ?? upload.fields["top_k"], state);
    const { predictions, decodeMs, inferenceMs } = await classifyImages(upload.images, {
      model,
      limits: state.limits,
      metrics: state.metrics,
      topK,
      background: state.background,
      decodePool: state.decodePool,
    });
    return c.json({
      model: model.name,
      predictions,
      timing_ms: {
        decode: round(decodeMs),
        inference: round(inferenceMs),
        total: round(performance.now() - started),
      },
    });
  });

  routes.get("/models", (c) =>
    c.json({
      default: state.models.defaultName,
      models: [...state.models.byName.values()].map(modelSummary),
    }));

  return routes;
}

function parseTopK(raw: string | undefined, state: ServeState): number {
  if (raw === undefined) return state.topK;
  const k = Number(raw);
  if (!Number.isInteger(k) || k < 1 || k > state.limits.maxTopK) {
    throw new FerryError(
      "usage",
      `Cannot use top_k: expected an integer from 1 to ${state.limits.maxTopK}, got '${raw}'`,
    );
  }
  return k;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
