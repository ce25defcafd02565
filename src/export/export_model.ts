/**
 * `exportModel`: a saved tfjs model (a training run folder or a model.json) → a verified ONNX
 * file with its metadata, or a tfjs copy for browsers. Every export runs the parity check and
 * refuses to write a model that disagrees with its source.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { FerryError } from "../errors.ts";
import { FERRY_INPUT_SPEC, type InputSpec } from "../image/mod.ts";
import { loadModel, saveModel } from "../model/mod.ts";
import { type Reporter, silentReporter } from "../progress/mod.ts";
import type { FerryMetadata } from "../runtime/mod.ts";
import {
  assertParity,
  checkParity,
  compareOutputs,
  PARITY_TOLERANCE,
  type ParityResult,
  predictTfjs,
} from "./parity.ts";
import { PARITY_IMAGE_DEFAULTS, parityImages } from "./parity_images.ts";
import { readRunInfo } from "./run_info.ts";
import { toOnnx } from "./to_onnx.ts";

/** Options of {@linkcode exportModel}. */
export interface ExportOptions {
  /** "onnx" for serving, "tfjs" (model.json + weights.bin) for browsers. @default "onnx" */
  format?: "onnx" | "tfjs";
  /** Output file (onnx) or folder (tfjs). @default "<run>/model.onnx" or "<run>/tfjs" */
  out?: string;
  /** Image folder (a subfolder per class) for the parity check; seeded random pixels when absent. */
  data?: string;
  /** Images in the parity check (at least 256 for an export that counts). @default 256 */
  parityImages?: number;
  /** Seed of the random parity images. @default 1 */
  seed?: number;
  /** Metadata that overrides what the run folder says (e.g. class names). @default {} */
  metadata?: Partial<FerryMetadata>;
  /** Receives progress and the parity figures. @default silentReporter */
  reporter?: Reporter;
}

/** What an export wrote and measured. */
export interface ExportResult {
  format: "onnx" | "tfjs";
  /** The file or folder written. */
  out: string;
  /** Size of what was written, in bytes. */
  bytes: number;
  parity: ParityResult;
  metadata: FerryMetadata;
}

/** Where the tfjs model lives: a folder holding model.json, or the model.json itself. */
async function modelDir(source: string): Promise<string> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(source);
  } catch {
    throw new FerryError("not_found", `Cannot export '${source}': no such file or folder`);
  }
  if (stat.isDirectory) return source;
  if (basename(source) !== "model.json") {
    throw new FerryError(
      "usage",
      `Cannot export '${source}': expected a run folder or a tfjs model.json`,
    );
  }
  return dirname(source);
}

/**
 * Exports the tfjs model at `source` (a run folder or its model.json). Fails with a `model`
 * FerryError naming the layer it cannot map, or stating the parity figures when the exported
 * model disagrees with the source (nothing is written then).
 *
 * @example
 * ```ts
 * const result = await exportModel("models/notebook_cnn", { data: "datasets/cifar10/train" });
 * console.log(result.out, result.parity.maxAbsDiff, result.parity.top1Mismatches);
 * ```
 */
