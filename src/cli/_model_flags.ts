/**
 * What every command that runs an ONNX model shares: the model, provider and threads options for
 * its option table, the default model, and the flags that say what a foreign model's missing
 * metadata would have said, turned into {@linkcode ModelOverrides}.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import { findModels, type ModelOverrides, type Provider, PROVIDERS } from "../runtime/mod.ts";
import { type FlagSpec, listFlag, numberFlag, type ParsedFlags, stringFlag } from "./_command.ts";
import type { OptionTable } from "./_options.ts";

/** Where the shipped model lives; the default model is the first that `findModels` finds there. */
export const MODELS_DIR = "models";

/** The options every command that runs a model has, for its option table. */
export const MODEL_OPTIONS = {
  model: {
    value: "FILE",
    description: `ONNX model (default: the first .onnx under ${MODELS_DIR}/)`,
  },
  providers: {
    flag: "provider",
    value: "LIST",
    description: `Execution providers to try in order: ${PROVIDERS.join(", ")}`,
    choices: PROVIDERS,
  },
  threads: { value: "N", description: "onnxruntime threads per operator (0: onnxruntime chooses)" },
} as const satisfies OptionTable<{ model: string; providers: Provider[]; threads: number }>;

/** The flags that say what a foreign model's missing metadata would have said. */
export const OVERRIDE_FLAGS: Record<string, FlagSpec> = {
  labels: {
    type: "string",
    value: "A,B,…",
    multiple: true,
    description: "Class names, for a model without ferry metadata (or @FILE, one per line)",
  },
  "input-size": {
    type: "string",
    value: "W[xH]",
    description: "Input size in pixels, for a model without ferry metadata",
  },
  layout: { type: "string", value: "nhwc|nchw", description: "Input layout (foreign models)" },
  "channel-order": {
    type: "string",
    value: "rgb|bgr",
    description: "Channel order (foreign models)",
  },
  divisor: {
    type: "string",
    value: "N",
    description: "Pixels are divided by this first (foreign models)",
  },
  mean: {
    type: "string",
    value: "R,G,B",
    description: "Per-channel mean subtracted after dividing",
  },
  std: { type: "string", value: "R,G,B", description: "Per-channel std divided by after the mean" },
  "model-output": {
    type: "string",
    value: "probabilities|logits",
    description: "What the model outputs (logits get a softmax)",
  },
};

/** The model a command runs when none is given: the first under {@linkcode MODELS_DIR}. */
export async function defaultModelPath(): Promise<string> {
  const [found] = await findModels(MODELS_DIR);
  if (found === undefined) {
    throw new FerryError(
      "not_found",
      `Cannot find a model: no .onnx file under '${MODELS_DIR}/'; give one with --model`,
    );
  }
  return found;
}

/** The foreign-model flags as {@linkcode ModelOverrides}; flags not given are left out. */
export async function modelOverridesFlags(values: ParsedFlags["values"]): Promise<ModelOverrides> {
  const out: ModelOverrides = {};
  const labels = await labelsFlag(values);
  if (labels) out.labels = labels;
  const size = stringFlag(values, "input-size");
  if (size !== undefined) {
    const match = /^(\d+)(?:x(\d+))?$/i.exec(size.trim());
    if (!match || Number(match[1]) < 1 || Number(match[2] ?? match[1]) < 1) {
      throw new FerryError("usage", `Cannot use --input-size: expected W or WxH, got '${size}'`);
    }
    out.width = Number(match[1]);
    out.height = Number(match[2] ?? match[1]);
  }
  const layout = choice(values, "layout", ["nhwc", "nchw"] as const);
  if (layout) out.layout = layout;
  const order = choice(values, "channel-order", ["rgb", "bgr"] as const);
  if (order) out.channelOrder = order;
  const divisor = numberFlag(values, "divisor");
  if (divisor !== undefined) {
    if (divisor <= 0) {
      throw new FerryError("usage", `Cannot use --divisor: must be > 0, got ${divisor}`);
    }
    out.divisor = divisor;
  }
  const mean = triple(values, "mean");
  if (mean) out.mean = mean;
  const std = triple(values, "std");
  if (std) {
    if (std.some((s) => s <= 0)) {
      throw new FerryError("usage", `Cannot use --std: values must be > 0`);
    }
    out.std = std;
  }
  const output = choice(values, "model-output", ["probabilities", "logits"] as const);
  if (output) out.output = output;
  return out;
}

async function labelsFlag(values: ParsedFlags["values"]): Promise<string[] | undefined> {
  const list = listFlag(values, "labels");
  if (list === undefined || list.length !== 1 || !list[0]!.startsWith("@")) return list;
  const file = list[0]!.slice(1);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    throw new FerryError(
      "not_found",
      `Cannot read --labels file '${file}': ${(error as Error).message}`,
    );
  }
  return text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
}

function choice<T extends string>(
  values: ParsedFlags["values"],
  name: string,
  allowed: readonly T[],
): T | undefined {
  const raw = stringFlag(values, name);
  if (raw === undefined) return undefined;
  if (!allowed.includes(raw as T)) {
    throw new FerryError(
      "usage",
      `Cannot use --${name}: expected ${allowed.join(" or ")}, got '${raw}'`,
    );
  }
  return raw as T;
}

function triple(values: ParsedFlags["values"], name: string): [number, number, number] | undefined {
  const raw = stringFlag(values, name);
  if (raw === undefined) return undefined;
  const parts = raw.split(",").map((s) => Number(s.trim()));
  if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n))) {
    throw new FerryError(
      "usage",
      `Cannot use --${name}: expected three numbers R,G,B, got '${raw}'`,
    );
  }
  return parts as [number, number, number];
}
