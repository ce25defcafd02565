import { decodeMetadata } from "../onnx/mod.ts";
import type { ServedModel } from "./_models.ts";

/** Input tensor shape with a free batch dimension (-1), as the Open Inference Protocol writes it. */
export function inputShape(model: ServedModel): number[] {
  const { width, height, layout } = model.session.info.inputSpec;
  return layout === "nhwc" ? [-1, height, width, 3] : [-1, 3, height, width];
}

/**
 * A model's details: v2 metadata fields (`name`, `versions`, `platform`, `inputs`, `outputs`)
 * plus ferry's own (classes, provider in use, preprocessing, training metrics from its metadata).
 */
export function modelSummary(model: ServedModel): Record<string, unknown> {
  const info = model.session.info;
  return {
    name: model.name,
    versions: ["1"],
    platform: "onnxruntime_onnx",
    inputs: [{ name: info.inputName, datatype: "FP32", shape: inputShape(model) }],
    outputs: [{
      name: info.outputName,
      datatype: "FP32",
      shape: [-1, info.classNames.length],
    }],
    ready: model.ready,
    provider: info.provider,
    classes: info.classNames,
    input_spec: info.inputSpec,
    output: info.outputIsProbabilities ? "probabilities" : "logits",
    training: trainingOf(info.metadata),
    metadata: Object.fromEntries(
      Object.entries(info.metadata).map(([key, value]) => [key, parseIfJson(value)]),
    ),
  };
}

/** What the model's metadata says about its training run (empty for foreign models). */
function trainingOf(props: Record<string, string>): Record<string, unknown> {
  try {
    const meta = decodeMetadata(props);
    return {
      architecture: meta.architecture,
      run_id: meta.runId,
      validation_metrics: meta.validationMetrics,
      test_metrics: meta.testMetrics,
      parity: meta.parity,
    };
  } catch {
    // Metadata that does not parse is still shown as stored under `metadata`.
    return {};
  }
}

function parseIfJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
