/**
 * A v2 infer request's JSON as the routes read it: parsed with bounded depth, only the fields
 * ferry reads kept, and each input's `data` already read as float32. Reading `data` needs no
 * model, so a large body can be read whole on a worker thread (`json_pool.ts`); an input's
 * refusal waits in its `data` until the checks before it have passed, so that a request with
 * several faults is answered with the same one either way.
 *
 * @module
 */
import { type ErrorData, FerryError, fromData, toData } from "../errors.ts";
import { parseJsonObject, tensorData } from "./_tensor_json.ts";

// What the routes read; the rest is dropped, so that bulk beside `data` never has to cross back
// from a worker thread (a structured clone costs about what the parse did).
const REQUEST_FIELDS = ["id", "parameters", "inputs", "outputs"];
const INPUT_FIELDS = ["name", "datatype", "shape", "parameters"];

/**
 * The request body of `bytes`. Each input whose `shape` is a list of positive integers has its
 * `data` replaced by the Float32Array that {@linkcode tensorData} reads from it, or by the
 * FerryError it throws ({@linkcode jsonData} hands out either when the input is read); any other
 * shape is refused before `data` is read, so that `data` is dropped.
 */
export function parseInferJson(bytes: Uint8Array): Record<string, unknown> {
  const body = picked(parseJsonObject(bytes), REQUEST_FIELDS);
  if (!Array.isArray(body.inputs)) return body;
  body.inputs = body.inputs.map((given: unknown) => {
    if (!isObject(given)) return given;
    const tensor = picked(given, INPUT_FIELDS);
    if (Array.isArray(tensor.shape) && tensor.shape.every(isPositiveInteger)) {
      tensor.data = readAhead(given.data, tensor.shape);
    }
    return tensor;
  });
  return body;
}

/** An input's `data` as float32: as read ahead (or refused) by {@linkcode parseInferJson}, or now. */
export function jsonData(data: unknown, shape: number[]): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof FerryError) throw data;
  return tensorData(data, shape);
}

/** A parsed body as it crosses between threads: refusals as data, at these inputs. */
export interface ParsedOnThread {
  body: Record<string, unknown>;
  refused: number[];
}

/** {@linkcode parseInferJson}'s answer ready to cross threads, and the buffers to move with it. */
export function toThread(body: Record<string, unknown>): [ParsedOnThread, Transferable[]] {
  const refused: number[] = [];
  const buffers: Transferable[] = [];
  inputsOf(body).forEach((tensor, i) => {
    if (tensor.data instanceof Float32Array) buffers.push(tensor.data.buffer);
    else if (tensor.data instanceof FerryError) {
      tensor.data = toData(tensor.data);
      refused.push(i);
    }
  });
  return [{ body, refused }, buffers];
}

/** The body that {@linkcode toThread} sent, as {@linkcode parseInferJson} returned it. */
export function fromThread({ body, refused }: ParsedOnThread): Record<string, unknown> {
  const inputs = inputsOf(body);
  for (const i of refused) inputs[i]!.data = fromData(inputs[i]!.data as ErrorData);
  return body;
}

/** The inputs as parseInferJson left them (those that are no object never had `data` read). */
function inputsOf(body: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(body.inputs) ? body.inputs.map((t) => isObject(t) ? t : {}) : [];
}

function readAhead(data: unknown, shape: number[]): Float32Array | FerryError {
  try {
    return tensorData(data, shape);
  } catch (error) {
    if (error instanceof FerryError) return error;
    throw error;
  }
}

function picked(object: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const field of fields) if (Object.hasOwn(object, field)) kept[field] = object[field];
  return kept;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) > 0;
}
