/**
 * `ferry export`: a trained tfjs model (a run folder or its model.json) → a verified ONNX file
 * with ferry's metadata, or a tfjs copy for browsers; prints the parity figures.
 *
 * @module
 */
import { formatConfig } from "../config/mod.ts";
import { FerryError } from "../errors.ts";
import {
  calibrationLine,
  exportModel,
  PARITY_IMAGE_DEFAULTS,
  parityLine,
  quantizationLine,
  QUANTIZE_DEFAULTS,
  TTA_MODES,
  type TtaMode,
} from "../export/mod.ts";
import { terminalReporter } from "../progress/mod.ts";
import { type Command, CONFIG_FLAG, resolveCommandConfig } from "./_command.ts";
import { optionFlags, type OptionTable, optionValues } from "./_options.ts";

interface ExportConfig {
  format: "onnx" | "tfjs";
  out: string;
  data: string;
  parityImages: number;
  seed: number;
  labels: string[];
  quantize: "" | "int8";
  calibrationImages: number;
  /** Test-time augmentation baked into the graph; "" for none. */
  tta: "" | TtaMode;
  /** Fit a softmax temperature on the run's validation split of --data and bake it in. */
  calibrate: boolean;
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
  tta: "",
  calibrate: false,
};

/** Every option's flag and help line; `--help` and parsing read this table. */
const OPTIONS: OptionTable<ExportConfig> = {
  out: {
    value: "PATH",
    description: "Output .onnx file (tfjs: folder) (default: <run>/model.onnx or <run>/tfjs)",
  },
  format: { value: "onnx|tfjs", description: "Export format", choices: ["onnx", "tfjs"] },
  data: {
    value: "DIR",
    description: "Image folder (a subfolder per class) for the parity images (default: random)",
  },
  parityImages: { value: "N", description: "Images the tfjs and ONNX models must agree on" },
  seed: { value: "N", description: "Seed of random parity images" },
  labels: { value: "A,B,…", description: "Class names, when the run folder has none" },
  quantize: {
    value: "int8",
    description: "Also write an int8 copy (<out>.int8.onnx), calibrated on --data images",
    choices: ["", "int8"],
  },
  calibrationImages: { value: "N", description: "Images the int8 copy is calibrated on" },
  tta: {
    value: TTA_MODES.join("|"),
    description: "Average the model over mirrored (and shifted) copies of each image, in the graph",
    choices: ["", ...TTA_MODES],
  },
  calibrate: {
    description: "Fit a softmax temperature on the run's validation split of --data and bake it in",
  },
};

export const command: Command = {
  name: "export",
  summary: "Export a trained model to ONNX (or tfjs) with a parity check",
  usage: "[options] <run folder or model.json>",
  flags: { ...optionFlags(OPTIONS, DEFAULTS), config: CONFIG_FLAG },
  examples: [
    "ferry export models/cifar10-notebook",
    "ferry export models/cifar10-notebook --data ../shared/datasets/cifar10/train",
    "ferry export models/cifar10-notebook --data ../shared/datasets/cifar10/train --quantize int8",
    "ferry export models/cifar10-notebook/model.json --format tfjs --out web/model",
    "ferry export models/cifar10-notebook --data ../shared/datasets/cifar10/train --tta flip --calibrate",
  ],
  async run({ values, positionals }) {
    if (positionals.length !== 1) {
      throw new FerryError(
        "usage",
        `Cannot export: expected one run folder or model.json, got ${positionals.length}`,
      );
    }
    const flags = optionValues(OPTIONS, DEFAULTS, values);
    const config = await resolveCommandConfig("export", DEFAULTS, values, flags);
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
      ...(config.tta ? { tta: config.tta } : {}),
      ...(config.calibrate ? { calibrate: true } : {}),
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
    const calibration = result.metadata.calibration;
    if (calibration) console.log(calibrationLine(calibration));
    console.log(`Classes: ${result.metadata.classNames.join(", ")}`);
    return 0;
  },
};
