/**
 * onnxruntime sessions with ferry's provider policy: try the requested execution providers in
 * order, one at a time (so onnxruntime never falls back silently), say why one was skipped, and
 * fail with every reason when none works.
 *
 * @module
 */
import type * as Ort from "onnxruntime-node";
import { FerryError } from "../errors.ts";
import { type Reporter, silentReporter } from "../progress/mod.ts";
import type { Provider } from "./classifier.ts";

/** Options of {@linkcode createOrtSession}. */
export interface SessionOptions {
  /** Execution providers to try, in order; the first that loads is used. @default ["cpu"] */
  providers?: Provider[];
  /** Threads for one operator (onnxruntime's intra-op pool); 0 lets onnxruntime choose. @default 0 */
  threads?: number;
  /** Receives a warning for each provider that could not be used. @default silentReporter */
  reporter?: Reporter;
}

/** The defaults of {@linkcode SessionOptions}. */
export const SESSION_DEFAULTS: Required<Omit<SessionOptions, "reporter">> = {
  providers: ["cpu"],
  threads: 0,
};

/** Every provider ferry knows, for validating flags. */
export const PROVIDERS: readonly Provider[] = ["cpu", "cuda"];

let ortModule: Promise<typeof Ort> | undefined;

/**
 * onnxruntime-node, loaded when a session is first opened rather than at import: its native
 * library costs a process about 0.3 s of CPU, which a thread that only hands work to model
 * workers (classify's main thread, the CLI's help) never needs to pay.
 */
export function loadOrt(): Promise<typeof Ort> {
  return ortModule ??= import("onnxruntime-node");
}

/** An onnxruntime session and the provider it runs on. */
export interface OrtSession {
  session: Ort.InferenceSession;
  provider: Provider;
}

/**
 * Opens an onnxruntime session on the first provider in `providers` that loads. A provider that
 * fails (CUDA without its libraries, no GPU) is reported through `reporter.warn` and the next is
 * tried; when none loads, a `model` FerryError lists each provider's reason. `label` names the
 * model in messages.
 */
export async function createOrtSession(
  bytes: Uint8Array,
  label: string,
  options: SessionOptions = {},
): Promise<OrtSession> {
  const { providers, threads } = { ...SESSION_DEFAULTS, ...options };
  const reporter = options.reporter ?? silentReporter;
  if (providers.length === 0) {
    throw new FerryError("usage", `Cannot open model '${label}': no execution provider given`);
  }
  for (const p of providers) {
    if (!PROVIDERS.includes(p)) {
      throw new FerryError(
        "usage",
        `Cannot use provider '${p}': expected one of ${PROVIDERS.join(", ")}`,
      );
    }
  }
  if (!Number.isInteger(threads) || threads < 0) {
    throw new FerryError("usage", `Cannot use threads: expected an integer ≥ 0, got ${threads}`);
  }
  const ort = await loadOrt();
  const reasons: string[] = [];
  for (const [i, provider] of providers.entries()) {
    try {
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: [provider],
        graphOptimizationLevel: "all",
        ...(threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
        // Idle pool threads sleep instead of spinning: a spinning pool takes the cores that
        // decoding and HTTP need (classify ran at half speed with 2 spinning threads).
        extra: { session: { intra_op: { allow_spinning: "0" } } },
      });
      return { session, provider };
    } catch (error) {
      const why = explain(provider, (error as Error).message);
      if (provider === "cpu" || /protobuf parsing failed|Load model/i.test(why)) {
        // The CPU provider is always there: its failure is the model's fault, not the provider's.
        throw new FerryError("model", `Cannot load model '${label}' in onnxruntime: ${why}`);
      }
      reasons.push(`${provider}: ${why}`);
      const next = providers[i + 1];
      reporter.warn(
        next
          ? `Provider '${provider}' is unavailable (${why}); falling back to '${next}'`
          : `Provider '${provider}' is unavailable (${why})`,
      );
    }
  }
  throw new FerryError(
    "model",
    `Cannot open model '${label}' with provider(s) ${providers.join(", ")}: ${reasons.join("; ")}`,
  );
}

function explain(provider: Provider, message: string): string {
  if (provider === "cuda" && /shared library|libcuda|libcudart|libcublas|CUDA/i.test(message)) {
    return `${message.trim()} — onnxruntime-node's CUDA libraries are missing or no GPU is ` +
      "visible; see the README on installing them";
  }
  return message.trim();
}
