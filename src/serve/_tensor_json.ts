/**
 * The v2 request body as JSON with bounded depth, and its `data` as float32 without recursion:
 * nesting is client data, so a deep or ragged array costs one linear scan and a 400, never the
 * stack (`Array.flat` overflowed it at 100,000 levels) or a heap of nested arrays.
 *
 * @module
 */
import { FerryError } from "../errors.ts";

/** Deepest JSON nesting accepted: the body object, `inputs`, a tensor and a 4-D `data` need 7. */
export const MAX_JSON_DEPTH = 32;

const OPEN_BRACKET = 0x5b, OPEN_BRACE = 0x7b, CLOSE_BRACKET = 0x5d, CLOSE_BRACE = 0x7d;
const QUOTE = 0x22, BACKSLASH = 0x5c;
const decoder = new TextDecoder();

/** Parses a JSON object, refusing one nested deeper than {@linkcode MAX_JSON_DEPTH} before parsing. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACKET || b === OPEN_BRACE) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new FerryError(
          "usage",
          `Cannot parse the request: JSON nested deeper than ${MAX_JSON_DEPTH} levels`,
        );
      }
    } else if (b === CLOSE_BRACKET || b === CLOSE_BRACE) depth--;
  }
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new FerryError("usage", `Cannot parse the request as JSON: ${(error as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new FerryError("usage", "Cannot infer: the request must be a JSON object with 'inputs'");
  }
  return body as Record<string, unknown>;
}

/**
 * `data` as float32 in row-major order: either flat (`shape`'s product of numbers) or nested
 * exactly as `shape` says. Refuses anything else, and values that are not finite as float32.
 */
export function tensorData(
  data: unknown,
  shape: readonly number[],
): Float32Array<ArrayBuffer> {
  const total = shape.reduce((a, b) => a * b, 1);
  const wrong = () =>
    new FerryError(
      "usage",
      `Cannot infer: 'data' must hold ${total} numbers for shape ${JSON.stringify(shape)}, ` +
        "flat or nested as the shape",
    );
  if (!Array.isArray(data)) throw wrong();
  const nested = data.length !== total || (total > 0 && Array.isArray(data[0]));
  if (!nested) {
    const out = new Float32Array(total);
    for (let i = 0; i < total; i++) {
      const value = data[i];
      if (typeof value !== "number") throw wrong();
      out[i] = value;
    }
    checkFinite(out, data);
    return out;
  }
  // Nested data may hold far fewer values than a client's shape claims (the body is read before
  // the shape is checked against the model), so its output grows with the values actually there.
  let out = new Float32Array(Math.min(total, FIRST_VALUES));
  let n = 0;
  const put = (value: unknown) => {
    if (typeof value !== "number" || n >= total) throw wrong();
    if (n === out.length) out = grown(out, total);
    out[n] = value;
    if (!Number.isFinite(out[n]!)) throw notFinite(n, value);
    n++;
  };
  // Depth-first over the nesting with an explicit stack of [array, next index, level].
  const stack: [unknown[], number, number][] = [[data, 0, 0]];
  if (data.length !== shape[0]) throw wrong();
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [array, index, level] = top;
    if (index === array.length) {
      stack.pop();
      continue;
    }
    top[1]++;
    const item = array[index];
    if (level === shape.length - 1) put(item);
    else if (Array.isArray(item) && item.length === shape[level + 1]) {
      stack.push([item, 0, level + 1]);
    } else throw wrong();
  }
  if (n !== total) throw wrong();
  return out;
}

/** Room for values that nested data starts with: 64 CIFAR-10 images fill it in two doublings. */
const FIRST_VALUES = 65_536;

/** `values` in an array twice as long, at most `total`. */
function grown(values: Float32Array, total: number): Float32Array<ArrayBuffer> {
  const bigger = new Float32Array(Math.min(total, values.length * 2));
  bigger.set(values);
  return bigger;
}

/**
 * Refuses the first of `values` that is not finite, named as the client sent it (`sent[i]`). A
 * plain loop: a callback per value (`findIndex`) cost as much as decoding a 32×32 JPEG.
 */
export function checkFinite(values: Float32Array, sent: ArrayLike<unknown> = values): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw notFinite(i, sent[i]);
  }
}

function notFinite(index: number, sent: unknown): FerryError {
  return new FerryError(
    "usage",
    `Cannot infer: data[${index}] is ${sent}, which is not a finite float32`,
  );
}
