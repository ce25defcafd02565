/**
 * ferry's own JSON schemas for the two KServe kinds that deploy/kserve/ applies, written from
 * KServe's public API reference (field names, types, enums) for the fields ferry's manifests use.
 * Every object refuses fields it does not list, as `kubectl apply`'s default strict field
 * validation refuses fields a CRD does not know: a field KServe has but this file lacks is refused
 * too, until it is added here.
 *
 * @module
 */

type Schema = Record<string, unknown>;

/** An object with exactly these fields, of which `required` must be present. */
const fields = (properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: "object",
  properties,
  required,
  additionalProperties: false,
});

const text: Schema = { type: "string" };
const texts: Schema = { type: "array", items: text };
const flag: Schema = { type: "boolean" };
const count = (minimum = 0): Schema => ({ type: "integer", minimum });
const port: Schema = { type: "integer", minimum: 1, maximum: 65535 };
const textMap: Schema = { type: "object", additionalProperties: text };

// Kubernetes quantities: "1", "0.5", "500m", "320Mi", "1e3" (or a bare number in YAML).
const quantity: Schema = {
  anyOf: [
    { type: "number" },
    {
      type: "string",
      pattern: "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$",
    },
  ],
};
const resources = fields({
  requests: { type: "object", additionalProperties: quantity },
  limits: { type: "object", additionalProperties: quantity },
});

const env: Schema = { type: "array", items: fields({ name: text, value: text }, ["name"]) };

const metadata = fields({
  name: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 },
  namespace: text,
  labels: textMap,
  annotations: textMap,
}, ["name"]);

/** apiVersion, kind, metadata and a spec, as every KServe object has them. */
const kubernetesObject = (apiVersion: string, kind: string, spec: Schema): Schema =>
  fields({ apiVersion: { const: apiVersion }, kind: { const: kind }, metadata, spec }, [
    "apiVersion",
    "kind",
    "metadata",
    "spec",
  ]);

// The Open Inference Protocol (v2) and KServe's own (v1), each over REST or gRPC.
const protocolVersion: Schema = { enum: ["v1", "v2", "grpc-v1", "grpc-v2"] };

const modelFormat = fields({ name: text, version: text }, ["name"]);

export const INFERENCE_SERVICE: Schema = kubernetesObject(
  "serving.kserve.io/v1beta1",
  "InferenceService",
  fields({
    predictor: fields({
      minReplicas: count(),
      maxReplicas: count(),
      scaleTarget: count(1),
      scaleMetric: { enum: ["cpu", "memory", "concurrency", "rps"] },
      containerConcurrency: count(),
      timeout: count(1),
      serviceAccountName: text,
      model: fields({
        modelFormat,
        runtime: text,
        protocolVersion,
        storageUri: text,
        args: texts,
        env,
        resources,
      }, ["modelFormat"]),
    }),
  }, ["predictor"]),
);

const intOrString: Schema = { anyOf: [{ type: "integer" }, { type: "string" }] };

const probe = fields({
  httpGet: fields({ path: text, port: intOrString, scheme: { enum: ["HTTP", "HTTPS"] } }, [
    "port",
  ]),
  tcpSocket: fields({ port: intOrString }, ["port"]),
  initialDelaySeconds: count(),
  periodSeconds: count(1),
  timeoutSeconds: count(1),
  successThreshold: count(1),
  failureThreshold: count(1),
});

const container = fields({
  name: text,
  image: text,
  command: texts,
  args: texts,
  env,
  ports: {
    type: "array",
    items: fields({
      name: text,
      containerPort: port,
      protocol: { enum: ["TCP", "UDP", "SCTP"] },
    }, ["containerPort"]),
  },
  readinessProbe: probe,
  livenessProbe: probe,
  startupProbe: probe,
  resources,
  securityContext: fields({
    runAsNonRoot: flag,
    runAsUser: count(),
    runAsGroup: count(),
    allowPrivilegeEscalation: flag,
    readOnlyRootFilesystem: flag,
    capabilities: fields({ add: texts, drop: texts }),
  }),
}, ["name"]);

export const SERVING_RUNTIME: Schema = kubernetesObject(
  "serving.kserve.io/v1alpha1",
  "ServingRuntime",
  fields({
    annotations: textMap,
    supportedModelFormats: {
      type: "array",
      items: fields({ name: text, version: text, autoSelect: flag, priority: count(1) }, [
        "name",
      ]),
    },
    protocolVersions: { type: "array", items: protocolVersion },
    multiModel: flag,
    disabled: flag,
    containers: { type: "array", items: container, minItems: 1 },
  }, ["containers"]),
);
