/**
 * The one input tensor an Open Inference Protocol request carries, checked against the model the
 * same way whichever protocol (HTTP JSON, gRPC) brought it.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import { valuesPerImage } from "../image/mod.ts";
import { inputShape } from "./_describe.ts";
import type { ServedModel } from "./_models.ts";

/** An input tensor's header: what the request says its data is. */
export interface TensorHeader {
  datatype: unknown;
  shape: unknown;
}

/**
 * Checks an FP32 tensor's datatype and shape (`[N, …]` with the model's image dimensions) and
 * returns N; `too_large` when N is over `maxImages`, `usage` for the rest.
 */
export function imageCount(tensor: TensorHeader, model: ServedModel, maxImages: number): number {
  if (tensor.datatype !== "FP32") {
    throw new FerryError(
      "usage",
      `Cannot infer: input datatype must be FP32, got '${tensor.datatype}'`,
    );
  }
  const expected = inputShape(model);
  const shape = tensor.shape;
  const count = Array.isArray(shape) ? shape[0] : undefined;
  const shapeOk = Array.isArray(shape) && shape.length === expected.length &&
    Number.isInteger(count) && count > 0 &&
    expected.every((dim, i) => i === 0 || shape[i] === dim);
  if (!shapeOk) {
    throw new FerryError(
      "usage",
      `Cannot infer: input shape must be [N,${expected.slice(1).join(",")}], got ${
        JSON.stringify(shape)
      }`,
    );
  }
  if (count > maxImages) {
    throw new FerryError(
      "too_large",
      `Cannot infer ${count} images in one request: the limit is ${maxImages}`,
    );
  }
  return count;
}

/** Splits `count` images' values into one row per image, after checking that they all came. */
export function imageRows(values: Float32Array, count: number, model: ServedModel): Float32Array[] {
  const perImage = valuesPerImage(model.session.info.inputSpec);
  if (values.length !== count * perImage) {
    throw new FerryError(
      "usage",
      `Cannot infer: the input must hold ${count * perImage} numbers for ${count} images, ` +
        `got ${values.length}`,
    );
  }
  return Array.from({ length: count }, (_, i) => values.slice(i * perImage, (i + 1) * perImage));
}

/** Checks that each requested output is the model's one output; `usage` names the first not. */
export function checkOutputs(requested: readonly { name?: unknown }[], model: ServedModel): void {
  const outputName = model.session.info.outputName;
  for (const output of requested) {
    if (output?.name !== outputName) {
      throw new FerryError(
        "usage",
        `Cannot infer output '${output?.name}': model '${model.name}' has output '${outputName}'`,
      );
    }
  }
}
