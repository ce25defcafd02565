/**
 * Builds a {@linkcode ModelInfo} from what an ONNX file says (ferry's metadata, its input shape,
 * its last node) and what the caller overrides, so foreign models work with a few flags.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import { FERRY_INPUT_SPEC, type InputSpec } from "../image/mod.ts";
import { decodeMetadata, type FerryMetadata, OnnxDataType } from "../onnx/mod.ts";
import type { ModelInfo, ModelOverrides, Provider } from "./classifier.ts";
import type { OnnxModelFile } from "./model_file.ts";

/**
 * Precedence, field by field: overrides > ferry metadata > what the input shape shows >
 * ferry's defaults (32×32, NHWC, RGB, pixels / 255). Class names default to "0".."K-1"; the
 * output counts as probabilities when the model's last node is a Softmax, else as logits.
 */
export function buildModelInfo(
  file: OnnxModelFile,
  where: { name: string; path: string; provider: Provider },
  overrides: ModelOverrides = {},
): ModelInfo {
  const fail = (why: string) => new FerryError("model", `Cannot use model '${where.path}': ${why}`);
  if (file.inputs.length !== 1 || file.outputs.length < 1) {
    throw fail(`it has ${file.inputs.length} inputs; ferry feeds exactly one image tensor`);
  }
  const input = file.inputs[0]!, output = file.outputs[0]!;
  if (input.elemType !== OnnxDataType.FLOAT) {
    throw fail(`its input '${input.name}' is not float32 (ONNX type ${input.elemType})`);
  }
  if (input.shape.length !== 4) {
    throw fail(`its input '${input.name}' has rank ${input.shape.length}; ferry needs a 4-D image`);
  }
  let meta: Partial<FerryMetadata>;
  try {
    meta = decodeMetadata(file.metadata);
  } catch (error) {
    throw fail(`its metadata is malformed: ${(error as Error).message}`);
  }
  const inputSpec = resolveInputSpec(input.shape, meta.inputSpec, overrides, fail);
  const classCount = output.shape.at(-1);
  const classNames = overrides.labels ?? meta.classNames ??
    (typeof classCount === "number"
      ? Array.from({ length: classCount }, (_, i) => String(i))
      : undefined);
  if (!classNames) throw fail("its class count is dynamic: give the labels");
  if (typeof classCount === "number" && classNames.length !== classCount) {
    throw fail(`it has ${classCount} outputs per image but ${classNames.length} labels were given`);
  }
  const lastNode = file.model.graph!.node.find((n) => n.output.includes(output.name));
  const outputKind = overrides.output ?? meta.output ??
    (lastNode?.opType === "Softmax" ? "probabilities" : "logits");
  const batch = input.shape[0];
  return {
    name: where.name,
    path: where.path,
    inputSpec,
    classNames,
    inputName: input.name,
    outputName: output.name,
    outputIsProbabilities: outputKind === "probabilities",
    provider: where.provider,
    metadata: file.metadata,
    inputShape: input.shape,
    outputShape: output.shape,
    ...(typeof batch === "number" && batch > 0 ? { fixedBatchSize: batch } : {}),
    ...(meta.architecture !== undefined ? { architecture: meta.architecture } : {}),
    ...(meta.runId !== undefined ? { runId: meta.runId } : {}),
    ...(meta.validationMetrics ? { validationMetrics: meta.validationMetrics } : {}),
    ...(meta.testMetrics ? { testMetrics: meta.testMetrics } : {}),
  };
}

type Shape = (number | string | null)[];

/** The layout and size a shape shows: [N,3,H,W] is NCHW, [N,H,W,3] is NHWC. */
function fromShape(shape: Shape): Partial<InputSpec> {
  const [, d1, d2, d3] = shape;
  const size = (h: unknown, w: unknown) => ({
    ...(typeof h === "number" ? { height: h } : {}),
    ...(typeof w === "number" ? { width: w } : {}),
  });
  if (d3 === 3) return { layout: "nhwc", ...size(d1, d2) };
  if (d1 === 3) return { layout: "nchw", ...size(d2, d3) };
  return {};
}

function resolveInputSpec(
  shape: Shape,
  fromMeta: InputSpec | undefined,
  o: ModelOverrides,
  fail: (why: string) => FerryError,
): InputSpec {
  const given: Partial<InputSpec> = {
    ...(o.width !== undefined ? { width: o.width } : {}),
    ...(o.height !== undefined ? { height: o.height } : {}),
    ...(o.layout !== undefined ? { layout: o.layout } : {}),
    ...(o.channelOrder !== undefined ? { channelOrder: o.channelOrder } : {}),
    ...(o.divisor !== undefined ? { divisor: o.divisor } : {}),
    ...(o.mean !== undefined ? { mean: o.mean } : {}),
    ...(o.std !== undefined ? { std: o.std } : {}),
  };
  const shown = fromShape(shape);
  if (!fromMeta && (shown.width === undefined || shown.height === undefined)) {
    if (given.width === undefined || given.height === undefined) {
      throw fail(`its input shape [${shape.join(",")}] does not show the image size: give it`);
    }
  }
  const spec: InputSpec = { ...FERRY_INPUT_SPEC, ...shown, ...fromMeta, ...given };
  const expected = spec.layout === "nhwc"
    ? [spec.height, spec.width, 3]
    : [3, spec.height, spec.width];
  shape.slice(1).forEach((dim, i) => {
    if (typeof dim === "number" && dim !== expected[i]) {
      throw fail(
        `its input shape [${shape.join(",")}] does not fit ${spec.width}×${spec.height} ` +
          `${spec.layout.toUpperCase()} images`,
      );
    }
  });
  return spec;
}
