/**
 * The binary tensor data extension's framing: a JSON header of `Inference-Header-Content-Length`
 * bytes, then each binary tensor's bytes in order (`binary_data_size` each); BYTES elements are
 * a 4-byte little-endian length and that many bytes.
 *
 * @module
 */
import { FerryError } from "../errors.ts";

/** The header that says how many leading bytes of a body are JSON. */
export const HEADER_LENGTH = "inference-header-content-length";

const encoder = new TextEncoder();

/** A body split into its JSON header and the binary tensor data after it. */
export interface SplitBody {
  json: Uint8Array;
  binary: Uint8Array;
}

/** Splits an infer body at `headerLength` (the header's value); all JSON when there is none. */
export function splitBody(body: Uint8Array, headerLength: string | undefined): SplitBody {
  // No view on the body's buffer: a JSON pool may move that buffer to a thread.
  if (headerLength === undefined) return { json: body, binary: new Uint8Array(0) };
  const length = Number(headerLength);
  if (!/^\d+$/.test(headerLength.trim()) || length > body.length) {
    throw new FerryError(
      "usage",
      `Cannot read ${HEADER_LENGTH}: expected a byte count up to the body's ${body.length}, ` +
        `got '${headerLength}'`,
    );
  }
  return { json: body.subarray(0, length), binary: body.subarray(length) };
}

/** Reads the binary parts of a body in order, each `binary_data_size` bytes long. */
export class BinaryReader {
  #offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  /** The next `size` bytes, for tensor `name`. */
  take(size: number, name: string): Uint8Array {
    if (!Number.isInteger(size) || size < 0 || this.#offset + size > this.bytes.length) {
      throw new FerryError(
        "usage",
        `Cannot read input '${name}': binary_data_size ${size} runs past the ` +
          `${this.bytes.length - this.#offset} binary bytes left in the body` +
          (this.bytes.length === 0 ? ` (is ${HEADER_LENGTH} sent?)` : ""),
      );
    }
    const part = this.bytes.subarray(this.#offset, this.#offset + size);
    this.#offset += size;
    return part;
  }

  /** Refuses binary bytes that no input claimed. */
  finish(): void {
    const left = this.bytes.length - this.#offset;
    if (left > 0) {
      throw new FerryError(
        "usage",
        `Cannot infer: ${left} binary bytes after the inputs' binary_data_size claim none of them`,
      );
    }
  }
}

/** BYTES elements as the extension lays them out: length-prefixed, one after another. */
export function readByteElements(bytes: Uint8Array, name: string): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const elements: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length;) {
    const length = offset + 4 <= bytes.length ? view.getUint32(offset, true) : -1;
    if (length < 0 || offset + 4 + length > bytes.length) {
      throw new FerryError(
        "usage",
        `Cannot read BYTES input '${name}': element ${elements.length + 1} runs past its data`,
      );
    }
    elements.push(bytes.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return elements;
}

/** Strings (as UTF-8) or bytes as BYTES elements: each a 4-byte little-endian length, then it. */
export function writeByteElements(elements: (string | Uint8Array)[]): Uint8Array {
  const encoded = elements.map((e) => typeof e === "string" ? encoder.encode(e) : e);
  const out = new Uint8Array(encoded.reduce((n, e) => n + 4 + e.length, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const e of encoded) {
    view.setUint32(offset, e.length, true);
    out.set(e, offset + 4);
    offset += 4 + e.length;
  }
  return out;
}

/** A response of a JSON header and binary parts, framed as the extension says. */
export function binaryResponse(header: unknown, parts: Uint8Array[]): Response {
  const json = encoder.encode(JSON.stringify(header));
  const body = new Uint8Array(json.length + parts.reduce((n, p) => n + p.length, 0));
  body.set(json, 0);
  let offset = json.length;
  for (const part of parts) {
    body.set(part, offset);
    offset += part.length;
  }
  // Headers set after construction: Deno copies a response whose init holds any header but a
  // JSON or text content type into a native one for Deno.serve, which the access-log middleware's
  // x-request-id then discards (5% of the event loop's samples for a binary FP32 answer).
  const response = new Response(body);
  response.headers.set("content-type", "application/octet-stream");
  response.headers.set(HEADER_LENGTH, String(json.length));
  return response;
}