export async function exportModel(
  source: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const format = options.format ?? "onnx";
  if (format !== "onnx" && format !== "tfjs") {
    throw new FerryError("usage", `Cannot export: format must be onnx or tfjs, got '${format}'`);
  }
  const count = options.parityImages ?? PARITY_IMAGE_DEFAULTS.count;
  if (!Number.isInteger(count) || count < 1) {
    throw new FerryError("usage", `Cannot export: parity images must be ≥ 1, got ${count}`);
  }
  const reporter = options.reporter ?? silentReporter;
  const dir = await modelDir(source);
  const model = await loadModel(dir);
  try {
    const fromRun = await readRunInfo(dir);
    const [, height, width, channels] = model.inputs[0]!.shape;
    if (typeof height !== "number" || typeof width !== "number" || channels !== 3) {
      throw new FerryError(
        "model",
        `Cannot export '${source}': its input [${model.inputs[0]!.shape.map(String)}] is not ` +
          "a fixed-size RGB image (N, height, width, 3)",
      );
    }
    const inputSpec: InputSpec = {
      ...FERRY_INPUT_SPEC,
      width,
      height,
      ...fromRun.inputSpec,
      ...options.metadata?.inputSpec,
      layout: "nhwc",
    };
    const metadata: Partial<FerryMetadata> = { ...fromRun, ...options.metadata, inputSpec };
    const images = await parityImages(inputSpec, {
      count,
      seed: options.seed ?? PARITY_IMAGE_DEFAULTS.seed,
      ...(options.data !== undefined ? { data: options.data } : {}),
    });
    reporter.info(`Checking parity on ${images.count} images: ${images.source}`);
    if (format === "tfjs") {
      const out = options.out ?? join(dir, "tfjs");
      if (resolve(out) === resolve(dir)) {
        throw new FerryError("usage", `Cannot export to '${out}': it is the source model's folder`);
      }
      const result = await exportTfjs(model, out, metadata, images);
      return result;
    }
    const first = toOnnx(model, { metadata });
    const parity = await checkParity(model, first.bytes, images);
    assertParity(parity);
    const final = toOnnx(model, {
      metadata: {
        ...first.metadata,
        parity: {
          max_abs_diff: parity.maxAbsDiff,
          top1_mismatches: parity.top1Mismatches,
          images: parity.images,
          source: parity.source,
        },
      },
    });
    const out = options.out ?? join(dir, "model.onnx");
    await Deno.mkdir(dirname(out), { recursive: true });
    // Write then rename: a reader (a running server) never sees half a model.
    const tmp = `${out}.${Deno.pid}.tmp`;
    await Deno.writeFile(tmp, final.bytes);
    await Deno.rename(tmp, out);
    return { format, out, bytes: final.bytes.length, parity, metadata: final.metadata };
  } finally {
    model.dispose();
  }
}

async function exportTfjs(
  model: Awaited<ReturnType<typeof loadModel>>,
  out: string,
  metadata: Partial<FerryMetadata>,
  images: Awaited<ReturnType<typeof parityImages>>,
): Promise<ExportResult> {
  const classCount = model.outputs[0]!.shape.at(-1) as number;
  const last = model.layers.at(-1)!;
  const softmax = last.getClassName() === "Softmax" ||
    (last.getConfig() as { activation?: unknown }).activation === "softmax";
  const full: FerryMetadata = {
    classNames: Array.from({ length: classCount }, (_, i) => String(i)),
    output: softmax ? "probabilities" : "logits",
    ...metadata,
    inputSpec: metadata.inputSpec!,
  };
  // Saved beside `out` and moved there once verified: a failed check leaves nothing behind.
  const tmp = `${out}.tmp-${Deno.pid}`;
  let parity: ParityResult;
  try {
    await saveModel(model, tmp, { ferry: full });
    // The copy is verified like an ONNX export: reloaded, run, compared.
    const copy = await loadModel(tmp);
    try {
      const expected = predictTfjs(model, images.x, images.count);
      const actual = predictTfjs(copy, images.x, images.count);
      const d = compareOutputs(expected, actual, images.count);
      parity = {
        ...d,
        images: images.count,
        source: images.source,
        passed: d.maxAbsDiff <= PARITY_TOLERANCE && d.top1Mismatches === 0,
      };
    } finally {
      copy.dispose();
    }
    assertParity(parity);
    await Deno.mkdir(out, { recursive: true });
    for await (const entry of Deno.readDir(tmp)) {
      await Deno.rename(join(tmp, entry.name), join(out, entry.name));
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  let bytes = 0;
  for await (const entry of Deno.readDir(out)) {
    if (entry.isFile) bytes += (await Deno.stat(join(out, entry.name))).size;
  }
  return { format: "tfjs", out, bytes, parity, metadata: full };
}

/** The parity figures as one line, as the CLI prints them. */
export function parityLine(p: ParityResult): string {
  return `parity on ${p.images} images (${p.source}): max |Δprob| = ${
    p.maxAbsDiff.toExponential(2)
  }, top-1 mismatches = ${p.top1Mismatches}${p.passed ? "" : " — FAILED"}`;
}
