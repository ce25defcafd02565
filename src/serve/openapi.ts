import type { ServeState } from "./_state.ts";
import { SERVER_METADATA } from "./routes_v2.ts";

const json = (schema: unknown) => ({ "application/json": { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((code) => [String(code), {
      description: ERROR_MEANINGS[code] ?? "Error",
      content: json(ref("Error")),
    }]),
  );

const ERROR_MEANINGS: Record<number, string> = {
  400: "Bad request: no image, bad parameter or malformed body",
  401: "Missing or wrong bearer token",
  404: "Unknown model",
  413: "Body too large or too many images",
  415: "Not an accepted image format (SVG unless enabled)",
  422: "Undecodable image or too many pixels",
  503: "Queue full, deadline passed or not ready (see Retry-After)",
};

const SCORED = {
  type: "object",
  required: ["label", "probability"],
  properties: { label: { type: "string" }, probability: { type: "number" } },
};

const TENSOR = {
  type: "object",
  required: ["name", "datatype", "shape"],
  properties: {
    name: { type: "string" },
    datatype: { type: "string", enum: ["FP32", "UINT8", "BYTES"] },
    parameters: { type: "object", additionalProperties: true },
    shape: { type: "array", items: { type: "integer" } },
    data: { type: "array", items: {} },
  },
};

const get = (summary: string, schema: unknown, ...codes: number[]) => ({
  get: {
    summary,
    responses: { "200": { description: "OK", content: json(schema) }, ...errors(...codes) },
  },
});

/** The OpenAPI 3.1 description of every route, with the served models' names as an enum. */
export function openApiDocument(state: ServeState): Record<string, unknown> {
  const names = state.models.names();
  const modelParam = {
    name: "name",
    in: "path",
    required: true,
    schema: { type: "string", enum: names },
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "ferry prediction service",
      version: SERVER_METADATA.version,
      description: "Image classification with ONNX models: ferry's v1 API and the Open Inference " +
        'Protocol (v2). Every error is JSON `{"error": "…"}`.',
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Error: { type: "object", required: ["error"], properties: { error: { type: "string" } } },
        Scored: SCORED,
        Tensor: TENSOR,
        Model: { type: "object", additionalProperties: true },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      "/": {
        get: {
          summary: "The drag-and-drop page",
          security: [],
          responses: { "200": { description: "HTML", content: { "text/html": {} } } },
        },
      },
      "/v1/classify": {
        post: {
          summary: "Classify one or more images",
          parameters: [
            { name: "model", in: "query", schema: { type: "string", enum: names } },
            {
              name: "top_k",
              in: "query",
              schema: { type: "integer", minimum: 1, maximum: state.limits.maxTopK },
            },
          ],
          requestBody: {
            required: true,
            content: {
              "multipart/form-data": {
                schema: {
                  type: "object",
                  properties: {
                    image: { type: "array", items: { type: "string", format: "binary" } },
                    top_k: { type: "integer" },
                  },
                },
              },
              "image/*": { schema: { type: "string", format: "binary" } },
              "application/octet-stream": { schema: { type: "string", format: "binary" } },
            },
          },
          responses: {
            "200": {
              description: "Predictions in upload order",
              content: json({
                type: "object",
                properties: {
                  model: { type: "string" },
                  predictions: {
                    type: "array",
                    items: {
                      allOf: [ref("Scored"), {
                        type: "object",
                        properties: { top_k: { type: "array", items: ref("Scored") } },
                      }],
                    },
                  },
                  timing_ms: { type: "object", additionalProperties: { type: "number" } },
                },
              }),
            },
            ...errors(400, 401, 404, 413, 415, 422, 503),
          },
        },
      },
      "/v1/models": get("List the served models", { type: "object" }, 401),
      "/v2": get("Server metadata", { type: "object" }, 401),
      "/v2/health/live": { get: { ...get("Liveness", { type: "object" }).get, security: [] } },
      "/v2/health/ready": {
        get: { ...get("Readiness: every model loaded and warmed up", {}, 503).get, security: [] },
      },
      ...v2ModelPaths(modelParam),
      "/v2/models/stats": get("Statistics of every loaded version", { type: "object" }, 401),
      "/v2/repository/index": post("The repository's model versions and their states", 401, 404),
      "/v2/repository/models/{name}/load": {
        ...post("Load every version of a model (explicit mode)", 400, 401, 404),
        parameters: [{ ...modelParam, schema: { type: "string" } }],
      },
      "/v2/repository/models/{name}/unload": {
        ...post("Unload a model once its requests are done (explicit mode)", 400, 401, 404),
        parameters: [{ ...modelParam, schema: { type: "string" } }],
      },
      "/models/{name}/card": {
        get: {
          summary: "The model's card (card.html beside its file)",
          responses: {
            "200": { description: "Self-contained HTML", content: { "text/html": {} } },
            ...errors(401, 404),
          },
        },
        parameters: [modelParam],
      },
      "/metrics": {
        get: {
          summary: "Prometheus metrics",
          responses: { "200": { description: "Text format", content: { "text/plain": {} } } },
        },
      },
      "/openapi.json": get("This document", { type: "object" }, 401),
    },
  };
}

const post = (summary: string, ...codes: number[]) => ({
  post: {
    summary,
    responses: { "200": { description: "OK", content: json({}) }, ...errors(...codes) },
  },
});

const INFER = {
  summary: "Inference (Open Inference Protocol): JSON, or binary tensor data after a JSON header",
  requestBody: {
    required: true,
    content: {
      ...json({
        type: "object",
        required: ["inputs"],
        properties: {
          id: { type: "string" },
          parameters: { type: "object", properties: { binary_data_output: { type: "boolean" } } },
          inputs: { type: "array", items: ref("Tensor"), minItems: 1, maxItems: 1 },
          outputs: {
            type: "array",
            items: {
              type: "object",
              properties: {
                name: { type: "string" },
                parameters: {
                  type: "object",
                  properties: {
                    binary_data: { type: "boolean" },
                    classification: { type: "integer", minimum: 1 },
                  },
                },
              },
            },
          },
        },
      }),
      "application/octet-stream": {
        description: "The JSON header (Inference-Header-Content-Length bytes), then the tensors",
        schema: { type: "string", format: "binary" },
      },
    },
  },
  responses: {
    "200": {
      description: "Output tensor: probabilities, or top K strings with classification",
      content: {
        ...json({
          type: "object",
          properties: {
            model_name: { type: "string" },
            model_version: { type: "string" },
            id: { type: "string" },
            outputs: { type: "array", items: ref("Tensor") },
          },
        }),
        "application/octet-stream": { schema: { type: "string", format: "binary" } },
      },
    },
    ...errors(400, 401, 404, 413, 415, 422, 503),
  },
};

/** The model routes, each with and without `/versions/{version}`. */
function v2ModelPaths(modelParam: Record<string, unknown>): Record<string, unknown> {
  const versionParam = {
    name: "version",
    in: "path",
    required: true,
    schema: { type: "string", pattern: "^[1-9][0-9]*$" },
  };
  const routes: Record<string, Record<string, unknown>> = {
    "": get("Model metadata", ref("Model"), 401, 404),
    "/ready": get("Model readiness", { type: "object" }, 401, 404, 503),
    "/config": get("Model configuration (Triton's shape)", { type: "object" }, 401, 404),
    "/stats": get("Model statistics (the statistics extension)", { type: "object" }, 401, 404),
    "/infer": { post: INFER },
  };
  const paths: Record<string, unknown> = {};
  for (
    const [base, parameters] of [
      ["/v2/models/{name}", [modelParam]],
      ["/v2/models/{name}/versions/{version}", [modelParam, versionParam]],
    ] as const
  ) {
    for (const [suffix, route] of Object.entries(routes)) {
      paths[base + suffix] = { ...route, parameters };
    }
  }
  return paths;
}
