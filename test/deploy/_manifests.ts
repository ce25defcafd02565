/**
 * The manifests under deploy/, read and validated offline: built-in kinds against the Kubernetes
 * schemas that npm's kubernetes-models carries (types, enums, required fields; its validators
 * let unknown fields through), KServe's kinds against the openAPIV3Schema of KServe's own CRDs
 * (test/testdata/kserve/) with ajv, unknown fields refused.
 *
 * @module
 */
import { Ajv } from "ajv";
import { Service } from "kubernetes-models/v1/Service";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Job } from "kubernetes-models/batch/v1/Job";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { parse as parseYaml, parseAllDocuments } from "yaml";

// deno-lint-ignore no-explicit-any
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; spec: any };

const DEPLOY = new URL("../../deploy/", import.meta.url);
const KSERVE_SCHEMAS = new URL("../testdata/kserve/", import.meta.url);

/** Every document of every YAML file under deploy/<folder>/, with the file it came from. */
export function readManifests(folder: string): { file: string; manifest: Manifest }[] {
  const dir = new URL(`${folder}/`, DEPLOY);
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".yaml"))
    .sort();
  return files.flatMap((file) =>
    parseAllDocuments(Deno.readTextFileSync(new URL(file, dir))).map((doc) => {
      if (doc.errors.length) throw new Error(`${folder}/${file}: ${doc.errors[0]!.message}`);
      return { file: `${folder}/${file}`, manifest: doc.toJSON() as Manifest };
    })
  );
}

/** One of a folder's manifests by kind (exactly one must exist). */
export function manifestOf(folder: string, kind: string): Manifest {
  const found = readManifests(folder).filter((m) => m.manifest.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind} in deploy/${folder}/`);
  return found[0]!.manifest;
}

const BUILT_IN: Record<string, new (data: never) => { validate(): void }> = {
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "batch/v1/Job": Job,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};

const KSERVE: Record<string, string> = {
  "serving.kserve.io/v1beta1/InferenceService": "inferenceservice_v1beta1_schema.yaml",
  "serving.kserve.io/v1alpha1/ServingRuntime": "servingruntime_v1alpha1_schema.yaml",
};

// Kubernetes' schemas use formats (int64, quantity…) and x-kubernetes-* keywords that only the
// API server knows; types, enums, required fields and structure are what ajv checks here.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const kserveValidators = new Map<string, ReturnType<typeof ajv.compile>>();

/**
 * The schema with unknown fields refused wherever it lists the fields, as `kubectl apply` does
 * by default (field validation "Strict") and a structural CRD schema implies.
 */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = strict(value);
  if (
    "properties" in out && !("additionalProperties" in out) &&
    !out["x-kubernetes-preserve-unknown-fields"]
  ) {
    out.additionalProperties = false;
  }
  return out;
}

/** Validates a manifest against its kind's schema; throws with the schema's complaint. */
export function validateManifest(manifest: Manifest): void {
  const kind = `${manifest.apiVersion}/${manifest.kind}`;
  const Model = BUILT_IN[kind];
  if (Model) {
    new Model(structuredClone(manifest) as never).validate();
    return;
  }
  const schemaFile = KSERVE[kind];
  if (!schemaFile) throw new Error(`no schema for ${kind}`);
  let validate = kserveValidators.get(kind);
  if (!validate) {
    const schema = parseYaml(Deno.readTextFileSync(new URL(schemaFile, KSERVE_SCHEMAS)));
    validate = ajv.compile(strict(schema) as object);
    kserveValidators.set(kind, validate);
  }
  if (!validate(manifest)) {
    throw new Error(`${kind} ${manifest.metadata?.name}: ${ajv.errorsText(validate.errors)}`);
  }
}
