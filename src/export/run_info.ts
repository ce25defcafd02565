/**
 * What a training run folder says about its model, gathered for the exported metadata: the
 * `ferry` entry of model.json's userDefinedMetadata (class names, input spec, architecture, run),
 * then classes.json, config.json and metrics.json. Missing files simply contribute nothing.
 *
 * @module
 */
import { basename, join } from "node:path";
import type { InputSpec } from "../image/mod.ts";
import type { FerryMetadata } from "../onnx/mod.ts";

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === "string");

/** The numbers of a metrics object (accuracy, loss, images …); nested tables are left out. */
function numbers(v: unknown): Record<string, number> | undefined {
  if (!isObject(v)) return undefined;
  const entries = Object.entries(v).filter((e): e is [string, number] => typeof e[1] === "number");
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** Reads the metadata a run folder `dir` (holding model.json) offers. */
export async function readRunInfo(dir: string): Promise<Partial<FerryMetadata>> {
  const info: Partial<FerryMetadata> = {};
  const modelJson = await readJson(join(dir, "model.json"));
  const user = isObject(modelJson) && isObject(modelJson.userDefinedMetadata)
    ? modelJson.userDefinedMetadata
    : {};
  const ferry = isObject(user.ferry) ? user.ferry : {};
  const classes = await readJson(join(dir, "classes.json"));
  const config = await readJson(join(dir, "config.json"));
  const metrics = await readJson(join(dir, "metrics.json"));

  const classNames = isStrings(ferry.classNames)
    ? ferry.classNames
    : isStrings(classes)
    ? classes
    : undefined;
  if (classNames) info.classNames = classNames;
  if (isObject(ferry.inputSpec)) info.inputSpec = ferry.inputSpec as unknown as InputSpec;
  const architecture = ferry.architecture ?? (isObject(config) ? config.architecture : undefined);
  if (typeof architecture === "string") info.architecture = architecture;
  const run = ferry.run ?? (isObject(config) ? config.run : undefined);
  info.runId = typeof run === "string" && run !== "" ? run : basename(dir);
  if (isObject(metrics)) {
    const validation = numbers(metrics.validation);
    if (validation) info.validationMetrics = validation;
    const test = numbers(metrics.test);
    if (test) info.testMetrics = test;
  }
  return info;
}
