/**
 * `ferry export`: a trained tfjs model (a run folder or its model.json) → a verified ONNX file
 * with ferry's metadata, or a tfjs copy for browsers; prints the parity figures.
 *
 * @module
 */
import { formatConfig } from "../config/mod.ts";
import { FerryError } from "../errors.ts";
import {
  exportModel,
  PARITY_IMAGE_DEFAULTS,
  parityLine,
  quantizationLine,
  QUANTIZE_DEFAULTS,
} from "../export/mod.ts";
import { terminalReporter } from "../progress/mod.ts";
import {
  type Command,
  CONFIG_FLAG,
  listFlag,
  numberFlag,
  resolveCommandConfig,
  stringFlag,
} from "./_command.ts";

interface ExportConfig {
  format: "onnx" | "tfjs";
  out: string;
  data: string;
  parityImages: number;
  seed: number;
  labels: string[];
  quantize: "" | "int8";
  calibrationImages: number;
}

const DEFAULTS: ExportConfig = {
  format: "onnx",
  out: "",
  data: "",
  parityImages: PARITY_IMAGE_DEFAULTS.count,
  seed: PARITY_IMAGE_DEFAULTS.seed,
  labels: [],
  quantize: "",
  calibrationImages: QUANTIZE_DEFAULTS.calibrationImages,
};

export const command: Command = {
  name: "export",
  summary: "Export a trained model to ONNX (or tfjs) with a parity check",
  usage: "[options] <run folder or model.json>",
  flags: {
    out: {
      type: "string",
      value: "PATH",
      description: "Output .onnx file (tfjs: folder) (default: <run>/model.onnx or <run>/tfjs)",
    },
    format: { type: "string", value: "onnx|tfjs", description: "Export format", default: "onnx" },
    data: {
      type: "string",
      value: "DIR",
      description: "Image folder (a subfolder per class) for the parity images (default: random)",
    },
    "parity-images": {
      type: "string",
      value: "N",
      description: "Images the tfjs and ONNX models must agree on",
      default: DEFAULTS.parityImages,
    },
    seed: { type: "string", value: "N", description: "Seed of random parity images", default: 1 },
    labels: {
      type: "string",
      value: "A,B,…",
      multiple: true,
      description: "Class names, when the run folder has none",
    },
    quantize: {
      type: "string",
      value: "int8",
      description: "Also write an int8 copy (<out>.int8.onnx), calibrated on --data images",
    },
    "calibration-images": {
      type: "string",
      value: "N",
      description: "Images the int8 copy is calibrated on",
      default: DEFAULTS.calibrationImages,
    },
    config: CONFIG_FLAG,
  },
  examples: [
    "ferry export models/cifar10-notebook",
    "ferry export models/cifar10-notebook --data ../shared/datasets/cifar10/train",
    "ferry export models/cifar10-notebook --data ../shared/datasets/cifar10/train --quantize int8",
    "ferry export models/cifar10-notebook/model.json --format tfjs --out web/model",
  ],
  async run({ values, positionals }) {
    if (positionals.length !== 1) {
      throw new FerryError(
        "usage",
        `Cannot export: expected one run folder or model.json, got ${positionals.length}`,
      );
    }
    const format = stringFlag(values, "format");
    if (format !== undefined && format !== "onnx" && format !== "tfjs") {
      throw new FerryError("usage", `Cannot use --format: expected onnx or tfjs, got '${format}'`);
    }
    const config = await resolveCommandConfig("export", DEFAULTS, values, {
      format,
      out: stringFlag(values, "out"),
      data: stringFlag(values, "data"),
      parityImages: numberFlag(values, "parity-images"),
      seed: numberFlag(values, "seed"),
      labels: listFlag(values, "labels"),
      quantize: stringFlag(values, "quantize") as ExportConfig["quantize"] | undefined,
      calibrationImages: numberFlag(values, "calibration-images"),
    });
    if (config.quantize !== "" && config.quantize !== "int8") {
      throw new FerryError(
        "usage",
        `Cannot use --quantize: expected int8, got '${config.quantize}'`,
      );
    }
    const reporter = terminalReporter();
    reporter.info(`Config: ${formatConfig(config)}`);
    const result = await exportModel(positionals[0]!, {
      format: config.format,
      ...(config.out ? { out: config.out } : {}),
      ...(config.data ? { data: config.data } : {}),
      parityImages: config.parityImages,
      seed: config.seed,
      ...(config.labels.length > 0 ? { metadata: { classNames: config.labels } } : {}),
      ...(config.quantize ? { quantize: config.quantize } : {}),
      calibrationImages: config.calibrationImages,
      reporter,
    });
    // The resolved config and the parity figures, saved beside the output.
    const record = `${result.out.replace(/[\\/]+$/, "").replace(/\.onnx$/i, "")}.export.json`;
    await Deno.writeTextFile(
      record,
      formatConfig({
        source: positionals[0],
        config,
        out: result.out,
        parity: result.parity,
        ...(result.quantized ? { quantized: result.quantized } : {}),
      }) + "\n",
    );
    console.log(`Wrote ${result.out} (${result.format}, ${result.bytes} bytes) and ${record}`);
    console.log(parityLine(result.parity));
    if (result.quantized) {
      console.log(`Wrote ${result.quantized.out} (int8, ${result.quantized.bytes} bytes)`);
      console.log(quantizationLine(result.quantized.record));
    }
    console.log(`Classes: ${result.metadata.classNames.join(", ")}`);
    return 0;
  },
};
