/**
 * A v2 infer answer: the requested outputs as FP32 probabilities or, with the classification
 * extension, as the top K `"score:index:label"` strings; each in JSON or as binary tensor data.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import { topK } from "../runtime/mod.ts";
import { writeByteElements } from "./_binary_body.ts";
import { checkParameters } from "./_infer_parameters.ts";
import type { ServedModel } from "./registry.ts";

/** One output as the client asked for it. */
interface OutputRequest {
  binary: boolean;
  /** Top K as strings instead of the probabilities. */
  classification: number | undefined;
}

/** An answer's JSON header and the binary parts that follow it (none for an all-JSON answer). */
export interface InferAnswer {
  header: Record<string, unknown>;
  parts: Uint8Array[];
}

/**
 * Checks what a request asks of its outputs before anything runs, so that a bad `outputs` costs
 * no inference.
 */
export function readOutputRequests(
  body: Record<string, unknown>,
  model: ServedModel,
  maxTopK: number,
): OutputRequest[] {
  const parameters = checkParameters(body.parameters, "request", ["binary_data_output"]);
  const binaryByDefault = flag(parameters.binary_data_output, "binary_data_output");
  const outputName = model.session.info.outputName;
  const requested = body.outputs;
  if (requested === undefined) return [{ binary: binaryByDefault, classification: undefined }];
  if (!Array.isArray(requested) || requested.length === 0) {
    throw new FerryError("usage", "Cannot infer: 'outputs' must be a list of requested outputs");
  }
  return requested.map((output: { name?: unknown; parameters?: unknown }) => {
    if (output?.name !== outputName) {
      throw new FerryError(
        "usage",
        `Cannot infer output '${output?.name}': model '${model.name}' has output '${outputName}'`,
      );
    }
    const p = checkParameters(output.parameters, "output", ["binary_data", "classification"]);
    return {
      binary: p.binary_data === undefined ? binaryByDefault : flag(p.binary_data, "binary_data"),
      classification: p.classification === undefined
        ? undefined
        : classCount(p.classification, maxTopK),
    };
  });
}

/** The answer to `requests` for one probability row per image. */
export function inferAnswer(
  rows: Float32Array[],
  requests: OutputRequest[],
  model: ServedModel,
  id: string,
): InferAnswer {
  const info = model.session.info;
  const classes = info.classNames.length;
  const parts: Uint8Array[] = [];
  const outputs = requests.map((request) => {
    const k = Math.min(request.classification ?? 0, classes);
    const shape = [rows.length, k || classes];
    // Each output is built in the form asked for only (JSON values or binary bytes).
    let values: () => number[] | string[];
    let bytes: () => Uint8Array;
    if (k) {
      // Triton's text for one class: the score, the class index and its label.
      const strings = rows.flatMap((row) =>
        topK(row, info.classNames, k).map((c) => `${c.probability}:${c.index}:${c.label}`)
      );
      values = () => strings;
      bytes = () => writeByteElements(strings);
    } else {
      const flat = new Float32Array(rows.length * classes);
      rows.forEach((row, i) => flat.set(row, i * classes));
      values = () => Array.from(flat);
      bytes = () => new Uint8Array(flat.buffer);
    }
    const tensor = { name: info.outputName, datatype: k ? "BYTES" : "FP32", shape };
    if (!request.binary) return { ...tensor, data: values() };
    const part = bytes();
    parts.push(part);
    return { ...tensor, parameters: { binary_data_size: part.length } };
  });
  return {
    header: { model_name: model.name, model_version: model.version, id, outputs },
    parts,
  };
}

function flag(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") {
    throw new FerryError("usage", `Cannot infer: '${name}' must be true or false, got ${value}`);
  }
  return value;
}

function classCount(value: unknown, maxTopK: number): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > maxTopK) {
    throw new FerryError(
      "usage",
      `Cannot classify: 'classification' must be an integer from 1 to ${maxTopK}, got ${value}`,
    );
  }
  return value as number;
}
