/**
 * A v2 infer request's one input tensor as model inputs, one per image: FP32 as the model takes
 * it, UINT8 pixels `[N,H,W,3]` normalised as the model's metadata says, or BYTES holding encoded
 * images decoded by the image room; in JSON or as binary tensor data.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import { normalizeInto, valuesPerImage } from "../image/mod.ts";
import { inputShape } from "./_describe.ts";
import { BinaryReader, readByteElements } from "./_binary_body.ts";
import { type ClassifyContext, imagesToTensors } from "./_classify.ts";
import { checkParameters } from "./_infer_parameters.ts";
import { jsonData } from "./_infer_json.ts";
import { checkFinite } from "./_tensor_json.ts";
import type { ServedModel } from "./registry.ts";

/** The input datatypes ferry takes. */
const DATATYPES = ["FP32", "UINT8", "BYTES"] as const;
type Datatype = typeof DATATYPES[number];

/** What reading the inputs needs besides the request. */
export type InputContext = Pick<
  ClassifyContext,
  "limits" | "metrics" | "background" | "decodePool"
>;

/** The request's input tensor as one model input per image, checked against the model. */
export async function readInputs(
  body: Record<string, unknown>,
  binary: Uint8Array,
  model: ServedModel,
  context: InputContext,
): Promise<Float32Array[]> {
  const given = body.inputs;
  if (!Array.isArray(given) || given.length !== 1) {
    throw new FerryError("usage", "Cannot infer: 'inputs' must hold exactly one tensor");
  }
  const tensor = given[0] as Record<string, unknown>;
  const name = String(tensor?.name ?? "");
  const datatype = tensor?.datatype as Datatype;
  if (!DATATYPES.includes(datatype)) {
    throw new FerryError(
      "usage",
      `Cannot infer: input datatype must be ${DATATYPES.join(", ")}, got '${tensor?.datatype}'`,
    );
  }
  const parameters = checkParameters(tensor.parameters, "input", ["binary_data_size"]);
  const reader = new BinaryReader(binary);
  const size = parameters.binary_data_size;
  const bytes = size === undefined ? undefined : reader.take(Number(size), name);
  reader.finish();
  const count = countOf(tensor.shape, model, datatype, context.limits.maxFiles);
  if (datatype === "BYTES") {
    const images = bytes ? readByteElements(bytes, name) : noBytesInJson(name);
    if (images.length !== count) {
      throw new FerryError(
        "usage",
        `Cannot infer: input '${name}' holds ${images.length} images for shape ${
          JSON.stringify(tensor.shape)
        }`,
      );
    }
    return await imagesToTensors(images, model.session.info.inputSpec, context);
  }
  const perImage = valuesPerImage(model.session.info.inputSpec);
  const values = bytes
    ? fromBinary(bytes, datatype)
    : fromJson(tensor.data, tensor.shape as number[], datatype);
  if (!values || values.length !== count * perImage) {
    throw new FerryError(
      "usage",
      `Cannot infer: input '${name}' must hold ${count * perImage} ${datatype} values for ` +
        `shape ${JSON.stringify(tensor.shape)}`,
    );
  }
  // FP32 rows are views of `values`, which this request alone holds: no copy per image.
  return Array.from({ length: count }, (_, i) => {
    const row = values.subarray(i * perImage, (i + 1) * perImage);
    return row instanceof Float32Array ? row : normalized(row, model);
  });
}

/** The number of images a shape holds, refused unless it is the model's for this datatype. */
function countOf(shape: unknown, model: ServedModel, datatype: Datatype, maxImages: number) {
  const { width, height } = model.session.info.inputSpec;
  // Pixels come as images are stored (HWC) whatever the model's layout; encoded images one each.
  const expected = datatype === "FP32"
    ? inputShape(model)
    : datatype === "UINT8"
    ? [-1, height, width, 3]
    : [-1];
  const dims = Array.isArray(shape) ? shape : [];
  const count = dims[0];
  // BYTES may also come as [N,1], as clients that batch one string per row send it.
  const rest = datatype === "BYTES" && dims.length === 2 && dims[1] === 1 ? [] : dims.slice(1);
  const ok = Number.isInteger(count) && count > 0 && rest.length === expected.length - 1 &&
    expected.every((dim, i) => i === 0 || rest[i - 1] === dim);
  if (!ok) {
    throw new FerryError(
      "usage",
      `Cannot infer: a ${datatype} input's shape must be [N${
        expected.slice(1).map((d) => `,${d}`).join("")
      }], got ${JSON.stringify(shape)}`,
    );
  }
  if (count > maxImages) {
    throw new FerryError(
      "too_large",
      `Cannot infer ${count} images in one request: the limit is ${maxImages}`,
    );
  }
  return count as number;
}

/** Binary tensor data as values; the extension sends them little-endian, as x86 and ARM hold them. */
function fromBinary(bytes: Uint8Array, datatype: "FP32" | "UINT8"): Float32Array | Uint8Array {
  if (datatype === "UINT8") return bytes;
  if (bytes.length % 4 !== 0) {
    throw new FerryError(
      "usage",
      `Cannot read FP32 data of ${bytes.length} bytes: not whole floats`,
    );
  }
  // A Float32Array must start at a multiple of 4 and the part may start at any byte: copied only
  // then. A view otherwise, as the body it lies in is this request's own.
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const values = new Float32Array(aligned.buffer, aligned.byteOffset, aligned.length / 4);
  checkFinite(values);
  return values;
}

/** JSON `data`, flat or nested as `shape`, read without recursion ({@linkcode jsonData}). */
function fromJson(
  data: unknown,
  shape: number[],
  datatype: "FP32" | "UINT8",
): Float32Array | Uint8Array | null {
  const values = jsonData(data, shape);
  if (datatype === "FP32") return values;
  const pixel = (v: number) => Number.isInteger(v) && v >= 0 && v <= 255;
  return values.every(pixel) ? Uint8Array.from(values) : null;
}

function noBytesInJson(name: string): never {
  throw new FerryError(
    "usage",
    `Cannot infer: BYTES input '${name}' holds encoded images, which JSON strings cannot carry: ` +
      "send them as binary tensor data (binary_data_size and Inference-Header-Content-Length)",
  );
}

/** One image's pixels as the model's input, through the image room's one normalisation. */
function normalized(pixels: Uint8Array, model: ServedModel): Float32Array {
  const spec = model.session.info.inputSpec;
  const out = new Float32Array(valuesPerImage(spec));
  normalizeInto({ data: pixels, width: spec.width, height: spec.height }, out, 0, spec);
  return out;
}
