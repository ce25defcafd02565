/**
 * The manifests under deploy/, read and validated offline: built-in kinds against the Kubernetes
 * schemas that npm's kubernetes-models carries (types, enums, required fields; its validators
 * let unknown fields through), KServe's kinds with ajv against ferry's own schemas of them
 * (_kserve_schemas.ts), unknown fields refused. KServe's own CRDs are not in the repository (this
 * workplace commits nothing taken from public repositories).
 *
 * @module
 */
import { Ajv } from "ajv";
import { Service } from "kubernetes-models/v1/Service";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Job } from "kubernetes-models/batch/v1/Job";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { parseAllDocuments } from "yaml";
import { INFERENCE_SERVICE, SERVING_RUNTIME } from "./_kserve_schemas.ts";

// deno-lint-ignore no-explicit-any
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; spec: any };

const DEPLOY = new URL("../../deploy/", import.meta.url);

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

const KSERVE: Record<string, object> = {
  "serving.kserve.io/v1beta1/InferenceService": INFERENCE_SERVICE,
  "serving.kserve.io/v1alpha1/ServingRuntime": SERVING_RUNTIME,
};

// Kubernetes' schemas use formats (int64, quantity…) and x-kubernetes-* keywords that only the
// API server knows; types, enums, required fields and structure are what ajv checks here.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

/** The compiled validator for `key`, compiled from `schema()` the first time. */
function validatorFor(key: string, schema: () => unknown): ReturnType<typeof ajv.compile> {
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(schema() as object);
    validators.set(key, validate);
  }
  return validate;
}

/** Validates a manifest against its kind's schema(s); throws with the schema's complaint. */
export function validateManifest(manifest: Manifest): void {
  const kind = `${manifest.apiVersion}/${manifest.kind}`;
  const Model = BUILT_IN[kind];
  if (Model) {
    new Model(structuredClone(manifest) as never).validate();
    return;
  }
  const ferrySchema = KSERVE[kind];
  if (!ferrySchema) throw new Error(`no schema for ${kind}`);
  const checks = [{ by: "ferry's schema", validate: validatorFor(kind, () => ferrySchema) }];
  for (const { by, validate } of checks) {
    if (!validate(manifest)) {
      throw new Error(
        `${kind} ${manifest.metadata?.name} (${by}): ${ajv.errorsText(validate.errors)}`,
      );
    }
  }
}
