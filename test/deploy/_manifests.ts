/**
 * The manifests under deploy/, read and validated offline: built-in kinds against the Kubernetes
 * schemas that npm's kubernetes-models carries (types, enums, required fields; its validators
 * let unknown fields through), KServe's kinds with ajv against ferry's own schemas of them
 * (_kserve_schemas.ts), unknown fields refused. KServe's own CRDs are not in the repository (this
 * workplace commits nothing taken from public repositories); where FERRY_KSERVE_CRDS names a folder
 * of their YAML files, KServe's kinds are also checked against their openAPIV3Schema, made strict.
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

/** Where validateManifest() finds schemas beyond ferry's own. */
export interface ValidateOptions {
  /**
   * A folder of KServe's own CRD YAML files (an operator's copy): KServe's kinds are then also
   * checked against the openAPIV3Schema of their CRD there.
   * @default Deno.env.get("FERRY_KSERVE_CRDS")
   */
  kserveCrds?: string | undefined;
}

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

/** The openAPIV3Schema that a CustomResourceDefinition in `folder` gives `apiVersion`/`kind`. */
function crdSchema(folder: string, apiVersion: string, kind: string): unknown {
  const [group, version] = apiVersion.split("/");
  const files = [...Deno.readDirSync(folder)].map((e) => e.name)
    .filter((n) => /\.ya?ml$/.test(n)).sort();
  for (const file of files) {
    for (const doc of parseAllDocuments(Deno.readTextFileSync(`${folder}/${file}`))) {
      const crd = doc.toJSON();
      if (
        crd?.kind !== "CustomResourceDefinition" || crd.spec?.group !== group ||
        crd.spec?.names?.kind !== kind
      ) continue;
      // deno-lint-ignore no-explicit-any
      const served = crd.spec.versions?.find((v: any) => v.name === version);
      if (served?.schema?.openAPIV3Schema) return served.schema.openAPIV3Schema;
    }
  }
  throw new Error(`no CustomResourceDefinition for ${apiVersion} ${kind} in ${folder}`);
}

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
export function validateManifest(
  manifest: Manifest,
  { kserveCrds = Deno.env.get("FERRY_KSERVE_CRDS") }: ValidateOptions = {},
): void {
  const kind = `${manifest.apiVersion}/${manifest.kind}`;
  const Model = BUILT_IN[kind];
  if (Model) {
    new Model(structuredClone(manifest) as never).validate();
    return;
  }
  const ferrySchema = KSERVE[kind];
  if (!ferrySchema) throw new Error(`no schema for ${kind}`);
  const checks = [{ by: "ferry's schema", validate: validatorFor(kind, () => ferrySchema) }];
  if (kserveCrds) {
    checks.push({
      by: `KServe's CRD in ${kserveCrds}`,
      validate: validatorFor(
        `${kserveCrds}\0${kind}`,
        () => strict(crdSchema(kserveCrds, manifest.apiVersion, manifest.kind)),
      ),
    });
  }
  for (const { by, validate } of checks) {
    if (!validate(manifest)) {
      throw new Error(
        `${kind} ${manifest.metadata?.name} (${by}): ${ajv.errorsText(validate.errors)}`,
      );
    }
  }
}
