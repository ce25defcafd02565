/**
 * deploy/kubernetes/ and deploy/kserve/: every manifest valid against its kind's schema, and
 * consistent with ferry and with each other (probes, shutdown timing, selectors, shards, flags).
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { SERVER_DEFAULTS } from "../../src/serve/mod.ts";
import { type Manifest, manifestOf, readManifests, validateManifest } from "./_manifests.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

const all = [...readManifests("kubernetes"), ...readManifests("kserve")];

/** Whether `ferry <args>` parses (asked with --help, so that nothing runs). */
async function ferryAccepts(args: string[]): Promise<boolean> {
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
  const code = await main([...args, "--help"]);
  vi.restoreAllMocks();
  return code === 0;
}

/** The value that follows `flag` in `args`, if any. */
const flagValue = (args: string[], flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};

describe("deploy/ manifests", () => {
  test("are the kinds a Deployment, a Job and KServe need, each once", () => {
    expect(all.map((m) => `${m.file}: ${m.manifest.kind}`)).toEqual([
      "kubernetes/classify-job.yaml: Job",
      "kubernetes/deployment.yaml: Deployment",
      "kubernetes/hpa.yaml: HorizontalPodAutoscaler",
      "kubernetes/pdb.yaml: PodDisruptionBudget",
      "kubernetes/service.yaml: Service",
      "kserve/inference-service.yaml: InferenceService",
      "kserve/serving-runtime.yaml: ServingRuntime",
    ]);
  });

  for (const { file, manifest } of all) {
    test(`${file} is a valid ${manifest.kind}`, () => {
      expect(() => validateManifest(manifest)).not.toThrow();
    });
  }

  test("the validators reject a wrong type in a built-in kind and in a KServe kind", () => {
    const deployment = structuredClone(manifestOf("kubernetes", "Deployment"));
    deployment.spec.template.spec.containers[0].ports[0].containerPort = "eighty";
    expect(() => validateManifest(deployment)).toThrow(/containerPort must be integer/);
    const service = structuredClone(manifestOf("kserve", "InferenceService"));
    service.spec.predictor.minReplicas = "one";
    expect(() => validateManifest(service)).toThrow(/minReplicas must be integer/);
    const runtime = structuredClone(manifestOf("kserve", "ServingRuntime"));
    delete runtime.spec.containers[0].name;
    expect(() => validateManifest(runtime)).toThrow(/must have required property 'name'/);
  });

  test("a misspelt field in a KServe kind is refused, as kubectl's strict validation does", () => {
    const service = structuredClone(manifestOf("kserve", "InferenceService"));
    service.spec.predictor.model.protocolVerison = service.spec.predictor.model.protocolVersion;
    expect(() => validateManifest(service)).toThrow(/must NOT have additional properties/);
  });

  test("with a folder of KServe's CRDs, KServe's kinds are also checked against them", () => {
    // A CRD made here in KServe's shape, standing in for an operator's copy of KServe's own.
    const predictor = {
      type: "object",
      properties: {
        minReplicas: { type: "integer" },
        maxReplicas: { type: "integer", maximum: 2 },
        model: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      },
    };
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "inferenceservices.serving.kserve.io" },
      spec: {
        group: "serving.kserve.io",
        names: { kind: "InferenceService", plural: "inferenceservices" },
        scope: "Namespaced",
        versions: [{
          name: "v1beta1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: { type: "object", properties: { predictor } },
              },
            },
          },
        }],
      },
    };
    const dir = Deno.makeTempDirSync();
    try {
      Deno.writeTextFileSync(`${dir}/inferenceservices.yaml`, JSON.stringify(crd));
      const service = structuredClone(manifestOf("kserve", "InferenceService"));
      expect(() => validateManifest(service, { kserveCrds: dir })).toThrow(
        /KServe's CRD in .*maxReplicas must be <= 2/,
      );
      service.spec.predictor.maxReplicas = 2;
      expect(() => validateManifest(service, { kserveCrds: dir })).not.toThrow();
      // A field that ferry's schema knows and this CRD does not: refused, as kubectl would.
      service.spec.predictor.scaleMetric = "rps";
      expect(() => validateManifest(service)).not.toThrow();
      expect(() => validateManifest(service, { kserveCrds: dir })).toThrow(
        /KServe's CRD .*must NOT have additional properties/,
      );
      const runtime = manifestOf("kserve", "ServingRuntime");
      expect(() => validateManifest(runtime, { kserveCrds: dir })).toThrow(
        /no CustomResourceDefinition for serving.kserve.io\/v1alpha1 ServingRuntime/,
      );
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
});

