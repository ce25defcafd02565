/**
 * The keys ferry writes into an ONNX model's `metadata_props`, and their reader. Values are plain
 * strings; structured ones are JSON, so Netron and Python's `onnx` show them as they are.
 *
 * @module
 */
import type { InputSpec } from "../image/mod.ts";
import type { OnnxModel } from "./onnx_proto.ts";

/** Every metadata key ferry writes, in one place for the writer (export) and the reader (runtime). */
export const METADATA_KEYS = {
  /** Version of this key set: "1". */
  formatVersion: "ferry.format_version",
  /** JSON array of class names, index = output position. */
  classNames: "ferry.class_names",
  /** Input width in pixels, e.g. "32". */
  inputWidth: "ferry.input_width",
  /** Input height in pixels, e.g. "32". */
  inputHeight: "ferry.input_height",
  /** "nhwc" or "nchw". */
  layout: "ferry.layout",
  /** "rgb" or "bgr". */
  channelOrder: "ferry.channel_order",
  /** JSON `{"divisor":255,"mean":[0,0,0],"std":[1,1,1]}`: pixel p becomes (p/divisor - mean)/std. */
  normalization: "ferry.normalization",
  /** "probabilities" or "logits". */
  output: "ferry.output",
  /** Architecture name from ferry's registry, e.g. "notebook_cnn". */
  architecture: "ferry.architecture",
  /** The training run the weights come from. */
  runId: "ferry.run_id",
  /** JSON object of validation metrics, e.g. `{"val_accuracy":0.77,"val_loss":0.68}`. */
  validationMetrics: "ferry.validation_metrics",
  /** JSON object of test metrics, when the run measured them. */
  testMetrics: "ferry.test_metrics",
  /** JSON object: the export's parity check (`max_abs_diff`, `top1_mismatches`, `images`, `source`). */
  parity: "ferry.parity",
  /** JSON {@linkcode QuantizationRecord}, on an int8 copy. */
  quantization: "ferry.quantization",
  /** Test-time augmentation the graph averages over, e.g. "flip"; absent when none. */
  tta: "ferry.tta",
  /** JSON {@linkcode CalibrationRecord}: the temperature baked into the graph and its effect. */
  calibration: "ferry.calibration",
} as const;

/** The current {@linkcode METADATA_KEYS.formatVersion}. */
export const METADATA_FORMAT_VERSION = "1";

/** What a ferry model says about itself. */
export interface FerryMetadata {
  classNames: string[];
  inputSpec: InputSpec;
  output: "probabilities" | "logits";
  architecture?: string;
  runId?: string;
  validationMetrics?: Record<string, number>;
  testMetrics?: Record<string, number>;
  parity?: ParityRecord;
  quantization?: QuantizationRecord;
  tta?: string;
  calibration?: CalibrationRecord;
}

/** The softmax temperature an export fitted and baked in, and the calibration it measured. */
export interface CalibrationRecord {
  temperature: number;
  /** Expected calibration error (15 bins) before and after, on the images it was fitted on. */
  ece_before: number;
  ece_after: number;
  nll_before: number;
  nll_after: number;
  images: number;
  source: string;
}

/** How an int8 copy was made and how closely it follows its float model, as stored in it. */
export interface QuantizationRecord {
  scheme: "int8";
  calibration_images: number;
  /** Images of the check against the float model (none of them calibration images). */
  images: number;
  /** Share of those images on which both pick the same class. */
  top1_agreement: number;
  max_abs_diff: number;
  source: string;
}

/** The parity figures an export measured, as stored in the model. */
export interface ParityRecord {
  max_abs_diff: number;
  top1_mismatches: number;
  images: number;
  source: string;
}