describe("deploy/kubernetes/", () => {
  const deployment = manifestOf("kubernetes", "Deployment");
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  test("the Deployment runs two replicas, checked on ferry's health routes", () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(container.readinessProbe.httpGet.path).toBe("/v2/health/ready");
    expect(container.livenessProbe.httpGet.path).toBe("/v2/health/live");
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String) });
    expect(container.resources.limits).toMatchObject({ memory: expect.any(String) });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
  });

  test("the grace period outlasts the preStop pause plus ferry's own shutdown timeout", () => {
    const [sleep, seconds] = container.lifecycle.preStop.exec.command;
    expect(sleep).toBe("sleep");
    const drainMs = Number(
      flagValue(container.args, "--shutdown-timeout-ms") ??
        SERVER_DEFAULTS.shutdownTimeoutMs,
    );
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
      Number(seconds) * 1000 + drainMs,
    );
  });

  test("the Service, autoscaler and disruption budget all point at the Deployment's pods", () => {
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    expect(manifestOf("kubernetes", "Service").spec.selector).toEqual(labels);
    expect(manifestOf("kubernetes", "PodDisruptionBudget").spec.selector.matchLabels).toEqual(
      labels,
    );
    const hpa = manifestOf("kubernetes", "HorizontalPodAutoscaler");
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: "ferry" });
    expect(hpa.spec.minReplicas).toBe(deployment.spec.replicas);
    expect(manifestOf("kubernetes", "Service").spec.ports[0].targetPort).toBe(
      container.ports[0].name,
    );
  });

  test("the classify Job gives each of its N indexes shard i/N and a CSV of its own", () => {
    const job = manifestOf("kubernetes", "Job");
    expect(job.spec.completionMode).toBe("Indexed");
    const args: string[] = job.spec.template.spec.containers[0].args;
    expect(args[0]).toBe("classify");
    expect(flagValue(args, "--shard")).toBe(`$(JOB_COMPLETION_INDEX)/${job.spec.completions}`);
    expect(flagValue(args, "--out")).toContain("$(JOB_COMPLETION_INDEX)");
  });

  test("every ferry command line in the manifests parses with ferry's own flags", async () => {
    const commandLines: string[][] = [
      container.args,
      manifestOf("kubernetes", "Job").spec.template.spec.containers[0].args,
      manifestOf("kserve", "ServingRuntime").spec.containers[0].args,
    ];
    for (const args of commandLines) {
      const concrete = args.map((a) => a.replaceAll("$(JOB_COMPLETION_INDEX)", "0"));
      expect({ args, parses: await ferryAccepts(concrete) }).toEqual({ args, parses: true });
    }
    expect(await ferryAccepts(["serve", "--no-such-flag"])).toBe(false);
  });
});

describe("deploy/kserve/", () => {
  const service: Manifest = manifestOf("kserve", "InferenceService");
  const runtime: Manifest = manifestOf("kserve", "ServingRuntime");

  test("the InferenceService asks ferry's runtime for the Open Inference Protocol v2", () => {
    const model = service.spec.predictor.model;
    expect(model.protocolVersion).toBe("v2");
    expect(model.runtime).toBe(runtime.metadata.name);
    expect(runtime.spec.protocolVersions).toContain("v2");
    expect(runtime.spec.supportedModelFormats.map((f: { name: string }) => f.name)).toContain(
      model.modelFormat.name,
    );
    expect(model.storageUri).toMatch(/^[a-z0-9]+:\/\//);
  });

  test("the runtime's container is KServe's, on port 8080, ready on ferry's route", () => {
    const [container] = runtime.spec.containers;
    expect(container.name).toBe("kserve-container");
    expect(container.ports[0].containerPort).toBe(8080);
    expect(container.readinessProbe.httpGet.path).toBe("/v2/health/ready");
    // The model in /mnt/models is served under the InferenceService's name.
    expect(container.args).toContain("--model-name={{.Name}}");
  });
});