/** Turns ferry's metadata into `metadata_props` entries (keys in a fixed order). */
export function encodeMetadata(meta: FerryMetadata): { key: string; value: string }[] {
  const { inputSpec: spec } = meta;
  const entries: [string, string | undefined][] = [
    [METADATA_KEYS.formatVersion, METADATA_FORMAT_VERSION],
    [METADATA_KEYS.classNames, JSON.stringify(meta.classNames)],
    [METADATA_KEYS.inputWidth, String(spec.width)],
    [METADATA_KEYS.inputHeight, String(spec.height)],
    [METADATA_KEYS.layout, spec.layout],
    [METADATA_KEYS.channelOrder, spec.channelOrder],
    [
      METADATA_KEYS.normalization,
      JSON.stringify({ divisor: spec.divisor, mean: spec.mean, std: spec.std }),
    ],
    [METADATA_KEYS.output, meta.output],
    [METADATA_KEYS.architecture, meta.architecture],
    [METADATA_KEYS.runId, meta.runId],
    [METADATA_KEYS.validationMetrics, json(meta.validationMetrics)],
    [METADATA_KEYS.testMetrics, json(meta.testMetrics)],
    [METADATA_KEYS.parity, json(meta.parity)],
    [METADATA_KEYS.quantization, json(meta.quantization)],
    [METADATA_KEYS.tta, meta.tta],
    [METADATA_KEYS.calibration, json(meta.calibration)],
  ];
  return entries.filter((e): e is [string, string] => e[1] !== undefined)
    .map(([key, value]) => ({ key, value }));
}

/** `model` with its `metadata_props` replaced by `meta` (the graph is shared, not copied). */
export function withMetadata(model: OnnxModel, meta: FerryMetadata): OnnxModel {
  return { ...model, metadataProps: encodeMetadata(meta) };
}

function json(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

/**
 * Reads ferry's keys from `metadata_props`; each part is undefined when its key is absent (a
 * foreign model). Throws a plain Error naming the key when a present value is malformed.
 */
export function decodeMetadata(props: Record<string, string>): Partial<FerryMetadata> {
  const K = METADATA_KEYS;
  const out: Partial<FerryMetadata> = {};
  const classNames = parse(props, K.classNames);
  if (classNames !== undefined) {
    if (!Array.isArray(classNames) || !classNames.every((c) => typeof c === "string")) {
      throw new Error(`'${K.classNames}' must be a JSON array of strings`);
    }
    out.classNames = classNames;
  }
  const width = props[K.inputWidth], height = props[K.inputHeight];
  if (width !== undefined && height !== undefined) {
    const norm = parse(props, K.normalization) as Partial<InputSpec> | undefined;
    out.inputSpec = {
      width: positiveInt(width, K.inputWidth),
      height: positiveInt(height, K.inputHeight),
      layout: oneOf(props[K.layout] ?? "nhwc", ["nhwc", "nchw"] as const, K.layout),
      channelOrder: oneOf(props[K.channelOrder] ?? "rgb", ["rgb", "bgr"] as const, K.channelOrder),
      divisor: norm?.divisor ?? 255,
      mean: norm?.mean ?? [0, 0, 0],
      std: norm?.std ?? [1, 1, 1],
    };
  }
  const output = props[K.output];
  if (output !== undefined) {
    out.output = oneOf(output, ["probabilities", "logits"] as const, K.output);
  }
  if (props[K.architecture] !== undefined) out.architecture = props[K.architecture];
  if (props[K.runId] !== undefined) out.runId = props[K.runId];
  const validation = parse(props, K.validationMetrics);
  if (validation !== undefined) out.validationMetrics = validation as Record<string, number>;
  const test = parse(props, K.testMetrics);
  if (test !== undefined) out.testMetrics = test as Record<string, number>;
  const parity = parse(props, K.parity);
  if (parity !== undefined) out.parity = parity as ParityRecord;
  const quantization = parse(props, K.quantization);
  if (quantization !== undefined) out.quantization = quantization as QuantizationRecord;
  if (props[K.tta] !== undefined) out.tta = props[K.tta];
  const calibration = parse(props, K.calibration);
  if (calibration !== undefined) out.calibration = calibration as CalibrationRecord;
  return out;
}

function parse(props: Record<string, string>, key: string): unknown {
  const raw = props[key];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new Error(`'${key}' is not valid JSON: ${raw.slice(0, 80)}`);
  }
}

function positiveInt(raw: string, key: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    throw new Error(`'${key}' must be a positive integer: ${raw}`);
  }
  return n;
}

function oneOf<T extends string>(raw: string, allowed: readonly T[], key: string): T {
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new Error(`'${key}' must be one of ${allowed.join(", ")}: ${raw}`);
  }
  return raw as T;
}
